using EmbedSharp.Autograd;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Training.Optimizers;

namespace EmbedSharp.Tests.Autograd;

/// <summary>Parameters as leaf variables: the graph gives the bits the explicit per-layer backward gave, tied weights
/// sum their uses, sparse rows reach the parameter, and misuse is refused.</summary>
public sealed class ParameterGraphTests
{
    private static readonly IndexTensor Ids = new([3, 1, 3, 0, 5, 3], 2, 3);

    private static (Embedding Embedding, Linear Linear) Model(bool sparse = false)
    {
        var g = new Generator(7);
        var embedding = new Embedding(8, 4, g, new EmbeddingOptions { PaddingIdx = 0, Sparse = sparse });
        var linear = new Linear(4, 3, g);
        return (embedding, linear);
    }

    [Fact]
    public void Embedding_then_linear_through_the_graph_gives_the_explicit_backward_bits()
    {
        var (e1, l1) = Model();
        var (e2, l2) = Model();
        var upstream = new FloatTensor(2, 3, 3);
        var u = upstream.AsSpan();
        for (var i = 0; i < u.Length; i++)
        {
            u[i] = (i % 5) - 2.25f;
        }

        var y = l1.Forward(e1.Forward(Ids));
        y.Backward(upstream);

        FloatTensor h;
        using (Grad.Disable())
        {
            h = e2.Forward(Ids).Data;
        }

        var gh = l2.Backward(h, upstream);
        e2.Backward(Ids, gh);

        Assert.Equal(l2.Forward(h).ToArray(), y.Data.ToArray());
        Assert.Equal(l2.Weight.Grad!.ToArray(), l1.Weight.Grad!.ToArray());
        Assert.Equal(l2.Bias!.Grad!.ToArray(), l1.Bias!.Grad!.ToArray());
        Assert.Equal(e2.Weight.Grad!.ToArray(), e1.Weight.Grad!.ToArray());
        Assert.All(e1.Weight.Grad!.Row(0).ToArray(), v => Assert.Equal(0f, v)); // padding row
    }

    [Fact]
    public void A_tied_weight_receives_the_sum_of_both_uses()
    {
        var (e, _) = Model();
        var h = e.Forward(Ids);                       // (2, 3, 4)
        var logits = F.Linear(h, e.Weight);           // (2, 3, 8): the table as output projection
        Ops.Sum(logits).Backward();
        var tied = e.Weight.Grad!.ToArray();

        var (a, _) = Model();
        var (b, _) = Model();
        FloatTensor hData;
        using (Grad.Disable())
        {
            hData = a.Forward(Ids).Data;
        }

        // The projection's use alone (input detached), then the lookup's use alone (projection weight detached).
        Ops.Sum(F.Linear(new Variable(hData), a.Weight)).Backward();
        Ops.Sum(F.Linear(b.Forward(Ids), new Variable(b.Weight.Data))).Backward();
        var sum = a.Weight.Grad!.ToArray().Zip(b.Weight.Grad!.ToArray(), (x, y) => x + y).ToArray();
        Assert.Equal(sum, tied);
    }

    [Fact]
    public void A_sparse_embedding_gives_row_entries_in_input_order_without_padding()
    {
        var (e, _) = Model(sparse: true);
        Ops.Sum(e.Forward(Ids)).Backward();
        Assert.Null(e.Weight.Grad);
        var sparse = e.Weight.SparseGrad!;
        Assert.Equal(5, sparse.Count); // six ids, one of them the padding row 0
        Assert.Equal([3L, 1L, 3L, 5L, 3L], sparse.Indices.ToArray());
    }

    [Fact]
    public void Two_backward_runs_accumulate_and_ZeroGrad_keeps_the_storage()
    {
        var (_, l) = Model();
        var x = new Variable(new FloatTensor(2, 4));
        x.Data.Fill(0.5f);
        Ops.Sum(l.Forward(x)).Backward();
        var once = l.Weight.Grad!.ToArray();
        var storage = l.Weight.Grad;
        Ops.Sum(l.Forward(x)).Backward();
        Assert.Equal(once.Select(v => v + v).ToArray(), l.Weight.Grad!.ToArray());
        l.ZeroGrad();
        Assert.Null(l.Weight.Grad);
        Ops.Sum(l.Forward(x)).Backward();
        Assert.Same(storage, l.Weight.Grad);
        Assert.Equal(once, l.Weight.Grad!.ToArray());
    }

    [Fact]
    public void Backward_after_an_optimiser_step_changed_a_saved_weight_is_refused_and_changes_nothing()
    {
        var (_, l) = Model();
        var x = new Variable(new FloatTensor(2, 4), requiresGrad: true);
        x.Data.Fill(1f);
        var loss = Ops.Sum(l.Forward(x));
        Ops.Sum(l.Forward(x)).Backward(); // a gradient for the step
        var sgd = new Sgd([l.Weight, l.Bias!], new SgdOptions { Lr = 0.1 });
        sgd.Step();
        var before = l.Weight.Grad!.ToArray();
        var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("modified by an inplace operation", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AddmmBackward0", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, l.Weight.Grad!.ToArray());
    }

    [Fact]
    public void Anomaly_detection_names_the_op_that_returned_a_non_finite_gradient()
    {
        var x = new Variable(new FloatTensor(3), requiresGrad: true); // log(0): gradient 1/0 = inf
        var y = Ops.Sum(Ops.Log(x));
        using (Grad.DetectAnomaly())
        {
            var ex = Assert.Throws<InvalidOperationException>(() => y.Backward(retainGraph: true));
            Assert.Contains("LogBackward0", ex.Message, StringComparison.Ordinal);
        }

        y.Backward(); // without the scope the infinities pass, as in PyTorch
        Assert.True(float.IsPositiveInfinity(x.Grad!.AsSpan()[0]));
    }

    [Fact]
    public void A_frozen_embedding_records_nothing()
    {
        var frozen = Embedding.FromPretrained(new FloatTensor(4, 2), freeze: true);
        var y = frozen.Forward(IndexTensor.Vector(1, 2));
        Assert.True(y.IsLeaf);
        Assert.False(y.RequiresGrad);
    }
}
