using System.Buffers.Binary;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Randomness;

public class SpecialFunctionsTests
{
    // Keep in step with tools/goldens/make_erfinv.py (ERF_BOUNDARIES, ERF_SPECIALS, erf_inputs).
    private static readonly uint[] ErfBoundaries =
        [0x04000000, 0x31800000, 0x3F580000, 0x3FA00000, 0x4036DB6E, 0x40C00000, 0x7F800000];

    private static readonly uint[] ErfSpecials =
    [
        0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007FFFFF, 0x807FFFFF, 0x00800000,
        0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7FC12345, 0x7F7FFFFF, 0xFF7FFFFF,
    ];

    private static (uint[] Inputs, uint[] Outputs) ReadPairs(string name)
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "erfinv", name));
        Assert.True(bytes.Length % 8 == 0, $"{name}: length {bytes.Length} is not a multiple of 8");
        var n = bytes.Length / 8;
        var inputs = new uint[n];
        var outputs = new uint[n];
        for (var i = 0; i < n; i++)
        {
            inputs[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8 * i));
            outputs[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((8 * i) + 4));
        }

        return (inputs, outputs);
    }

    /// <summary>The generated sweep the erff fixture was made from (see make_erfinv.py, erf_inputs).</summary>
    private static uint[] ErfSweepInputs()
    {
        var bits = new List<uint>(200_000);
        bits.AddRange(ErfSpecials);
        foreach (var b in ErfBoundaries)
        {
            for (var d = -64; d < 64; d++)
            {
                bits.Add((uint)(b + d));
                bits.Add((uint)(b + d) | 0x80000000u);
            }
        }

        const int nBits = 60000;
        const ulong top = 0x40F00000; // 7.5
        for (ulong k = 0; k < nBits; k++)
        {
            var v = (uint)(k * top / nBits);
            bits.Add(v);
            bits.Add(v | 0x80000000u);
        }

        var m = 200_000 - bits.Count;
        for (var k = 0; k < m; k++)
        {
            var x = (float)(-7.0 + (14.0 * k / (m - 1)));
            bits.Add(BitConverter.SingleToUInt32Bits(x));
        }

        return [.. bits];
    }

    private delegate float Scalar(float x);

    /// <summary>Compares bit patterns; any NaN matches any NaN only when <paramref name="nanBitsExact"/> is off.</summary>
    private static void AssertBitExact(string what, uint[] inputs, uint[] expected, uint[] actual, bool nanBitsExact)
    {
        var mismatches = 0;
        var maxUlp = 0L;
        var first = "";
        for (var i = 0; i < inputs.Length; i++)
        {
            if (expected[i] == actual[i])
            {
                continue;
            }

            var e = BitConverter.UInt32BitsToSingle(expected[i]);
            var a = BitConverter.UInt32BitsToSingle(actual[i]);
            if (!nanBitsExact && float.IsNaN(e) && float.IsNaN(a))
            {
                continue;
            }

            if (mismatches == 0)
            {
                first = $"index {i}: input {BitConverter.UInt32BitsToSingle(inputs[i]):R} (0x{inputs[i]:x8}) "
                    + $"expected {e:R} (0x{expected[i]:x8}) got {a:R} (0x{actual[i]:x8})";
            }

            mismatches++;
            maxUlp = Math.Max(maxUlp, Math.Abs(OrderedBits(expected[i]) - OrderedBits(actual[i])));
        }

        Assert.True(
            mismatches == 0,
            $"{what}: {mismatches}/{inputs.Length} mismatches, max {maxUlp} ulp; first at {first}");
    }

    /// <summary>Maps float bits to a line where adjacent floats differ by 1 (so ulp distance is a subtraction).</summary>
    private static long OrderedBits(uint bits) => (bits & 0x80000000u) != 0 ? -(long)(bits & 0x7fffffffu) : bits;

    private static uint[] Apply(Scalar f, uint[] inputs)
    {
        var outputs = new uint[inputs.Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            outputs[i] = BitConverter.SingleToUInt32Bits(f(BitConverter.UInt32BitsToSingle(inputs[i])));
        }

        return outputs;
    }

    [Fact]
    public void Erf_fixture_inputs_are_the_generated_sweep()
    {
        var (inputs, _) = ReadPairs("erff.bin");
        var sweep = ErfSweepInputs();
        Assert.Equal(sweep.Length, inputs.Length);
        for (var i = 0; i < sweep.Length; i++)
        {
            Assert.True(sweep[i] == inputs[i], $"sweep input {i}: generated 0x{sweep[i]:x8}, fixture 0x{inputs[i]:x8}");
        }
    }

    [Fact]
    public void Erf_matches_glibc_erff_bit_for_bit_on_the_generated_sweep()
    {
        var (_, expected) = ReadPairs("erff.bin");
        var sweep = ErfSweepInputs();
        AssertBitExact("Erf vs glibc 2.36 erff", sweep, expected, Apply(SpecialFunctions.Erf, sweep), nanBitsExact: true);
    }

    [Theory]
    [InlineData(0f, 0f)]
    [InlineData(float.PositiveInfinity, 1f)]
    [InlineData(float.NegativeInfinity, -1f)]
    [InlineData(6f, 1f)]
    [InlineData(-100f, -1f)]
    public void Erf_has_exact_values_at_zero_infinity_and_beyond_six(float x, float expected) =>
        Assert.Equal(expected, SpecialFunctions.Erf(x));

    [Fact]
    public void Erf_keeps_the_sign_of_zero_and_propagates_nan()
    {
        Assert.True(float.IsNegative(SpecialFunctions.Erf(-0f)));
        Assert.Equal(0f, SpecialFunctions.Erf(-0f));
        Assert.True(float.IsNaN(SpecialFunctions.Erf(float.NaN)));
    }

    [Fact]
    public void Erf_is_odd()
    {
        for (var x = -7f; x <= 7f; x += 0.001953125f)
        {
            Assert.Equal(-SpecialFunctions.Erf(x), SpecialFunctions.Erf(-x));
        }
    }

    [Fact]
    public void Erfinv_matches_torch_erfinv_bit_for_bit()
    {
        var (inputs, expected) = ReadPairs("erfinv.bin");
        AssertBitExact("Erfinv vs torch.erfinv", inputs, expected, Apply(SpecialFunctions.Erfinv, inputs), nanBitsExact: true);
    }

    [Fact]
    public void Erfinv_span_matches_the_scalar_form_and_torch_in_place()
    {
        var (inputs, expected) = ReadPairs("erfinv.bin");
        var data = new float[inputs.Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            data[i] = BitConverter.UInt32BitsToSingle(inputs[i]);
        }

        SpecialFunctions.Erfinv(data, data);
        var actual = Array.ConvertAll(data, BitConverter.SingleToUInt32Bits);
        AssertBitExact("Erfinv(span) in place vs torch.erfinv", inputs, expected, actual, nanBitsExact: true);
    }

    [Fact]
    public void Erfinv_span_handles_every_length_up_to_257()
    {
        var source = new float[257];
        for (var i = 0; i < source.Length; i++)
        {
            source[i] = (i * 0.0078125f) - 1f; // -1 .. 1.0
        }

        for (var n = 0; n <= source.Length; n++)
        {
            var destination = new float[n + 1];
            destination[n] = 42f;
            SpecialFunctions.Erfinv(source.AsSpan(0, n), destination);
            for (var i = 0; i < n; i++)
            {
                Assert.Equal(
                    BitConverter.SingleToUInt32Bits(SpecialFunctions.Erfinv(source[i])),
                    BitConverter.SingleToUInt32Bits(destination[i]));
            }

            Assert.Equal(42f, destination[n]);
        }
    }

    [Fact]
    public void Erfinv_span_allocates_nothing()
    {
        var data = new float[4096];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (i / 2048f) - 0.9999f;
        }

        SpecialFunctions.Erfinv(data, data); // JIT warm-up
        var before = GC.GetAllocatedBytesForCurrentThread();
        SpecialFunctions.Erfinv(data, data);
        var after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);
    }

    [Fact]
    public void Erfinv_span_rejects_a_short_destination_and_shifted_overlap()
    {
        var buffer = new float[16];
        Assert.Throws<ArgumentException>(() => SpecialFunctions.Erfinv(new float[4], new float[3]));
        Assert.Throws<ArgumentException>(() => SpecialFunctions.Erfinv(buffer.AsSpan(0, 8), buffer.AsSpan(1, 8)));
    }

    [Fact]
    public void Erfinv_edge_values_follow_torch()
    {
        Assert.Equal(float.PositiveInfinity, SpecialFunctions.Erfinv(1f));
        Assert.Equal(float.NegativeInfinity, SpecialFunctions.Erfinv(-1f));
        Assert.True(float.IsNaN(SpecialFunctions.Erfinv(1.0000001f)));
        Assert.True(float.IsNaN(SpecialFunctions.Erfinv(-2f)));
        Assert.True(float.IsNaN(SpecialFunctions.Erfinv(float.NaN)));
        Assert.True(float.IsNegative(SpecialFunctions.Erfinv(-0f)));
        Assert.Equal(0f, SpecialFunctions.Erfinv(0f));
    }

    [Fact]
    public void Erfinv_inverts_erf_to_within_a_few_ulps()
    {
        for (var y = -0.999f; y < 1f; y += 0.0009765625f)
        {
            var x = SpecialFunctions.Erfinv(y);
            Assert.True(MathF.Abs(SpecialFunctions.Erf(x) - y) <= 4e-7f, $"erf(erfinv({y:R})) = {SpecialFunctions.Erf(x):R}");
        }
    }

    [Fact]
    public void Newton_factor_is_float_two_over_float_sqrt_pi()
    {
        Assert.Equal(SpecialFunctions.TwoOverSqrtPi, 2f / (float)Math.Sqrt(Math.PI));
        Assert.Equal(0x3f906ebau, BitConverter.SingleToUInt32Bits(SpecialFunctions.TwoOverSqrtPi));
    }
}
