using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Randomness;

/// <summary>
/// The span form of <see cref="ErfinvMkl"/> (vector double kernel and midpoint gate, ErfinvMkl.Vector.cs) against its
/// scalar form (the Halley step and the table, the definition checked against libtorch 2.10), bit for bit. The proof
/// over every float is the bench mode <c>erfinv-mkl-exhaustive</c>; these tests sample it.
/// </summary>
public class ErfinvMklVectorTests
{
    /// <summary>Both kernels: the 256-bit one, and the 512-bit one where the CPU has AVX-512F (elsewhere the second pass
    /// runs the 256-bit kernel again).</summary>
    private static void AssertSpanEqualsScalar(float[] input)
    {
        var output = new float[input.Length];
        foreach (var wide in new[] { false, true })
        {
            ErfinvMkl.Erfinv(input, output, wide);
            for (var i = 0; i < input.Length; i++)
            {
                var expected = BitConverter.SingleToUInt32Bits(ErfinvMkl.Erfinv(input[i]));
                var actual = BitConverter.SingleToUInt32Bits(output[i]);
                if (expected != actual)
                {
                    Assert.Fail($"input 0x{BitConverter.SingleToUInt32Bits(input[i]):x8} at index {i} (wide: {wide}): scalar 0x{expected:x8}, span 0x{actual:x8}");
                }
            }
        }
    }

    [Fact]
    public void Span_equals_scalar_on_two_million_random_inputs_of_both_signs()
    {
        var g = new Generator(18);
        var input = new float[2_000_000];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = BitConverter.UInt32BitsToSingle((g.Random() % 0x3F800001u) | (g.Random() & 0x80000000u));
        }

        AssertSpanEqualsScalar(input);
    }

    [Fact]
    public void Span_equals_scalar_on_trunc_normal_like_inputs()
    {
        // uniform_(2l - 1, 2u - 1) for a = -2, b = 2 draws from (-0.9545, 0.9545): the inputs that matter most
        var g = new Generator(7);
        var input = new float[1_000_000];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (float)((((g.Random() >> 8) / 16777216.0) * 1.909) - 0.9545);
        }

        AssertSpanEqualsScalar(input);
    }

    [Fact]
    public void Span_equals_scalar_where_the_table_flips_and_around_those_inputs()
    {
        // The inputs where MKL is not the rounded erfinv lie within 0.00192 spacings of a rounding midpoint (below the 0.002 gate): exactly the
        // lanes the gate must catch. Each with its neighbours, both signs.
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "init", "torch2_erfinv_exceptions.u32"));
        var listed = new uint[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, listed, 0, bytes.Length);
        var input = new List<float>();
        foreach (var bits in listed)
        {
            for (var d = -2; d <= 2; d++)
            {
                var b = (uint)(bits + d);
                input.Add(BitConverter.UInt32BitsToSingle(b));
                input.Add(BitConverter.UInt32BitsToSingle(b | 0x80000000u));
            }
        }

        AssertSpanEqualsScalar([.. input]);
    }

    [Fact]
    public void Span_equals_scalar_on_edges_and_special_values()
    {
        var bits = new List<uint>
        {
            0x00000000, 0x00000001, 0x00000002, 0x007fffff, 0x00800000, 0x00800001, 0x01000000, 0x00ffffff, 0x01000001, // 2^-125 and neighbours
            0x3f7fffff, 0x3f7ffffe, 0x3f800000, 0x3f800001, 0x40000000, 0x7f7fffff, 0x7f800000,
            0x7fc00000, 0x7f800001, 0x7fc12345, 0x7fffffff,
            BitConverter.SingleToUInt32Bits(0.5f), BitConverter.SingleToUInt32Bits(0.9545f),
        };

        // the split between the polynomials, w = 3.25 at a = sqrt(1 - e^-3.25) = 0.98049...
        var split = BitConverter.SingleToUInt32Bits((float)Math.Sqrt(1.0 - Math.Exp(-3.25)));
        for (var d = -64; d <= 64; d++)
        {
            bits.Add((uint)(split + d));
        }

        var count = bits.Count;
        for (var i = 0; i < count; i++)
        {
            bits.Add(bits[i] ^ 0x80000000u);
        }

        AssertSpanEqualsScalar([.. bits.Select(BitConverter.UInt32BitsToSingle)]);
    }

    [Fact]
    public void Span_handles_every_length_in_place_and_rejects_bad_spans()
    {
        var g = new Generator(3);
        for (var n = 0; n <= 19; n++)
        {
            var input = new float[n];
            for (var i = 0; i < n; i++)
            {
                input[i] = BitConverter.UInt32BitsToSingle(g.Random() % 0x3F800001u);
            }

            var expected = input.Select(ErfinvMkl.Erfinv).ToArray();
            var copy = (float[])input.Clone();
            ErfinvMkl.Erfinv(copy, copy);
            Assert.Equal(expected, copy);
        }

        Assert.Throws<ArgumentException>(() => ErfinvMkl.Erfinv(new float[8], new float[7]));
        var shared = new float[16];
        Assert.Throws<ArgumentException>(() => ErfinvMkl.Erfinv(shared.AsSpan(0, 8), shared.AsSpan(1, 8)));
    }

    [Fact]
    public void Span_allocates_nothing()
    {
        var input = new float[4096];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (i / 4096f) - 0.5f;
        }

        var output = new float[input.Length];
        ErfinvMkl.Erfinv(input, output); // the table loads once
        var before = GC.GetAllocatedBytesForCurrentThread();
        ErfinvMkl.Erfinv(input, output);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
