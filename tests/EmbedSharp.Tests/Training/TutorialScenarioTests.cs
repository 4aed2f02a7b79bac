using EmbedSharp.Autograd;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Training.Optimizers;

namespace EmbedSharp.Tests.Training;

/// <summary>The steps of a typical "embedding layer" tutorial, end to end with the real layers, loss and optimiser,
/// written as the tutorials write them: forward, loss, <c>loss.Backward()</c>, step.</summary>
public sealed class TutorialScenarioTests
{
    private static readonly IndexTensor Lookup = IndexTensor.Vector(2, 3, 5);

    /// <summary>One step: forward [2, 3, 5], MSE against zeros, backward, SGD(lr = 0.1). A frozen table records no
    /// graph, so there is nothing to run backward through (PyTorch raises there; the tutorials skip the call).</summary>
    private static void TrainStep(Embedding embedding, Optimizer optimizer, IndexTensor? indices = null)
    {
        indices ??= Lookup;
        optimizer.ZeroGrad();
        var output = embedding.Forward(indices);
        var loss = F.MseLoss(output, new Variable(new FloatTensor(output.Shape)));
        if (loss.RequiresGrad)
        {
            loss.Backward();
        }

        optimizer.Step();
    }

    [Fact]
    public void A_lookup_returns_the_rows_of_the_table()
    {
        var embedding = new Embedding(10, 5, new Generator(0L));
        var output = embedding.Forward(Lookup).Data;
        Assert.Equal([3L, 5], output.Shape.ToArray());
        Assert.Equal(embedding.Weight.Value.Row(5).ToArray(), output.Row(2).ToArray());
    }

    [Fact]
    public void One_mse_and_sgd_step_changes_only_the_looked_up_rows()
    {
        var embedding = new Embedding(10, 5, new Generator(0L));
        var before = embedding.Weight.Value.Clone();
        TrainStep(embedding, new Sgd(embedding.Parameters(), new SgdOptions { Lr = 0.1 }));
        for (var r = 0; r < 10; r++)
        {
            var changed = !before.Row(r).SequenceEqual(embedding.Weight.Value.Row(r));
            Assert.Equal(r is 2 or 3 or 5, changed);
        }
    }

    [Fact]
    public void A_frozen_table_keeps_its_weights()
    {
        var pretrained = FloatTensor.FromArray(Enumerable.Range(0, 50).Select(i => i * 0.1f).ToArray(), 10, 5);
        var frozen = Embedding.FromPretrained(pretrained.Clone(), freeze: true);
        var flagged = new Embedding(10, 5, new Generator(1L));
        flagged.Weight.RequiresGrad = false;
        var flaggedBefore = flagged.Weight.Value.Clone();
        TrainStep(frozen, new Sgd(frozen.Parameters(), new SgdOptions { Lr = 0.1 }));
        TrainStep(flagged, new Sgd(flagged.Parameters(), new SgdOptions { Lr = 0.1 }));
        Assert.Equal(pretrained.ToArray(), frozen.Weight.Value.ToArray());
        Assert.Equal(flaggedBefore.ToArray(), flagged.Weight.Value.ToArray());
    }

    [Fact]
    public void A_parameter_left_out_of_the_optimiser_stays_fixed()
    {
        var g = new Generator(2L);
        var trained = new Embedding(10, 5, g);
        var excluded = new Embedding(10, 5, g);
        var before = excluded.Weight.Value.Clone();
        var optimizer = new Sgd(trained.Parameters(), new SgdOptions { Lr = 0.1 });
        TrainStep(trained, optimizer);
        Ops.Sum(excluded.Forward(Lookup)).Backward(); // it has a gradient, but no optimiser owns it
        Assert.NotNull(excluded.Weight.Grad);
        optimizer.Step();
        Assert.Equal(before.ToArray(), excluded.Weight.Value.ToArray());
    }

    [Fact]
    public void The_padding_row_stays_zero_through_training()
    {
        var embedding = new Embedding(10, 5, new Generator(3L), new EmbeddingOptions { PaddingIdx = 0 });
        var optimizer = new Adam(embedding.Parameters(), new AdamOptions { Lr = 0.05, WeightDecay = 0.0 });
        var batch = IndexTensor.Vector(0, 4, 0, 7);
        for (var i = 0; i < 20; i++)
        {
            TrainStep(embedding, optimizer, batch);
        }

        Assert.All(embedding.Weight.Value.Row(0).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Max_norm_keeps_looked_up_rows_within_the_norm()
    {
        var embedding = new Embedding(10, 5, new Generator(4L), new EmbeddingOptions { MaxNorm = 1.0 });
        var untouched = embedding.Weight.Value.Row(9).ToArray();
        embedding.Forward(Lookup);
        foreach (var r in new[] { 2, 3, 5 })
        {
            var row = embedding.Weight.Value.Row(r);
            Assert.True(Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares<float>(row)) <= 1.0 + 1e-6);
        }

        Assert.Equal(untouched, embedding.Weight.Value.Row(9).ToArray()); // only looked-up rows are renormalised
    }

    [Fact]
    public void New_token_rows_train_while_pretrained_rows_stay_exactly_fixed()
    {
        var pretrained = FloatTensor.FromArray(Enumerable.Range(0, 50).Select(i => i * 0.01f).ToArray(), 10, 5);
        var embedding = Embedding.FromPretrained(pretrained.Clone(), freeze: false);
        embedding.Weight.SetRowsFrozen([0, 1, 2, 3, 4, 5, 6, 7]); // rows 8 and 9 are new tokens
        var optimizer = new Adam(embedding.Parameters(), new AdamOptions { Lr = 0.1, WeightDecay = 0.01 });
        TrainStep(embedding, optimizer, IndexTensor.Vector(2, 8, 9, 5));
        for (var r = 0; r < 10; r++)
        {
            Assert.Equal(r < 8, pretrained.Row(r).SequenceEqual(embedding.Weight.Value.Row(r)));
        }
    }

    [Fact]
    public void A_single_learnable_vector_is_an_embedding_with_one_row()
    {
        var special = new Embedding(1, 4, new Generator(5L)); // e.g. a [CLS] vector used as special.Weight.Value
        var optimizer = new Sgd(special.Parameters(), new SgdOptions { Lr = 0.5 });
        for (var i = 0; i < 50; i++)
        {
            TrainStep(special, optimizer, IndexTensor.Vector(0));
        }

        Assert.All(special.Weight.Value.ToArray(), v => Assert.True(Math.Abs(v) < 1e-3)); // MSE to zeros converges
    }
}
