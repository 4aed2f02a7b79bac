using EmbedSharp.Autograd;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Autograd;

public sealed class VariableTests
{
    private static Variable Random(Generator g, bool requiresGrad, params long[] shape)
    {
        var t = new FloatTensor(shape);
        var s = t.AsSpan();
        for (var i = 0; i < s.Length; i++)
        {
            s[i] = (float)((g.NextDouble() * 2) - 1) + (i % 3 == 0 ? 1.5f : 0f); // away from 0 for division
        }

        return new Variable(t, requiresGrad);
    }

    public static TheoryData<string, long[], long[]> Cases() => new()
    {
        { "add", [3, 4], [4] },
        { "sub", [2, 1, 5], [3, 1] },
        { "mul", [3, 4], [3, 4] },
        { "mul", [], [2, 3] },
        { "div", [4, 1], [1, 5] },
        { "div", [2, 3], [2, 3] },
    };

    private static Variable Apply(string op, Variable a, Variable b) => op switch
    {
        "add" => Ops.Add(a, b),
        "sub" => Ops.Sub(a, b),
        "mul" => Ops.Mul(a, b),
        _ => Ops.Div(a, b),
    };

    /// <summary>The gradient of sum(op(a, b) · w) against central differences in double precision of the same
    /// function evaluated elementwise (the float forward is exact enough at step 1e-3 with a 2e-3 tolerance).</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Broadcast_binary_gradients_match_finite_differences(string op, long[] shapeA, long[] shapeB)
    {
        var g = new Generator(7);
        var a = Random(g, true, shapeA);
        var b = Random(g, true, shapeB);
        var y = Apply(op, a, b);
        var w = Random(g, false, [.. y.Shape]);
        Ops.Sum(Ops.Mul(y, w)).Backward();

        foreach (var (x, grad) in new[] { (a, a.Grad!), (b, b.Grad!) })
        {
            Assert.Equal(x.Shape.ToArray(), grad.Shape.ToArray());
            var data = x.Data.AsSpan();
            for (var i = 0; i < data.Length; i++)
            {
                var keep = data[i];
                const float h = 1e-3f;
                data[i] = keep + h;
                double plus = Loss(op, a, b, w);
                data[i] = keep - h;
                double minus = Loss(op, a, b, w);
                data[i] = keep;
                var numeric = (plus - minus) / (2 * h);
                Assert.True(Math.Abs(numeric - grad.AsSpan()[i]) <= 2e-3 * Math.Max(1, Math.Abs(numeric)), $"{op} element {i}: analytic {grad.AsSpan()[i]}, numeric {numeric}");
            }
        }
    }

    private static double Loss(string op, Variable a, Variable b, Variable w)
    {
        using var scope = Grad.Disable();
        var y = Apply(op, a, b);
        var s = y.Data.AsSpan();
        var ws = w.Data.AsSpan();
        var total = 0.0;
        for (var i = 0; i < s.Length; i++)
        {
            total += (double)s[i] * ws[i];
        }

        return total;
    }

    [Fact]
    public void Broadcasting_follows_numpy_and_a_mismatch_names_the_op_and_both_shapes()
    {
        var a = new Variable(new FloatTensor(2, 1, 3));
        a.Data.CopyFrom(new float[] { 1, 2, 3, 4, 5, 6 });
        var b = new Variable(new FloatTensor(4, 1));
        b.Data.CopyFrom(new float[] { 10, 20, 30, 40 });
        var y = Ops.Add(a, b);
        Assert.Equal([2L, 4, 3], y.Shape.ToArray());
        Assert.Equal(21f, y.Data[0, 1, 0]);
        Assert.Equal(46f, y.Data[1, 3, 2]);

        var e = Assert.Throws<ArgumentException>(() => Ops.Mul(new Variable(new FloatTensor(2, 3)), new Variable(new FloatTensor(4))));
        Assert.Equal("mul: shapes (2, 3) and (4,) do not broadcast (dimension 1: 3 vs 4).", e.Message);
    }

    [Fact]
    public void Gradients_accumulate_across_backwards_and_a_reused_input_gets_the_sum_of_its_paths()
    {
        var x = new Variable(new FloatTensor(3), requiresGrad: true);
        x.Data.CopyFrom(new float[] { 1, 2, 3 });
        var y = Ops.Mul(x, x); // dy/dx = 2x through two paths of one node
        Ops.Sum(Ops.Add(y, x)).Backward(); // + 1
        Assert.Equal(new float[] { 3, 5, 7 }, x.Grad!.ToArray());
        Ops.Mean(x).Backward();
        Assert.Equal(new float[] { 3 + (1f / 3), 5 + (1f / 3), 7 + (1f / 3) }, x.Grad!.ToArray());
        x.ZeroGrad();
        Assert.Null(x.Grad);
    }

    [Fact]
    public void The_graph_is_released_after_backward_unless_retained()
    {
        var x = new Variable(new FloatTensor(2), requiresGrad: true);
        var loss = Ops.Sum(Ops.Mul(x, x));
        loss.Backward(retainGraph: true);
        loss.Backward();
        var e = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("a second time", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Misuse_gives_pytorchs_errors()
    {
        var x = new Variable(new FloatTensor(2), requiresGrad: true);
        var y = Ops.Mul(x, x);
        Assert.Contains("implicitly created only for scalar outputs", Assert.Throws<InvalidOperationException>(() => y.Backward()).Message, StringComparison.Ordinal);
        Assert.Contains("does not require grad", Assert.Throws<InvalidOperationException>(() => new Variable(new FloatTensor(1)).Backward()).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false);
        Assert.Throws<ArgumentException>(() => y.Backward(new FloatTensor(3)));
        var mm = Assert.Throws<ArgumentException>(() => Ops.MatMul(new Variable(new FloatTensor(2, 3)), new Variable(new FloatTensor(4, 5))));
        Assert.StartsWith("matmul: shapes (2, 3) and (4, 5) cannot be multiplied", mm.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_grad_records_nothing_and_detach_cuts_the_history()
    {
        var x = new Variable(new FloatTensor(2), requiresGrad: true);
        using (Grad.Disable())
        {
            Assert.False(Grad.IsEnabled);
            var y = Ops.Mul(x, x);
            Assert.True(y.IsLeaf);
            Assert.False(y.RequiresGrad);
        }

        Assert.True(Grad.IsEnabled);
        var z = Ops.Add(x, x);
        Assert.Equal("AddBackward0", z.GradFn!.Name);
        var d = z.Detach();
        Assert.True(d.IsLeaf);
        Assert.Same(z.Data, d.Data);
    }

    [Fact]
    public void A_deep_chain_does_not_overflow_the_stack()
    {
        var x = new Variable(new FloatTensor(1), requiresGrad: true);
        var one = new Variable(new FloatTensor(1));
        var y = x;
        for (var i = 0; i < 100_000; i++)
        {
            y = Ops.Add(y, one);
        }

        y.Backward();
        Assert.Equal(1f, x.Grad!.AsSpan()[0]);
    }
}
