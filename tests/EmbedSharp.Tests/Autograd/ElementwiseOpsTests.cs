using EmbedSharp.Autograd;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Autograd;

public sealed class ElementwiseOpsTests
{
    // Smooth nonlinear functions on inputs of size ~1 with step 1e-2: the central difference's truncation error is
    // h²·f'''/6 ≈ 2e-5·|f'''|, plus float rounding of the forward (≈ 1e-7 / 2e-2 per term); 2e-3·max(1, |numeric|)
    // covers both and still catches a wrong derivative.
    private const double Smooth = 2e-3;

    [Fact]
    public void Pow_gradients_match_finite_differences_for_tensor_and_scalar_exponents()
    {
        var g = new Generator(31);
        FiniteDifference.Check(v => Ops.Pow(v[0], v[1]), [FiniteDifference.Random(g, 0.5, 2.0, 3, 4), FiniteDifference.Random(g, -1.5, 1.5, 4)], tolerance: Smooth);
        foreach (var e in new[] { 3f, 2f, 2.5f, -1.5f, 0.5f, -0.5f, -1f, -2f, 1f, 0f })
        {
            FiniteDifference.Check(v => Ops.Pow(v[0], e), [FiniteDifference.Random(g, 0.5, 2.0, 2, 3)], tolerance: Smooth);
        }

        var x = new Variable(FloatTensor.FromArray([1.5f, -2f, 0.25f], 3));
        Assert.Equal(new[] { 1.5f * 1.5f, 4f, 0.0625f }, Ops.Pow(x, 2f).Data.ToArray());
        Assert.Equal(new[] { 1f, 1f, 1f }, Ops.Pow(x, 0f).Data.ToArray());
        Assert.Equal(MathF.Sqrt(0.25f), Ops.Pow(x, 0.5f).Data[2]);
    }

    [Fact]
    public void Gelu_silu_sin_and_cos_gradients_match_finite_differences()
    {
        var g = new Generator(32);
        FiniteDifference.Check(v => Ops.Gelu(v[0]), [FiniteDifference.Random(g, -3.0, 3.0, 4, 5)], tolerance: Smooth);
        FiniteDifference.Check(v => Ops.Gelu(v[0], GeluApproximation.Tanh), [FiniteDifference.Random(g, -3.0, 3.0, 4, 5)], tolerance: Smooth);
        FiniteDifference.Check(v => Ops.Silu(v[0]), [FiniteDifference.Random(g, -4.0, 4.0, 4, 5)], tolerance: Smooth);
        FiniteDifference.Check(v => Ops.Sin(v[0]), [FiniteDifference.Random(g, -3.0, 3.0, 3, 4)], tolerance: Smooth);
        FiniteDifference.Check(v => Ops.Cos(v[0]), [FiniteDifference.Random(g, -3.0, 3.0, 3, 4)], tolerance: Smooth);
        Assert.Equal("GeluBackward0", Ops.Gelu(FiniteDifference.Random(g, 2)).GradFn!.Name);
    }

    /// <summary>torch's AVX2 erf (Abramowitz–Stegun 7.1.26) stays within its published 1.5e-7 of the true erf (computed
    /// in double from the series 2/√π·Σ (−1)ⁿ x^(2n+1) / (n!(2n+1)) on [−3, 3]) plus float rounding: 1 − e·t·r cancels
    /// terms near 0.7 whose rounding (ulp 6e-8) adds up to about 4 ulps, so the bound is 1.5e-7 + 2.5e-7.</summary>
    [Fact]
    public void Torch_erf_is_within_the_polynomial_error_of_erf()
    {
        for (var x = -3.0; x <= 3.0; x += 0.01)
        {
            double term = x, sum = x;
            for (var n = 1; n < 80; n++)
            {
                term *= -x * x / n;
                sum += term / ((2 * n) + 1);
            }

            var exact = sum * 1.1283791670955126;
            Assert.True(Math.Abs(Ops.TorchErf((float)x) - exact) <= 1.5e-7 + 2.5e-7, $"erf({x}) = {Ops.TorchErf((float)x)}, exact {exact}");
        }
    }

    [Fact]
    public void Scalar_arithmetic_and_operators_record_the_named_ops_and_their_gradients()
    {
        var g = new Generator(33);
        FiniteDifference.Check(v => (2f * v[0]) + 1.5f - (v[0] / 4f) - (3f - v[0]), [FiniteDifference.Random(g, 3, 2)], tolerance: Smooth);
        FiniteDifference.Check(v => 3f / v[0], [FiniteDifference.Random(g, 1.0, 2.0, 3, 2)], tolerance: Smooth);
        FiniteDifference.Check(v => (-v[0] * v[1]) + (v[0] / v[1]) - v[1], [FiniteDifference.Random(g, 1.0, 2.0, 3, 2), FiniteDifference.Random(g, 1.0, 2.0, 2)], tolerance: Smooth);
        var x = new Variable(FloatTensor.FromArray([1f, 2f], 2), requiresGrad: true);
        Assert.Equal(new[] { 3.5f, 4.5f }, (x + 2.5f).Data.ToArray());
        Assert.Equal(new[] { -1.5f, -0.5f }, (x - 2.5f).Data.ToArray());
        Assert.Equal(new[] { 1.5f, 0.5f }, (2.5f - x).Data.ToArray());
        Assert.Equal(new[] { 2f, 4f }, (x * 2f).Data.ToArray());
        Assert.Equal(new[] { 0.5f, 1f }, (x / 2f).Data.ToArray());
        Assert.Equal(new[] { 2f, 1f }, (2f / x).Data.ToArray());
        Assert.Equal("RsubBackward1", (2.5f - x).GradFn!.Name);
        Assert.Equal("SubBackward0", (x - 2.5f).GradFn!.Name);
        Assert.Equal("AddBackward0", (2.5f + x).GradFn!.Name);
        Assert.Equal("NegBackward0", (-x).GradFn!.Name);
    }

    [Fact]
    public void Misuse_names_the_op_and_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Ops.Pow(new Variable(new FloatTensor(2, 3)), new Variable(new FloatTensor(2))));
        Assert.Equal("pow: shapes (2, 3) and (2,) do not broadcast (dimension 1: 3 vs 2).", e.Message);
        Assert.Throws<ArgumentNullException>(() => Ops.Gelu(null!));
    }
}
