using EmbedSharp.Autograd;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Autograd;

/// <summary>Central differences of sum(f(inputs)·w) in float against the analytic gradients. With step 1e-3 on
/// well-conditioned inputs of size about 1, the float forward's rounding (≈1e-7 relative) and the truncation error
/// (≈h²) stay well under the tolerance of 2e-3·max(1, |numeric|).</summary>
internal static class OpGradCheck
{
    public static Variable Random(Generator g, params long[] shape)
    {
        var t = new FloatTensor(shape);
        var s = t.AsSpan();
        for (var i = 0; i < s.Length; i++)
        {
            s[i] = (float)((g.NextDouble() * 2) - 1);
        }

        return new Variable(t, requiresGrad: true);
    }

    public static void Check(Func<Variable> f, params Variable[] leaves)
    {
        var y = f();
        var g = new Generator(11);
        var w = Random(g, [.. y.Shape]).Data;
        Ops.Sum(Ops.Mul(y, new Variable(w))).Backward();
        foreach (var leaf in leaves)
        {
            Assert.NotNull(leaf.Grad);
            var data = leaf.Data.AsSpan();
            for (var i = 0; i < data.Length; i++)
            {
                var keep = data[i];
                const float h = 1e-3f;
                data[i] = keep + h;
                var plus = Loss(f, w);
                data[i] = keep - h;
                var minus = Loss(f, w);
                data[i] = keep;
                var numeric = (plus - minus) / (2 * h);
                var analytic = leaf.Grad!.AsSpan()[i];
                Assert.True(Math.Abs(numeric - analytic) <= 2e-3 * Math.Max(1, Math.Abs(numeric)), $"element {i}: analytic {analytic}, numeric {numeric}");
            }
        }
    }

    private static double Loss(Func<Variable> f, FloatTensor w)
    {
        using var scope = Grad.Disable();
        var y = f().Data.AsSpan();
        var total = 0.0;
        for (var i = 0; i < y.Length; i++)
        {
            total += (double)y[i] * w.AsSpan()[i];
        }

        return total;
    }
}

public sealed class SoftmaxNormOpsTests
{
    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(2, true)]
    public void Softmax_and_log_softmax_gradients_match_finite_differences(int dim, bool log)
    {
        var x = OpGradCheck.Random(new Generator(3), 2, 3, 9); // 9 > 8 lanes: the lane sum's tail is exercised
        OpGradCheck.Check(() => log ? Ops.LogSoftmax(x, dim) : Ops.Softmax(x, dim), x);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Layer_norm_gradients_match_finite_differences(bool affine)
    {
        var g = new Generator(5);
        var x = OpGradCheck.Random(g, 3, 2, 10);
        var w = affine ? OpGradCheck.Random(g, 2, 10) : null;
        var b = affine ? OpGradCheck.Random(g, 2, 10) : null;
        OpGradCheck.Check(() => Ops.LayerNorm(x, [2, 10], w, b), affine ? [x, w!, b!] : [x]);
    }

    [Fact]
    public void Softmax_rows_sum_to_one_and_an_all_minus_infinity_row_gives_nan_as_torch()
    {
        var x = new Variable(FloatTensor.FromArray([1f, 2f, 3f, float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity], 2, 3));
        var y = Ops.Softmax(x, 1).Data.AsSpan();
        Assert.Equal(1f, y[0] + y[1] + y[2], 6);
        Assert.True(float.IsNaN(y[3]) && float.IsNaN(y[4]) && float.IsNaN(y[5]));
    }

    [Fact]
    public void Layer_norm_of_a_long_row_matches_a_double_reference()
    {
        // 300 values: several Welford chunks merged through the counter stack, plus a tail.
        var x = OpGradCheck.Random(new Generator(9), 1, 300);
        var y = Ops.LayerNorm(x, [300]).Data.AsSpan();
        var v = x.Data.AsSpan();
        double mean = 0, var = 0;
        foreach (var e in v)
        {
            mean += e;
        }

        mean /= v.Length;
        foreach (var e in v)
        {
            var += (e - mean) * (e - mean);
        }

        var rstd = 1 / Math.Sqrt((var / v.Length) + 1e-5);
        for (var i = 0; i < v.Length; i++)
        {
            Assert.True(Math.Abs(y[i] - ((v[i] - mean) * rstd)) < 2e-6, $"element {i}");
        }
    }

    [Fact]
    public void Misuse_names_the_op_and_the_shapes()
    {
        var x = new Variable(new FloatTensor(2, 3));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Softmax(x, 2));
        Assert.Contains("softmax: dimension 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("rank 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("log_softmax: dimension -3", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.LogSoftmax(x, -3)).Message, StringComparison.Ordinal);
        var ln = Assert.Throws<ArgumentException>(() => Ops.LayerNorm(x, [4]));
        Assert.Contains("layer_norm: normalized shape (4,)", ln.Message, StringComparison.Ordinal);
        Assert.Contains("(2, 3)", ln.Message, StringComparison.Ordinal);
        var w = Assert.Throws<ArgumentException>(() => Ops.LayerNorm(x, [3], new Variable(new FloatTensor(4))));
        Assert.Contains("layer_norm: weight has shape (4,)", w.Message, StringComparison.Ordinal);
        Assert.Equal("SoftmaxBackward0", Ops.Softmax(new Variable(new FloatTensor(2, 3), true), 1).GradFn!.Name);
    }
}
