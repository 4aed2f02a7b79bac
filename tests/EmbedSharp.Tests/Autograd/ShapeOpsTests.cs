using EmbedSharp.Autograd;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Autograd;

/// <summary>Finite-difference checks shared by the shape, reduction and elementwise op tests: the gradient of
/// L = Σ f(inputs) · w (w fixed random weights) from backward, against central differences of L computed in double from
/// the float forward. The step is measured as the difference of the two perturbed floats, not assumed.</summary>
internal static class FiniteDifference
{
    public static Variable Random(Generator g, params long[] shape) => Random(g, -1, 1, shape);

    public static Variable Random(Generator g, double low, double high, params long[] shape)
    {
        var t = new FloatTensor(shape);
        var s = t.AsSpan();
        for (var i = 0; i < s.Length; i++)
        {
            s[i] = (float)(low + (g.NextDouble() * (high - low)));
        }

        return new Variable(t, requiresGrad: true);
    }

    /// <summary>Asserts every input's gradient is within <paramref name="tolerance"/>·max(1, |numeric|) of the central
    /// difference with step <paramref name="h"/>; returns the largest difference seen.</summary>
    public static double Check(Func<Variable[], Variable> f, Variable[] inputs, float h = 1e-2f, double tolerance = 2e-3, int seed = 11)
    {
        var y = f(inputs);
        var g = new Generator((ulong)seed);
        var w = Random(g, [.. y.Shape]);
        Ops.Sum(Ops.Mul(y, w.Detach())).Backward();
        double max = 0;
        foreach (var x in inputs)
        {
            var grad = x.Grad ?? new FloatTensor(x.Shape);
            var data = x.Data.AsSpan();
            for (var i = 0; i < data.Length; i++)
            {
                var keep = data[i];
                data[i] = keep + h;
                var up = data[i];
                var plus = Loss(f, inputs, w);
                data[i] = keep - h;
                var down = data[i];
                var minus = Loss(f, inputs, w);
                data[i] = keep;
                var numeric = (plus - minus) / ((double)up - down);
                var analytic = grad.AsSpan()[i];
                var diff = Math.Abs(numeric - analytic);
                max = Math.Max(max, diff);
                Assert.True(diff <= tolerance * Math.Max(1, Math.Abs(numeric)), $"input {Array.IndexOf(inputs, x)} element {i}: analytic {analytic}, numeric {numeric}");
            }
        }

        return max;
    }

    private static double Loss(Func<Variable[], Variable> f, Variable[] inputs, Variable w)
    {
        using var scope = Grad.Disable();
        var y = f(inputs).Data.AsSpan();
        var ws = w.Data.AsSpan();
        var total = 0.0;
        for (var i = 0; i < y.Length; i++)
        {
            total += (double)y[i] * ws[i];
        }

        return total;
    }
}

public sealed class ShapeOpsTests
{
    // Shape ops are linear in their input: the difference quotient is exact up to the rounding of L in double.
    private const double Linear = 1e-6;

    [Fact]
    public void Reshape_and_view_infer_minus_one_share_storage_and_pass_the_gradient_back()
    {
        var x = FiniteDifference.Random(new Generator(1), 2, 3, 4);
        var y = Ops.Reshape(x, -1, 6);
        Assert.Equal([4L, 6], y.Shape.ToArray());
        Assert.Equal("ReshapeAliasBackward0", y.GradFn!.Name);
        Assert.Equal("ViewBackward0", Ops.View(x, 24).GradFn!.Name);
        x.Data.AsSpan()[5] = 42f; // shares storage
        Assert.Equal(42f, y.Data[0, 5]);
        FiniteDifference.Check(v => Ops.Reshape(v[0], 4, -1), [x], tolerance: Linear);
        FiniteDifference.Check(v => Ops.View(v[0], 3, 8), [FiniteDifference.Random(new Generator(2), 6, 4)], tolerance: Linear);
    }

    [Fact]
    public void Transpose_and_permute_move_elements_and_their_gradients()
    {
        var x = FiniteDifference.Random(new Generator(3), 2, 3, 4);
        var t = Ops.Transpose(x, 0, -1);
        Assert.Equal([4L, 3, 2], t.Shape.ToArray());
        Assert.Equal(x.Data[1, 2, 3], t.Data[3, 2, 1]);
        var p = Ops.Permute(x, 1, 2, 0);
        Assert.Equal([3L, 4, 2], p.Shape.ToArray());
        Assert.Equal(x.Data[1, 0, 3], p.Data[0, 3, 1]);
        Assert.Equal("PermuteBackward0", p.GradFn!.Name);
        FiniteDifference.Check(v => Ops.Transpose(v[0], 1, 2), [x], tolerance: Linear);
        FiniteDifference.Check(v => Ops.Permute(v[0], 2, 0, 1), [FiniteDifference.Random(new Generator(4), 3, 2, 5)], tolerance: Linear);
        Assert.Same(x, Ops.Contiguous(x));
    }

    [Fact]
    public void Cat_stack_split_and_narrow_gradients_match_finite_differences()
    {
        var g = new Generator(5);
        var a = FiniteDifference.Random(g, 2, 3);
        var b = FiniteDifference.Random(g, 2, 4);
        FiniteDifference.Check(v => Ops.Cat(v, -1), [a, b], tolerance: Linear);
        FiniteDifference.Check(v => Ops.Stack(v, 2), [FiniteDifference.Random(g, 2, 3), FiniteDifference.Random(g, 2, 3)], tolerance: Linear);
        FiniteDifference.Check(v => Ops.Split(v[0], [1, 3, 2], 1)[1], [FiniteDifference.Random(g, 3, 6)], tolerance: Linear);
        FiniteDifference.Check(v => Ops.Cat(Ops.Split(v[0], 2, 0), 1), [FiniteDifference.Random(g, 4, 3)], tolerance: Linear);
        FiniteDifference.Check(v => Ops.Narrow(v[0], 0, -2, 2), [FiniteDifference.Random(g, 4, 3)], tolerance: Linear);
        var s = Ops.Stack([a, a], 0);
        Assert.Equal([2L, 2, 3], s.Shape.ToArray());
        Assert.Equal("StackBackward0", s.GradFn!.Name);
        var parts = Ops.Split(FiniteDifference.Random(g, 5, 2), 2, 0);
        Assert.Equal([2L, 2, 1], parts.Select(p => p.Shape[0]).ToArray());
    }

    [Fact]
    public void Index_select_gather_and_masked_fill_gradients_match_finite_differences()
    {
        var g = new Generator(6);
        FiniteDifference.Check(v => Ops.IndexSelect(v[0], 1, IndexTensor.Vector(3, 0, 3, 3)), [FiniteDifference.Random(g, 2, 4, 2)], tolerance: Linear);
        FiniteDifference.Check(v => Ops.Gather(v[0], 0, new IndexTensor([0, 2, 2, 1, 1, 1], 2, 3)), [FiniteDifference.Random(g, 3, 4)], tolerance: Linear);
        var mask = new IndexTensor([1, 0, 0, 1, 1, 0], 2, 1, 3);
        var x = FiniteDifference.Random(g, 4, 3);
        var y = Ops.MaskedFill(x, mask, float.NegativeInfinity);
        Assert.Equal([2L, 4, 3], y.Shape.ToArray()); // x stretched to the mask's shape, as torch's out-of-place masked_fill
        Assert.Equal(float.NegativeInfinity, y.Data[1, 2, 0]);
        Assert.Equal(x.Data[2, 2], y.Data[1, 2, 2]);
        Assert.Equal(x.Data[3, 1], y.Data[0, 3, 1]);
        FiniteDifference.Check(v => Ops.MaskedFill(v[0], mask, 7f), [x], tolerance: Linear);
    }

    [Fact]
    public void Misuse_names_the_op_the_shapes_and_the_dim()
    {
        var x = new Variable(new FloatTensor(2, 3));
        Assert.Contains("reshape: shape (4, 2) is invalid for input of shape (2, 3) (6 elements)", Assert.Throws<ArgumentException>(() => Ops.Reshape(x, 4, 2)).Message, StringComparison.Ordinal);
        Assert.Contains("only one dimension can be -1", Assert.Throws<ArgumentException>(() => Ops.View(x, -1, -1)).Message, StringComparison.Ordinal);
        Assert.Contains("transpose: dim 2 is out of range for a tensor of rank 2", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Transpose(x, 0, 2)).Message, StringComparison.Ordinal);
        Assert.Contains("permute: dim 0 appears more than once", Assert.Throws<ArgumentException>(() => Ops.Permute(x, 0, -2)).Message, StringComparison.Ordinal);
        Assert.Contains("cat: shapes (2, 3) and (3, 3)", Assert.Throws<ArgumentException>(() => Ops.Cat([x, new Variable(new FloatTensor(3, 3))], 1)).Message, StringComparison.Ordinal);
        Assert.Contains("cat: dim -3 is out of range for a tensor of rank 2", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Cat([x], -3)).Message, StringComparison.Ordinal);
        Assert.Contains("stack: expects each variable to be equal size, but got (2, 3) at entry 0 and (2, 4) at entry 1", Assert.Throws<ArgumentException>(() => Ops.Stack([x, new Variable(new FloatTensor(2, 4))], 0)).Message, StringComparison.Ordinal);
        Assert.Contains("split: sizes (1, 1) add up to 2, but dimension 1 of shape (2, 3) has size 3", Assert.Throws<ArgumentException>(() => Ops.Split(x, [1L, 1], 1)).Message, StringComparison.Ordinal);
        Assert.Contains("split: split size must be positive", Assert.Throws<ArgumentException>(() => Ops.Split(x, 0, 1)).Message, StringComparison.Ordinal);
        Assert.Contains("narrow: start 2 + length 2 exceeds dimension 1 of size 3", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Narrow(x, 1, 2, 2)).Message, StringComparison.Ordinal);
        Assert.Contains("index_select: index 2 is out of range for dimension 0 of size 2", Assert.Throws<ArgumentException>(() => Ops.IndexSelect(x, 0, IndexTensor.Vector(0, 2))).Message, StringComparison.Ordinal);
        Assert.Contains("gather: the index has shape (2,) and the input (2, 3)", Assert.Throws<ArgumentException>(() => Ops.Gather(x, 1, IndexTensor.Vector(0, 1))).Message, StringComparison.Ordinal);
        Assert.Contains("gather: index 3 is out of bounds for dimension 1 with size 3", Assert.Throws<ArgumentException>(() => Ops.Gather(x, 1, new IndexTensor([3], 1, 1))).Message, StringComparison.Ordinal);
        Assert.Contains("masked_fill: shapes (2, 3) and (2,) do not broadcast", Assert.Throws<ArgumentException>(() => Ops.MaskedFill(x, new IndexTensor([1, 0], 2), 0f)).Message, StringComparison.Ordinal);
    }
}
