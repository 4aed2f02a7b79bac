using System.Runtime.Intrinsics;
using EmbedSharp.Autograd;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Autograd;

/// <summary>
/// GELU runs eight lanes at a time. A value's result must not depend on where it sits (a full vector or the padded
/// tail), must be torch's erf formula with the vector exponential (checked against a scalar rebuild of it), and must
/// stay within the GELU parity tolerance (2e-7 absolute + 1e-6 relative) of the scalar libm form it replaced. The tanh
/// form keeps libm's tanh, so its bits are those of the scalar form.
/// </summary>
public sealed class GeluVectorTests
{
    private static readonly float[] Specials = [0f, -0f, 1e-30f, -1e-30f, 0.5f, -0.5f, 3f, -3f, 20f, -20f, 1e4f, -1e4f, float.PositiveInfinity, float.NegativeInfinity, float.NaN];

    [Theory]
    [InlineData(GeluApproximation.None)]
    [InlineData(GeluApproximation.Tanh)]
    public void A_value_gives_the_same_bits_in_every_position_and_tail(GeluApproximation approximate)
    {
        var values = Grid(-6, 6, 97);
        var (y0, g0) = Run(values, approximate);
        for (var shift = 1; shift < 9; shift++)
        {
            for (var length = 1; length <= 19; length += 3)
            {
                var input = new float[shift + length];
                for (var i = 0; i < input.Length; i++)
                {
                    input[i] = values[(i * 7) % values.Length];
                }

                var (y, g) = Run(input, approximate);
                for (var i = 0; i < input.Length; i++)
                {
                    var k = (i * 7) % values.Length;
                    Assert.Equal(BitConverter.SingleToInt32Bits(y0[k]), BitConverter.SingleToInt32Bits(y[i]));
                    Assert.Equal(BitConverter.SingleToInt32Bits(g0[k]), BitConverter.SingleToInt32Bits(g[i]));
                }
            }
        }
    }

    [Fact]
    public void Exact_gelu_is_torchs_erf_formula_with_the_vector_exponential()
    {
        var values = Grid(-8, 8, 4001).Concat(Specials).ToArray();
        var (y, g) = Run(values, GeluApproximation.None);
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            var (wantY, wantG) = ScalarGelu(v, a => Vector256.Exp(Vector256.Create(a)).ToScalar());
            SameBitsOrBothNaN(wantY, y[i], v);
            SameBitsOrBothNaN(wantG, g[i], v);
        }
    }

    [Theory]
    [InlineData(GeluApproximation.None)]
    [InlineData(GeluApproximation.Tanh)]
    public void The_vector_form_stays_within_the_parity_tolerance_of_the_scalar_libm_form(GeluApproximation approximate)
    {
        var values = Grid(-10, 10, 20001).Concat(Specials).ToArray();
        var (y, g) = Run(values, approximate);
        for (var i = 0; i < values.Length; i++)
        {
            var (wantY, wantG) = approximate == GeluApproximation.None ? ScalarGelu(values[i], MathF.Exp) : ScalarGeluTanh(values[i]);
            if (approximate == GeluApproximation.Tanh)
            {
                // the tanh form keeps libm's tanh and the scalar operations: the same bits
                Assert.Equal(BitConverter.SingleToInt32Bits(wantY), BitConverter.SingleToInt32Bits(y[i]));
                Assert.Equal(BitConverter.SingleToInt32Bits(wantG), BitConverter.SingleToInt32Bits(g[i]));
                continue;
            }

            Close(wantY, y[i], $"gelu({values[i]:R})");
            Close(wantG, g[i], $"gelu'({values[i]:R})");
        }
    }

    /// <summary>The forward and the gradient for an upstream gradient of ones.</summary>
    private static (float[] Y, float[] G) Run(float[] values, GeluApproximation approximate)
    {
        var x = new Variable(FloatTensor.FromArray([.. values], values.Length), requiresGrad: true);
        var y = Ops.Gelu(x, approximate);
        var ones = new FloatTensor(values.Length);
        ones.Fill(1f);
        y.Backward(ones);
        return (y.Data.ToArray(), x.Grad!.ToArray());
    }

    /// <summary>torch's AVX2 GELU for one value, written out scalar: A&amp;S 7.1.26 with its fused multiply-adds, around
    /// <paramref name="exp"/>.</summary>
    private static (float Y, float G) ScalarGelu(float v, Func<float, float> exp)
    {
        float Erf(float x)
        {
            var t = 1f / MathF.FusedMultiplyAdd(0.3275911f, MathF.Abs(x), 1f);
            var r = MathF.FusedMultiplyAdd(1.061405429f, t, -1.453152027f);
            r = MathF.FusedMultiplyAdd(r, t, 1.421413741f);
            r = MathF.FusedMultiplyAdd(r, t, -0.284496736f);
            r = MathF.FusedMultiplyAdd(r, t, 0.254829592f);
            var result = MathF.FusedMultiplyAdd(-exp(-(x * x)) * t, r, 1f);
            return float.IsNegative(x) ? -result : result;
        }

        var alpha = (float)0.70710678118654752440;
        var beta = (float)(1.12837916709551257390 * 0.70710678118654752440 * 0.5);
        var erf = Erf(v * alpha);
        var cdf = 0.5f * (1f + erf);
        var pdf = beta * exp(v * v * -0.5f);
        return (v * 0.5f * (1f + erf), 1f * (cdf + (v * pdf)));
    }

    private static (float Y, float G) ScalarGeluTanh(float v)
    {
        var beta = (float)(1.41421356237309504880 * 1.12837916709551257390 * 0.5);
        var kappa = 0.044715f;
        var x2 = v * v;
        var t = MathF.Tanh(beta * (v + (kappa * (x2 * v))));
        var left = 0.5f * v;
        var derivative = (0.5f * (1f + t)) + (left * (1f - (t * t)) * (beta * (1f + (3f * kappa * x2))));
        return (0.5f * v * (1f + t), derivative);
    }

    /// <summary>Equal bits, except that any NaN matches any NaN: the sign of a NaN depends on which operand the CPU
    /// propagates (x86 keeps the first NaN operand's, and an invalid operation makes a negative one), so it changes with
    /// the instructions the JIT picks for a CPU (a Zen 5 with AVX-512 gave +NaN where the scalar form gives −NaN);
    /// PyTorch does not define it either.</summary>
    private static void SameBitsOrBothNaN(float want, float got, float input)
    {
        if (float.IsNaN(want) && float.IsNaN(got))
        {
            return;
        }

        Assert.True(BitConverter.SingleToInt32Bits(want) == BitConverter.SingleToInt32Bits(got), $"input {input:R}: {got:R}, scalar {want:R}");
    }

    private static void Close(float want, float got, string what)
    {
        if (float.IsNaN(want) || float.IsInfinity(want))
        {
            Assert.True(want.Equals(got), $"{what}: {got:R}, scalar {want:R}");
            return;
        }

        Assert.True(Math.Abs(got - want) <= 2e-7 + (1e-6 * Math.Abs(want)), $"{what}: {got:R}, scalar {want:R}");
    }

    private static float[] Grid(double from, double to, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)(from + ((to - from) * i / (count - 1)));
        }

        return values;
    }
}
