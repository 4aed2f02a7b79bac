using System.Runtime.Intrinsics.X86;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Randomness;

public class PhiloxGeneratorTests
{
    // Random123 kat_vectors, "philox4x32 10" lines: counter (4 words), key (2 words), expected output (4 words).
    public static TheoryData<uint[], uint[], uint[]> KnownAnswers => new()
    {
        { [0u, 0u, 0u, 0u], [0u, 0u], [0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u] },
        {
            [0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu], [0xffffffffu, 0xffffffffu],
            [0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu]
        },
        {
            [0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u], [0xa4093822u, 0x299f31d0u],
            [0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u]
        },
    };

    private static readonly ulong[] Starts =
    [
        0, 1, 2, 3, 5, 30, 33,
        (4UL * (uint.MaxValue - 3)) + 1, // the low counter word wraps inside a group: carry into word 1
        ulong.MaxValue - 40,             // the position wraps modulo 2^64 inside the fill
    ];

    [Theory]
    [MemberData(nameof(KnownAnswers))]
    public void Reference_block_matches_the_Random123_known_answers(uint[] counter, uint[] key, uint[] expected)
    {
        Assert.Equal(expected, ReferenceBlock(counter, key[0], key[1]));
    }

    [Theory]
    [MemberData(nameof(KnownAnswers))]
    public void Vector_block_matches_the_Random123_known_answers_on_both_paths(uint[] counter, uint[] key, uint[] expected)
    {
        var output = new uint[4];
        PhiloxGenerator.Block(counter, key[0], key[1], output, useAvx2: false);
        Assert.Equal(expected, output);
        if (Avx2.IsSupported)
        {
            Array.Clear(output);
            PhiloxGenerator.Block(counter, key[0], key[1], output, useAvx2: true);
            Assert.Equal(expected, output);
        }
    }

    [Fact]
    public void Raw_words_follow_the_documented_stream_layout_on_both_paths()
    {
        const ulong seed = 0x0123456789ABCDEFUL;
        foreach (var useAvx2 in Paths())
        {
            foreach (var start in Starts)
            {
                var gen = new PhiloxGenerator(seed, start) { UseAvx2 = useAvx2 };
                var words = new uint[77];
                gen.Random(words);
                for (var i = 0; i < words.Length; i++)
                {
                    Assert.Equal(ReferenceWord(seed, unchecked(start + (ulong)i)), words[i]);
                }

                Assert.Equal(unchecked(start + 77UL), gen.Offset);
            }
        }
    }

    [Fact]
    public void Uniform_matches_a_scalar_reference_bit_for_bit_for_lengths_0_to_40_and_every_alignment()
    {
        const ulong seed = 42;
        foreach (var useAvx2 in Paths())
        {
            foreach (var start in Starts)
            {
                for (var n = 0; n <= 40; n++)
                {
                    var gen = new PhiloxGenerator(seed, start) { UseAvx2 = useAvx2 };
                    var values = new float[n + 2];
                    values[^1] = values[^2] = -7f;
                    gen.Uniform(values.AsSpan(0, n), -0.25f, 0.75f);
                    for (var i = 0; i < n; i++)
                    {
                        var w = ReferenceWord(seed, unchecked(start + (ulong)i));
                        var expected = MathF.FusedMultiplyAdd((w >> 8) * (1f / (1 << 24)), 1f, -0.25f);
                        Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(values[i]));
                    }

                    Assert.Equal(-7f, values[^1]); // nothing written past the span
                    Assert.Equal(-7f, values[^2]);
                    Assert.Equal(unchecked(start + (ulong)n), gen.Offset);
                }
            }
        }
    }

    [Fact]
    public void Normal_follows_the_documented_Box_Muller_pairing_for_lengths_0_to_40()
    {
        // The library uses float Cephes polynomials; the reference uses double Math.Log/Sin/Cos, so compare
        // with a tolerance far below the spacing of distinct Box-Muller outputs but far above float rounding.
        const ulong seed = 7;
        foreach (var start in Starts)
        {
            for (var n = 0; n <= 40; n++)
            {
                var gen = new PhiloxGenerator(seed, start);
                var values = new float[n];
                gen.Normal(values, 1.5f, 2f);
                for (var i = 0; i < n; i++)
                {
                    var expected = 1.5 + (2.0 * ReferenceStandardNormal(seed, unchecked(start + (ulong)i)));
                    Assert.True(Math.Abs(values[i] - expected) < 2e-5 * (1 + Math.Abs(expected)),
                        $"start {start}, n {n}, i {i}: got {values[i]}, reference {expected}");
                }
            }
        }
    }

    [Fact]
    public void Avx2_and_portable_paths_give_identical_bits_for_every_distribution()
    {
        if (!Avx2.IsSupported)
        {
            return; // the default already is the portable path
        }

        foreach (var start in Starts)
        {
            for (var n = 0; n <= 300; n += 13)
            {
                var fast = new PhiloxGenerator(99, start) { UseAvx2 = true };
                var portable = new PhiloxGenerator(99, start) { UseAvx2 = false };
                float[] a = new float[n], b = new float[n];
                fast.Uniform(a, -3f, 5f);
                portable.Uniform(b, -3f, 5f);
                AssertSameBits(a, b);
                fast.Normal(a, 0.5f, 3f);
                portable.Normal(b, 0.5f, 3f);
                AssertSameBits(a, b);
                uint[] wa = new uint[n], wb = new uint[n];
                fast.Random(wa);
                portable.Random(wb);
                Assert.Equal(wa, wb);
            }
        }
    }

    [Fact]
    public void Same_seed_gives_the_same_bits_and_another_seed_does_not()
    {
        float[] a = new float[1000], b = new float[1000], c = new float[1000];
        new PhiloxGenerator(123).Normal(a);
        new PhiloxGenerator(123).Normal(b);
        new PhiloxGenerator(124).Normal(c);
        AssertSameBits(a, b);
        Assert.NotEqual(a, c);
        new PhiloxGenerator(1UL << 32).Uniform(a);
        new PhiloxGenerator(0).Uniform(b);
        Assert.NotEqual(a, b); // the high seed word is part of the key
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tensor_fills_are_identical_for_1_2_and_8_threads_and_any_chunking(bool normal)
    {
        const ulong seed = 2024;
        var shape = new long[] { 700, 300 }; // 210000 elements: 4 parallel blocks, the last partial
        var expected = new float[700 * 300];
        var spanGen = new PhiloxGenerator(seed, 5);
        if (normal)
        {
            spanGen.Normal(expected, 0f, 0.02f);
        }
        else
        {
            spanGen.Uniform(expected, -0.1f, 0.1f);
        }

        // One chunk; chunks of 48 rows (14400 elements); chunks of 288 rows (86400 = 1.3 parallel blocks).
        foreach (var maxChunk in new long[] { FloatTensor.DefaultChunkElements, 300 * 50, 300 * 300 })
        {
            foreach (var threads in new[] { 1, 2, 8, -1 })
            {
                var t = new FloatTensor(shape, maxChunk);
                var gen = new PhiloxGenerator(seed, 5) { MaxDegreeOfParallelism = threads };
                if (normal)
                {
                    gen.Normal(t, 0f, 0.02f);
                }
                else
                {
                    gen.Uniform(t, -0.1f, 0.1f);
                }

                AssertSameBits(expected, t.ToArray());
                Assert.Equal(5UL + (ulong)expected.Length, gen.Offset);
            }
        }
    }

    [Fact]
    public void Consecutive_fills_equal_one_big_fill()
    {
        var whole = new float[1000];
        new PhiloxGenerator(77, 3).Uniform(whole, -1f, 1f);

        foreach (var cut in new[] { 0, 1, 2, 3, 5, 17, 32, 33, 999, 1000 })
        {
            var parts = new float[1000];
            var gen = new PhiloxGenerator(77, 3);
            gen.Uniform(parts.AsSpan(0, cut), -1f, 1f);
            gen.Uniform(parts.AsSpan(cut), -1f, 1f);
            AssertSameBits(whole, parts);
        }

        // Tensors continue the stream too, and mix with span fills.
        var normals = new float[3 * 70000];
        new PhiloxGenerator(5).Normal(normals);
        var g = new PhiloxGenerator(5);
        var first = new FloatTensor(70000, 2);
        var second = new float[70000];
        g.Normal(first);
        g.Normal(second);
        AssertSameBits(normals.AsSpan(0, 140000), first.ToArray());
        AssertSameBits(normals.AsSpan(140000), second);
    }

    [Fact]
    public void Zero_length_fills_do_nothing()
    {
        var gen = new PhiloxGenerator(1, 10);
        gen.Uniform([]);
        gen.Normal(Span<float>.Empty);
        gen.Random(Span<uint>.Empty);
        gen.Uniform(new FloatTensor(0, 300));
        gen.Normal(new FloatTensor(0));
        Assert.Equal(10UL, gen.Offset);
    }

    [Fact]
    public void Uniform_stays_in_range_with_mean_and_variance_within_five_standard_errors()
    {
        const int n = 1_000_000;
        const float from = -2f, to = 3f;
        var values = new float[n];
        new PhiloxGenerator(31337).Uniform(values, from, to);
        Assert.All(values, v => Assert.InRange(v, from, MathF.BitDecrement(to)));

        double range = to - from, mean = 0, m2 = 0;
        foreach (var v in values)
        {
            mean += v;
        }

        mean /= n;
        foreach (var v in values)
        {
            m2 += (v - mean) * (v - mean);
        }

        var variance = m2 / n;
        // Mean: σ = range/√12, standard error σ/√n. Sample variance: standard error √((μ4 − σ⁴)/n) with
        // μ4 = range⁴/80 and σ⁴ = range⁴/144 for a uniform distribution.
        var sigma = range / Math.Sqrt(12);
        Assert.InRange(mean, 0.5 - (5 * sigma / Math.Sqrt(n)), 0.5 + (5 * sigma / Math.Sqrt(n)));
        var varianceError = Math.Sqrt(Math.Pow(range, 4) * ((1.0 / 80) - (1.0 / 144)) / n);
        Assert.InRange(variance, (sigma * sigma) - (5 * varianceError), (sigma * sigma) + (5 * varianceError));

        // Kolmogorov-Smirnov on the first 1e5 values: D < 1.95/√n is the 0.1 % critical value.
        var sample = values.AsSpan(0, 100_000).ToArray();
        Array.Sort(sample);
        var d = KolmogorovSmirnov(sample, x => (x - from) / range);
        Assert.True(d < 1.95 / Math.Sqrt(sample.Length), $"KS D = {d}");
    }

    [Fact]
    public void Normal_has_the_right_moments_and_passes_Kolmogorov_Smirnov()
    {
        const int n = 1_000_000;
        var values = new float[n];
        new PhiloxGenerator(8675309).Normal(values);
        double mean = 0, m2 = 0, m3 = 0, m4 = 0;
        foreach (var v in values)
        {
            Assert.True(float.IsFinite(v));
            Assert.True(MathF.Abs(v) <= 5.78f); // √(−2 ln 2^−24) ≈ 5.77 bounds 24-bit Box-Muller
            mean += v;
        }

        mean /= n;
        foreach (var v in values)
        {
            var d = v - mean;
            m2 += d * d;
            m3 += d * d * d;
            m4 += d * d * d * d;
        }

        m2 /= n;
        m3 /= n;
        m4 /= n;
        var std = Math.Sqrt(m2);
        var skew = m3 / (m2 * std);
        var excessKurtosis = (m4 / (m2 * m2)) - 3;
        // Standard errors for N(0, 1): mean 1/√n, std 1/√(2n), skew √(6/n), excess kurtosis √(24/n).
        Assert.InRange(mean, -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
        Assert.InRange(std, 1 - (5 / Math.Sqrt(2.0 * n)), 1 + (5 / Math.Sqrt(2.0 * n)));
        Assert.InRange(skew, -5 * Math.Sqrt(6.0 / n), 5 * Math.Sqrt(6.0 / n));
        Assert.InRange(excessKurtosis, -5 * Math.Sqrt(24.0 / n), 5 * Math.Sqrt(24.0 / n));

        var sample = values.AsSpan(0, 100_000).ToArray();
        Array.Sort(sample);
        var ks = KolmogorovSmirnov(sample, StandardNormalCdf);
        Assert.True(ks < 1.95 / Math.Sqrt(sample.Length), $"KS D = {ks}");
    }

    [Fact]
    public void Normal_cdf_helper_is_accurate()
    {
        Assert.Equal(0.5, StandardNormalCdf(0), 1e-7);
        Assert.Equal(0.8413447460685429, StandardNormalCdf(1), 1e-7);
        Assert.Equal(0.024997895148220435, StandardNormalCdf(-1.96), 1e-7);
    }

    [Fact]
    public void Span_fills_allocate_nothing()
    {
        var gen = new PhiloxGenerator(3);
        var values = new float[1000];
        var words = new uint[1000];
        gen.Uniform(values, -1f, 1f);
        gen.Normal(values, 0f, 1f);
        gen.Random(words);
        var before = GC.GetAllocatedBytesForCurrentThread();
        gen.Uniform(values, -1f, 1f);
        gen.Normal(values.AsSpan(3, 37), 0f, 1f);
        gen.Random(words);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void Bad_arguments_throw()
    {
        var gen = new PhiloxGenerator(0);
        var values = new float[4];
        Assert.Throws<ArgumentException>(() => gen.Uniform(values, 1f, 0f));
        Assert.Throws<ArgumentException>(() => gen.Uniform(values, float.NaN, 1f));
        Assert.Throws<ArgumentException>(() => gen.Uniform(values, -float.MaxValue, float.MaxValue));
        Assert.Throws<ArgumentException>(() => gen.Normal(values, 0f, -1f));
        Assert.Throws<ArgumentException>(() => gen.Normal(values, float.PositiveInfinity, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhiloxGenerator(0) { MaxDegreeOfParallelism = 0 });
        Assert.Throws<ArgumentNullException>(() => gen.Uniform((FloatTensor)null!));
        Assert.Equal(0UL, gen.Offset);
    }

    private static bool[] Paths() => Avx2.IsSupported ? [false, true] : [false];

    private static void AssertSameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"First mismatch at {i}: expected {expected[i]:R}, got {actual[i]:R}.");
            }
        }
    }

    /// <summary>Philox4x32-10 written out plainly with 64-bit products, independent of the library's vector code.</summary>
    private static uint[] ReferenceBlock(uint[] counter, uint key0, uint key1)
    {
        uint c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
        for (var round = 0; round < 10; round++)
        {
            if (round > 0)
            {
                key0 = unchecked(key0 + 0x9E3779B9u);
                key1 = unchecked(key1 + 0xBB67AE85u);
            }

            var p0 = (ulong)0xD2511F53u * c0;
            var p1 = (ulong)0xCD9E8D57u * c2;
            var n0 = (uint)(p1 >> 32) ^ c1 ^ key0;
            var n2 = (uint)(p0 >> 32) ^ c3 ^ key1;
            (c0, c1, c2, c3) = (n0, (uint)p1, n2, (uint)p0);
        }

        return [c0, c1, c2, c3];
    }

    /// <summary>Stream word g: word g mod 4 of the block with counter ⌊g/4⌋ (two low words), key = the seed.</summary>
    private static uint ReferenceWord(ulong seed, ulong g)
    {
        var block = g / 4;
        var output = ReferenceBlock([(uint)block, (uint)(block >> 32), 0, 0], (uint)seed, (uint)(seed >> 32));
        return output[(int)(g % 4)];
    }

    private static double ReferenceStandardNormal(ulong seed, ulong g)
    {
        var pairStart = g & ~1UL;
        var a = ReferenceWord(seed, pairStart);
        var b = ReferenceWord(seed, pairStart + 1);
        var u1 = ((a >> 8) + 1) / (double)(1 << 24);
        var u2 = (b >> 8) / (double)(1 << 24);
        var r = Math.Sqrt(-2 * Math.Log(u1));
        var theta = 2 * Math.PI * u2;
        return (g & 1) == 0 ? r * Math.Cos(theta) : r * Math.Sin(theta);
    }

    private static double KolmogorovSmirnov(float[] sorted, Func<double, double> cdf)
    {
        double d = 0;
        var n = sorted.Length;
        for (var i = 0; i < n; i++)
        {
            var f = cdf(sorted[i]);
            d = Math.Max(d, Math.Max(((i + 1.0) / n) - f, f - ((double)i / n)));
        }

        return d;
    }

    /// <summary>Φ(x) = erfc(−x/√2)/2 with the Chebyshev-fitted erfc of Numerical Recipes (erfcc, relative error
    /// below 1.2e−7), ample for a KS statistic near 1e−3.</summary>
    private static double StandardNormalCdf(double x)
    {
        var z = Math.Abs(x) / Math.Sqrt(2);
        var t = 1 / (1 + (0.5 * z));
        double[] c = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
        var poly = 0.0;
        for (var i = c.Length - 1; i >= 0; i--)
        {
            poly = c[i] + (t * poly);
        }

        var erfc = t * Math.Exp((-z * z) + poly);
        return x >= 0 ? 1 - (0.5 * erfc) : 0.5 * erfc;
    }
}
