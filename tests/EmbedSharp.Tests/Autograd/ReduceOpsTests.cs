using EmbedSharp.Autograd;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Autograd;

public sealed class ReduceOpsTests
{
    // Sums and means are linear: the central difference is exact up to float rounding of the perturbed forward
    // (about 1e-7 relative per term over a few dozen terms, divided by a step of 2e-2): 1e-4 is ample and still fails on
    // a wrong gradient (which is off by O(1)).
    private const double LinearTolerance = 1e-4;

    [Fact]
    public void Sum_and_mean_over_dims_match_finite_differences()
    {
        var g = new Generator(21);
        FiniteDifference.Check(v => Ops.Sum(v[0], 1), [FiniteDifference.Random(g, 2, 3, 4)], tolerance: LinearTolerance);
        FiniteDifference.Check(v => Ops.Sum(v[0], [0, -1], keepDim: true), [FiniteDifference.Random(g, 2, 3, 4)], tolerance: LinearTolerance);
        FiniteDifference.Check(v => Ops.Mean(v[0], -2), [FiniteDifference.Random(g, 3, 5, 2)], tolerance: LinearTolerance);
        FiniteDifference.Check(v => Ops.Mean(v[0], [], keepDim: true), [FiniteDifference.Random(g, 3, 4)], tolerance: LinearTolerance);
        Assert.Equal([1L, 1], Ops.Mean(FiniteDifference.Random(g, 3, 4), [], keepDim: true).Shape.ToArray());
        Assert.Equal("SumBackward1", Ops.Sum(FiniteDifference.Random(g, 3, 4), 0).GradFn!.Name);
    }

    /// <summary>Sum over dims equals the torch orders already reproduced (and tested against layers goldens) for the
    /// two 2-D cases: a column sum is <c>TorchSum.Columns</c>, a full sum is <c>TorchSum.All</c>, bit for bit.</summary>
    [Theory]
    [InlineData(37, 45)]
    [InlineData(300, 7)]
    [InlineData(5, 70)]
    public void Sum_over_dims_uses_the_torch_orders_of_the_layer_kernels(int rows, int cols)
    {
        var x = FiniteDifference.Random(new Generator(22), 10.0, 11.0, rows, cols);
        var columns = new float[cols];
        TorchSum.Columns(x.Data.AsSpan(), rows, cols, columns);
        Assert.Equal(columns, Ops.Sum(x, 0).Data.ToArray());
        Assert.Equal(TorchSum.All(x.Data.AsSpan()), Ops.Sum(x, [0, 1]).Data[0]);
        Assert.Equal(TorchSum.All(x.Data.AsSpan()), Ops.Sum(x, []).Data[0]);
        Assert.Equal(TorchSum.All(x.Data.Row(3)), Ops.Sum(x, 1).Data[3]);
    }

    [Fact]
    public void Max_routes_to_the_first_maximum_full_max_and_amax_split_ties()
    {
        var x = new Variable(FloatTensor.FromArray([1, 3, 3, 0, 5, 5], 2, 3), requiresGrad: true);
        var (values, indices) = Ops.Max(x, 1);
        Assert.Equal(new float[] { 3, 5 }, values.Data.ToArray());
        Assert.Equal(new long[] { 1, 1 }, indices.AsSpan().ToArray());
        values.Backward(FloatTensor.FromArray([2, 4], 2));
        Assert.Equal(new float[] { 0, 2, 0, 0, 4, 0 }, x.Grad!.ToArray());
        x.ZeroGrad();
        Ops.Amax(x, -1, keepDim: true).Backward(FloatTensor.FromArray([2, 4], 2, 1));
        Assert.Equal(new float[] { 0, 1, 1, 0, 2, 2 }, x.Grad!.ToArray());
        x.ZeroGrad();
        Ops.Max(x).Backward(FloatTensor.FromArray([3], []));
        Assert.Equal(new float[] { 0, 0, 0, 0, 1.5f, 1.5f }, x.Grad!.ToArray());

        var nan = new Variable(FloatTensor.FromArray([1, float.NaN, 7, float.NaN], 4));
        var (v, i) = Ops.Max(nan, 0);
        Assert.True(float.IsNaN(v.Data[0]));
        Assert.Equal(1, i[0]);
        Assert.True(float.IsNaN(Ops.Max(nan).Data[0]));
    }

    [Fact]
    public void Max_amax_and_var_match_finite_differences()
    {
        var g = new Generator(23);
        // Distinct random values: max is locally linear. var is quadratic: the central difference is exact for a
        // quadratic, so the same float-rounding tolerance holds.
        FiniteDifference.Check(v => Ops.Max(v[0], 0).Values, [FiniteDifference.Random(g, 4, 3)], h: 1e-3f, tolerance: 1e-3);
        FiniteDifference.Check(v => Ops.Max(v[0]), [FiniteDifference.Random(g, 3, 4)], h: 1e-3f, tolerance: 1e-3);
        FiniteDifference.Check(v => Ops.Amax(v[0], 1, keepDim: true), [FiniteDifference.Random(g, 3, 4)], h: 1e-3f, tolerance: 1e-3);
        FiniteDifference.Check(v => Ops.Var(v[0], 1), [FiniteDifference.Random(g, 3, 5)], tolerance: 1e-3);
        FiniteDifference.Check(v => Ops.Var(v[0], 0, unbiased: false, keepDim: true), [FiniteDifference.Random(g, 4, 2)], tolerance: 1e-3);
        FiniteDifference.Check(v => Ops.Var(v[0]), [FiniteDifference.Random(g, 2, 3)], tolerance: 1e-3);
    }

    [Fact]
    public void Var_is_the_double_precision_variance_rounded_once()
    {
        var x = FiniteDifference.Random(new Generator(24), 100.0, 101.0, 50);
        double mean = x.Data.ToArray().Average(v => (double)v);
        var exact = x.Data.ToArray().Sum(v => (v - mean) * (v - mean)) / 49;
        Assert.Equal((float)exact, Ops.Var(x).Data[0]);
        Assert.Equal((float)exact, Ops.Var(x, 0).Data[0]);
        var rows = Ops.Var(Ops.Reshape(x, 5, 10), 1, unbiased: false).Data;
        for (var r = 0; r < 5; r++)
        {
            var row = x.Data.ToArray().Skip(r * 10).Take(10).Select(v => (double)v).ToArray();
            var m = row.Average();
            Assert.Equal((float)(row.Sum(v => (v - m) * (v - m)) / 10), rows[r]);
        }
    }

    [Fact]
    public void Misuse_names_the_op_the_dim_and_the_rank()
    {
        var x = new Variable(new FloatTensor(2, 3));
        Assert.Contains("sum: dim 2 is out of range for a tensor of rank 2 (expected -2 to 1)", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Sum(x, 2)).Message, StringComparison.Ordinal);
        Assert.Contains("sum: dim 1 appears multiple times", Assert.Throws<ArgumentException>(() => Ops.Sum(x, [1, -1])).Message, StringComparison.Ordinal);
        Assert.Contains("mean: dim -3 is out of range for a tensor of rank 2", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Mean(x, -3)).Message, StringComparison.Ordinal);
        Assert.Contains("max: dim 5 is out of range", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Max(x, 5)).Message, StringComparison.Ordinal);
        Assert.Contains("amax: dimension 0 of shape (0, 3) is empty", Assert.Throws<ArgumentException>(() => Ops.Amax(new Variable(new FloatTensor(0, 3)), 0)).Message, StringComparison.Ordinal);
        Assert.Contains("max: the input of shape (0,) has no elements", Assert.Throws<ArgumentException>(() => Ops.Max(new Variable(new FloatTensor(0)))).Message, StringComparison.Ordinal);
        Assert.Contains("var: dim 2 is out of range for a tensor of rank 2", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Var(x, 2)).Message, StringComparison.Ordinal);
    }
}
