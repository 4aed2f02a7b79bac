using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Initialization;

/// <summary>Rules and bad input; the bit-exact numbers are in Parity/InitParityTests.</summary>
public sealed class InitTests
{
    private static readonly Generator G = new(0UL);

    [Fact]
    public void Gains_are_pytorchs_calculate_gain_values()
    {
        Assert.Equal(1.0, Init.CalculateGain(Nonlinearity.Linear));
        Assert.Equal(1.0, Init.CalculateGain(Nonlinearity.Sigmoid));
        Assert.Equal(1.0, Init.CalculateGain(Nonlinearity.Of(NonlinearityKind.ConvTranspose2d)));
        Assert.Equal(5.0 / 3, Init.CalculateGain(Nonlinearity.Tanh));
        Assert.Equal(Math.Sqrt(2.0), Init.CalculateGain(Nonlinearity.Relu));
        Assert.Equal(0.75, Init.CalculateGain(Nonlinearity.Selu));
        Assert.Equal(Math.Sqrt(2.0 / (1 + (0.01 * 0.01))), Init.CalculateGain(Nonlinearity.LeakyRelu()));
        Assert.Equal(Math.Sqrt(2.0 / 6.000000000000001), Init.CalculateGain(Nonlinearity.LeakyRelu(Math.Sqrt(5))));
        Assert.Throws<ArgumentOutOfRangeException>(() => Nonlinearity.Of((NonlinearityKind)99));
        Assert.Throws<ArgumentOutOfRangeException>(() => Nonlinearity.LeakyRelu(double.NaN));
    }

    [Fact]
    public void Fans_follow_pytorchs_rule_for_any_rank()
    {
        Assert.Equal((5L, 3L), Init.Fans([3, 5]));
        Assert.Equal((5L * 12, 3L * 12), Init.Fans([3, 5, 3, 4]));
        Assert.Equal((2L * 60, 7L * 60), Init.Fans([7, 2, 3, 4, 5]));
        var e = Assert.Throws<ArgumentException>(() => Init.Fans([10]));
        Assert.Contains("fewer than 2 dimensions", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Init.XavierUniform(new FloatTensor(10), G));
        Assert.Throws<ArgumentException>(() => Init.KaimingNormal(new FloatTensor(10), G));
    }

    [Fact]
    public void Shape_rules_of_eye_dirac_sparse_and_orthogonal_are_enforced()
    {
        Assert.Contains("2 dimensions", Assert.Throws<ArgumentException>(() => Init.Eye(new FloatTensor(3, 3, 3))).Message, StringComparison.Ordinal);
        Assert.Contains("2 dimensions", Assert.Throws<ArgumentException>(() => Init.Sparse(new FloatTensor(3, 3, 3), G, 0.1)).Message, StringComparison.Ordinal);
        Assert.Contains("3, 4, or 5", Assert.Throws<ArgumentException>(() => Init.Dirac(new FloatTensor(3, 3))).Message, StringComparison.Ordinal);
        Assert.Contains("divisible", Assert.Throws<ArgumentException>(() => Init.Dirac(new FloatTensor(5, 3, 3), 2)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Init.Orthogonal(new FloatTensor(4), G));
        Assert.Throws<ArgumentException>(() => Init.Identity(new FloatTensor(4)));
    }

    [Fact]
    public void Bad_parameters_are_refused_before_anything_is_drawn()
    {
        var g = new Generator(1UL);
        var before = g.GetState();
        var t = new FloatTensor(4, 4);
        Assert.Contains("std", Assert.Throws<ArgumentOutOfRangeException>(() => Init.Normal(t, g, 0, -1)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Init.Normal(t, g, double.NaN, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Init.TruncNormal(t, g, 0, 0));
        Assert.Throws<ArgumentException>(() => Init.TruncNormal(t, g, 0, 1, 2, -2));
        Assert.Throws<ArgumentException>(() => Init.Uniform(t, g, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Init.Uniform(t, g, 0, double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => Init.Sparse(t, g, 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Init.Sparse(t, g, -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Init.Sparse(t, g, 0.5, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Init.KaimingUniform(t, g, FanMode.FanAvg));
        Assert.Throws<ArgumentOutOfRangeException>(() => Init.XavierNormal(t, g, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => Init.VarianceScaling(t, g, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Init.Dirac(new FloatTensor(2, 2, 2), 0));
        Assert.Equal(before, g.GetState());
    }

    [Fact]
    public void Kaiming_on_an_empty_tensor_is_a_no_op_as_in_pytorch()
    {
        var g = new Generator(1UL);
        var before = g.GetState();
        Init.KaimingUniform(new FloatTensor(0, 5), g);
        Init.KaimingNormal(new FloatTensor(3, 0), g);
        Assert.Equal(before, g.GetState());
    }

    [Fact]
    public void Orthogonal_rows_or_columns_are_orthonormal_times_gain()
    {
        foreach (var (r, c) in new[] { (40, 40), (50, 20), (20, 50), (1, 7), (7, 1) })
        {
            var t = Init.Orthogonal(new FloatTensor(r, c), new Generator(5UL), gain: 2.0);
            var a = t.ToArray();
            var k = Math.Min(r, c);
            for (var i = 0; i < k; i++)
            {
                for (var j = 0; j < k; j++)
                {
                    // Gram matrix of the shorter side: (Q Qᵀ or Qᵀ Q) = gain²·I.
                    double dot = 0;
                    for (var m = 0; m < Math.Max(r, c); m++)
                    {
                        dot += r >= c ? a[(m * c) + i] * (double)a[(m * c) + j] : a[(i * c) + m] * (double)a[(j * c) + m];
                    }

                    Assert.Equal(i == j ? 4.0 : 0.0, dot, 4);
                }
            }
        }
    }

    [Fact]
    public void Sparse_zeroes_exactly_the_requested_number_per_column()
    {
        var t = Init.Sparse(new FloatTensor(20, 9), new Generator(3UL), 0.3);
        for (var c = 0; c < 9; c++)
        {
            var zeros = Enumerable.Range(0, 20).Count(r => t[r, c] == 0f);
            Assert.Equal(6, zeros); // ceil(0.3·20)
        }
    }

    [Fact]
    public void Variance_scaling_matches_its_formula()
    {
        var g = new Generator(9UL);
        var (rows, cols) = (400L, 250L); // fan_in 250, fan_out 400
        var t = Init.VarianceScaling(new FloatTensor(rows, cols), g, 2.0, FanMode.FanAvg, VarianceScalingDistribution.Uniform);
        var limit = Math.Sqrt(3 * 2.0 / 325);
        var s = t.Statistics();
        Assert.True(s.Min >= -limit && s.Max <= limit);
        AssertClose(Math.Sqrt(2.0 / 325), s.Std);

        t = Init.LecunNormal(new FloatTensor(rows, cols), g);
        var sigma = Math.Sqrt(1.0 / 250) / 0.87962566103423978;
        s = t.Statistics();
        Assert.True(s.Min >= -2 * sigma - 1e-7 && s.Max <= 2 * sigma + 1e-7);
        AssertClose(Math.Sqrt(1.0 / 250), s.Std); // the truncation constant restores the target std

        t = Init.VarianceScaling(new FloatTensor(rows, cols), g, 1.0, FanMode.FanOut, VarianceScalingDistribution.UntruncatedNormal);
        AssertClose(Math.Sqrt(1.0 / 400), t.Statistics().Std);

        t = Init.LecunUniform(new FloatTensor(rows, cols), g);
        Assert.True(t.Statistics().Max <= Math.Sqrt(3.0 / 250));
    }

    /// <summary>100,000 samples: the standard error of a sample std is about σ/√(2n) = 0.22% of σ; allow 1.5% (7 s.e.).</summary>
    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(actual - expected) <= 0.015 * expected, $"std {actual} is not within 1.5% of {expected}");

    [Fact]
    public void Identity_is_gain_times_eye_and_constant_fills()
    {
        var t = Init.Identity(new FloatTensor(3, 4), 2.5);
        Assert.Equal([2.5f, 0, 0, 0, 0, 2.5f, 0, 0, 0, 0, 2.5f, 0], t.ToArray());
        Assert.All(Init.Constant(new FloatTensor(5), 0.3f).ToArray(), v => Assert.Equal(0.3f, v));
        Assert.All(Init.Ones(new FloatTensor(2, 2)).ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void A_parallel_source_fills_every_scheme_with_the_same_distributions()
    {
        // Any IRandomSource works; only Generator promises PyTorch's bits.
        var p = new PhiloxGenerator(3UL);
        var t = Init.XavierUniform(new FloatTensor(300, 200), p);
        var bound = Math.Sqrt(6.0 / 500);
        var s = t.Statistics();
        Assert.True(s.Min >= -bound && s.Max <= bound);
        AssertClose(bound / Math.Sqrt(3), s.Std);
        Assert.Equal(0.02, Init.TruncNormal(new FloatTensor(300, 200), p, 0, 0.02, -0.04, 0.04).Statistics().Std, 2);
        Init.Orthogonal(new FloatTensor(30, 20), p);
        Init.Sparse(new FloatTensor(30, 20), p, 0.5);
    }
}
