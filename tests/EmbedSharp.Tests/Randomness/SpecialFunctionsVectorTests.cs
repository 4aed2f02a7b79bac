using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Randomness;

/// <summary>
/// The Vector256 kernels (span <see cref="SpecialFunctions.Erfinv(ReadOnlySpan{float}, Span{float})"/>, vector
/// erf/erfinv, <see cref="VectorMath"/> exp/log) against their scalar specifications, bit for bit.
/// </summary>
public class SpecialFunctionsVectorTests
{
    /// <summary>Edge inputs for erfinv: zeros, the 0.7 and ±1 boundaries with neighbours, |y| &gt; 1, ∞, NaNs, subnormals.</summary>
    private static uint[] ErfinvEdgeBits()
    {
        var bits = new List<uint>
        {
            0x00000000, 0x00000001, 0x00000002, 0x003fffff, 0x00400000, 0x007fffff, 0x00800000, 0x00800001,
            0x04000000, 0x03ffffff, 0x31800000, 0x317fffff, 0x0c000000, 0x1f800000, // tiny normals (erf's 2^-119, 2^-28)
            0x3f800000, 0x3f800001, 0x40000000, 0x42c80000, 0x7f7fffff, 0x7f800000, // 1, >1, ∞
            0x7fc00000, 0x7f800001, 0x7fc12345, 0x7fbfffff, 0x7fffffff, // NaNs with payloads
            BitConverter.SingleToUInt32Bits(0.5f), BitConverter.SingleToUInt32Bits(0.9f),
        };
        foreach (var center in new[] { BitConverter.SingleToUInt32Bits(0.7f), 0x3f800000u, 0x3f580000u, 0x3fa00000u })
        {
            for (var d = -8; d <= 8; d++)
            {
                bits.Add((uint)(center + d));
            }
        }

        var count = bits.Count;
        for (var i = 0; i < count; i++)
        {
            bits.Add(bits[i] ^ 0x80000000u); // negatives, −0, −NaN
        }

        return [.. bits];
    }

    /// <summary>splitmix64: a fixed, dependency-free source of test bits.</summary>
    private static ulong Next(ref ulong state)
    {
        var z = state += 0x9e3779b97f4a7c15ul;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ul;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebul;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// <paramref name="n"/> floats in [−1, 1]: half uniform in value, half uniform over the bit patterns of
    /// [−1, 1] (so small magnitudes and subnormals are well represented).
    /// </summary>
    private static float[] RandomUnitInterval(int n, ulong seed)
    {
        var state = seed;
        var data = new float[n];
        for (var i = 0; i < n; i++)
        {
            var r = Next(ref state);
            if ((i & 1) == 0)
            {
                data[i] = (float)(((r >> 11) * (2.0 / (1ul << 53))) - 1.0);
            }
            else
            {
                var magnitude = (uint)((r & 0xffffffff) % 0x3f800001u); // 0 .. bits(1f)
                data[i] = BitConverter.UInt32BitsToSingle(magnitude | (uint)(r >> 63 << 31));
            }
        }

        return data;
    }

    private static float[] FromBits(uint[] bits) => Array.ConvertAll(bits, BitConverter.UInt32BitsToSingle);

    /// <summary>Asserts destination[i] has exactly the bits of <c>scalar(source[i])</c>, reporting the first miss.</summary>
    private static void AssertMatchesScalar(string what, ReadOnlySpan<float> source, ReadOnlySpan<float> actual, Func<float, float> scalar)
    {
        var mismatches = 0;
        var first = "";
        for (var i = 0; i < source.Length; i++)
        {
            var e = BitConverter.SingleToUInt32Bits(scalar(source[i]));
            var a = BitConverter.SingleToUInt32Bits(actual[i]);
            if (e != a)
            {
                if (mismatches++ == 0)
                {
                    first = $"index {i}: input 0x{BitConverter.SingleToUInt32Bits(source[i]):x8} expected 0x{e:x8} got 0x{a:x8}";
                }
            }
        }

        Assert.True(mismatches == 0, $"{what}: {mismatches}/{source.Length} mismatches; first at {first}");
    }

    /// <summary>Runs a lane-wise kernel over <paramref name="source"/> (zero-padded to whole vectors).</summary>
    private static float[] ApplyVector(Func<Vector256<float>, Vector256<float>> kernel, float[] source)
    {
        var n = source.Length;
        var padded = new float[(n + 7) & ~7];
        source.CopyTo(padded, 0);
        var output = new float[padded.Length];
        for (var i = 0; i < padded.Length; i += 8)
        {
            kernel(Vector256.Create(padded.AsSpan(i, 8))).CopyTo(output.AsSpan(i, 8));
        }

        return output[..n];
    }

    private static void SpanMatchesScalar(string what, float[] source)
    {
        var destination = new float[source.Length];
        SpecialFunctions.Erfinv(source, destination);
        AssertMatchesScalar(what, source, destination, SpecialFunctions.Erfinv);
    }

    [Fact]
    public void Span_erfinv_matches_the_scalar_form_on_the_fixture_inputs()
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "erfinv", "erfinv.bin"));
        var source = new float[bytes.Length / 8];
        for (var i = 0; i < source.Length; i++)
        {
            source[i] = BitConverter.UInt32BitsToSingle(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8 * i)));
        }

        SpanMatchesScalar("span Erfinv vs scalar on erfinv.bin inputs", source);
    }

    [Fact]
    public void Span_erfinv_matches_the_scalar_form_on_two_million_random_inputs() =>
        SpanMatchesScalar("span Erfinv vs scalar on random [-1, 1]", RandomUnitInterval(2_000_000, 0x5eed_e7f1));

    [Fact]
    public void Span_erfinv_matches_the_scalar_form_on_edge_values_in_every_lane()
    {
        var edges = FromBits(ErfinvEdgeBits());
        SpanMatchesScalar("span Erfinv vs scalar on edge values", edges);

        // each edge value alone in each lane of an otherwise ordinary vector (the rare-lane fallbacks)
        var filler = RandomUnitInterval(8, 7);
        var source = new float[edges.Length * 8 * 8];
        for (var e = 0; e < edges.Length; e++)
        {
            for (var lane = 0; lane < 8; lane++)
            {
                var block = source.AsSpan(((e * 8) + lane) * 8, 8);
                filler.CopyTo(block);
                block[lane] = edges[e];
            }
        }

        SpanMatchesScalar("span Erfinv vs scalar, one edge value per vector", source);
    }

    [Fact]
    public void Span_erfinv_matches_the_scalar_form_for_every_length_and_offset()
    {
        var pool = RandomUnitInterval(80, 11);
        pool[3] = 1f;
        pool[20] = float.NaN;
        pool[41] = -0.7f;
        for (var offset = 0; offset < 8; offset++)
        {
            for (var n = 0; n <= 67; n++)
            {
                var source = pool.AsSpan(offset, n);
                var destination = new float[offset + n + 1];
                destination.AsSpan().Fill(42f);
                SpecialFunctions.Erfinv(source, destination.AsSpan(offset, n));
                AssertMatchesScalar($"offset {offset} length {n}", source, destination.AsSpan(offset, n), SpecialFunctions.Erfinv);
                Assert.All(destination.AsSpan(0, offset).ToArray(), v => Assert.Equal(42f, v));
                Assert.Equal(42f, destination[offset + n]);
            }
        }
    }

    [Fact]
    public void Span_erfinv_in_place_matches_the_scalar_form()
    {
        var source = RandomUnitInterval(100_003, 13);
        var data = (float[])source.Clone();
        SpecialFunctions.Erfinv(data.AsSpan(1), data.AsSpan(1)); // in place and misaligned
        Assert.Equal(source[0], data[0]);
        AssertMatchesScalar("in-place span Erfinv", source.AsSpan(1), data.AsSpan(1), SpecialFunctions.Erfinv);
    }

    [Fact]
    public void Vector_erfinv_matches_the_scalar_form()
    {
        var source = RandomUnitInterval(200_000, 17);
        AssertMatchesScalar("vector Erfinv", source, ApplyVector(SpecialFunctions.Erfinv, source), SpecialFunctions.Erfinv);
    }

    /// <summary>
    /// Every <paramref name="stride"/>-th float bit pattern over the whole line, plus 2^17 consecutive patterns from
    /// each of <paramref name="denseStarts"/>.
    /// </summary>
    private static float[] Sweep(uint stride, params uint[] denseStarts)
    {
        var values = new List<float>();
        for (ulong b = 0; b <= uint.MaxValue; b += stride)
        {
            values.Add(BitConverter.UInt32BitsToSingle((uint)b));
        }

        foreach (var start in denseStarts)
        {
            for (var d = 0u; d < 1u << 17; d++)
            {
                values.Add(BitConverter.UInt32BitsToSingle(start + d));
            }
        }

        return [.. values];
    }

    [Fact]
    public void Vector_exp_matches_MathF_Exp()
    {
        // dense blocks: e^(−x²) and erf's e^(−z²−0.5625) arguments, small |x|, and the ±88 / −104 limits
        var source = Sweep(2039, 0xbf000000, 0xc1000000, 0xc2100000, 0x3c000000, 0x42b00000, 0xc2cf0000);
        AssertMatchesScalar("VectorMath.Exp", source, ApplyVector(VectorMath.Exp, source), MathF.Exp);
    }

    [Fact]
    public void Vector_log_matches_MathF_Log()
    {
        // dense blocks: (1 − |y|)/2 for |y| in (0.7, 1), i.e. [3e-8, 0.15]; near 1; subnormals
        var source = Sweep(2039, 0x3e000000, 0x34000000, 0x3f7e0000, 0x3f800000, 0x00000000);
        AssertMatchesScalar("VectorMath.Log", source, ApplyVector(VectorMath.Log, source), MathF.Log);
    }

    [Fact]
    public void Vector_erf_matches_the_scalar_Erf()
    {
        // dense blocks at each branch boundary of erff, both signs
        var source = Sweep(
            2039, 0x3f570000, 0x3f9f0000, 0x4035d000, 0x40bf0000, 0x3e800000, 0xbfc00000, 0x317f0000, 0x03ff0000);
        AssertMatchesScalar("vector Erf", source, ApplyVector(SpecialFunctions.Erf, source), SpecialFunctions.Erf);
    }

    [Fact]
    public void Vector_erf_matches_the_scalar_Erf_when_branches_mix_within_a_vector()
    {
        // random |x| < 7 so most vectors mix branches (and the 1.25 <= |x| < 6 lanes number 0..8), plus random
        // bit patterns of |x| < 2 for tiny and subnormal lanes
        var state = 0xe4ful;
        var source = new float[1_000_000];
        for (var i = 0; i < source.Length; i++)
        {
            var r = Next(ref state);
            source[i] = (i & 3) == 3
                ? BitConverter.UInt32BitsToSingle((uint)((r & 0xffffffff) % 0x40000000u) | (uint)(r >> 63 << 31))
                : (float)(((r >> 11) * (14.0 / (1ul << 53))) - 7.0) * ((i & 1) == 0 ? 1f : 0.25f);
        }

        AssertMatchesScalar("vector Erf, mixed branches", source, ApplyVector(SpecialFunctions.Erf, source), SpecialFunctions.Erf);
    }

    [Fact]
    public void Table_gathers_match_the_portable_lookups()
    {
        for (var i = 0ul; i < 32; i += 4)
        {
            var index = Vector256.Create(i + 3, i, i + 2, i + 1);
            Assert.Equal(VectorMath.LookupExpScalar(index), VectorMath.LookupExp(index));
        }

        for (var i = 0; i < 16; i += 4)
        {
            var index = Vector128.Create(i + 1, i + 3, i, i + 2);
            Assert.Equal(VectorMath.LookupLogScalar(index), VectorMath.LookupLog(index));
        }
    }

    /// <summary>Runs a sixteen-lane kernel over <paramref name="source"/> (zero-padded to whole vectors).</summary>
    private static float[] ApplyVector512(Func<Vector512<float>, Vector512<float>> kernel, float[] source)
    {
        var n = source.Length;
        var padded = new float[(n + 15) & ~15];
        source.CopyTo(padded, 0);
        var output = new float[padded.Length];
        for (var i = 0; i < padded.Length; i += 16)
        {
            kernel(Vector512.Create(padded.AsSpan(i, 16))).CopyTo(output.AsSpan(i, 16));
        }

        return output[..n];
    }

    [Fact]
    public void Sixteen_lane_exp_matches_MathF_Exp()
    {
        if (!VectorMath.IsVector512Supported)
        {
            return; // no AVX-512 here: the span methods use the eight-lane kernels, tested above
        }

        var source = Sweep(2039, 0xbf000000, 0xc1000000, 0xc2100000, 0x3c000000, 0x42b00000, 0xc2cf0000);
        AssertMatchesScalar("VectorMath.Exp (16 lanes)", source, ApplyVector512(VectorMath.Exp, source), MathF.Exp);
    }

    [Fact]
    public void Sixteen_lane_log_matches_MathF_Log()
    {
        if (!VectorMath.IsVector512Supported)
        {
            return;
        }

        var source = Sweep(2039, 0x3e000000, 0x34000000, 0x3f7e0000, 0x3f800000, 0x00000000);
        AssertMatchesScalar("VectorMath.Log (16 lanes)", source, ApplyVector512(VectorMath.Log, source), MathF.Log);
    }

    [Fact]
    public void Exp_table_permutes_match_the_portable_lookups()
    {
        if (!VectorMath.IsVector512Supported)
        {
            return;
        }

        // indices 0..31 in scrambled lanes, with high bits set as the shift trick leaves them
        for (var i = 0ul; i < 32; i += 8)
        {
            var index = Vector512.Create(i + 3, i, i + 7, i + 2, i + 1, i + 6, i + 4, i + 5) + Vector512.Create(0x4338000000000000ul);
            var expected = Vector512.Create(
                VectorMath.LookupExpScalar((index & Vector512.Create(31ul)).GetLower()),
                VectorMath.LookupExpScalar((index & Vector512.Create(31ul)).GetUpper()));
            Assert.Equal(expected, VectorMath.LookupExp(index));
        }
    }

    [Fact]
    public void Sixteen_and_eight_lane_erfinv_give_identical_bits()
    {
        // trunc_normal's default inputs (|y| <= 0.9545) and the whole [−1, 1]
        var source = RandomUnitInterval(300_000, 23);
        for (var i = 0; i < source.Length; i += 2)
        {
            source[i] *= 0.9544997f;
        }

        var span = new float[source.Length];
        SpecialFunctions.Erfinv(source, span);
        var eight = ApplyVector(SpecialFunctions.Erfinv, source);
        for (var i = 0; i < source.Length; i++)
        {
            Assert.True(
                BitConverter.SingleToUInt32Bits(span[i]) == BitConverter.SingleToUInt32Bits(eight[i]),
                $"index {i}: input 0x{BitConverter.SingleToUInt32Bits(source[i]):x8} span 0x{BitConverter.SingleToUInt32Bits(span[i]):x8} eight-lane 0x{BitConverter.SingleToUInt32Bits(eight[i]):x8}");
        }
    }

    [Fact]
    public void Span_erfinv_matches_the_scalar_form_when_most_lanes_need_erfs_outer_intervals()
    {
        // |y| > 0.92: Newton's x passes 1.25, so most lanes take erf's queued 1.25 <= |x| path; blocks of every
        // fill (queue lengths 0..256, multiples of 16 included), with NaN, ±1, |y| > 1 and values next to 1 mixed in
        var state = 0x9a11ul;
        var source = new float[4096 + 37];
        for (var i = 0; i < source.Length; i++)
        {
            var r = Next(ref state);
            var block = i / 256;
            var tailShare = block % 4 == 0 ? 1.0 : (block % 4) / 4.0;
            var u = (r >> 11) * (1.0 / (1ul << 53));
            var magnitude = u < tailShare
                ? 0.92 + (0.08 * ((r & 0xffff) / 65536.0))
                : 0.9 * ((r & 0xffff) / 65536.0);
            source[i] = (float)magnitude * ((r >> 63) == 0 ? 1f : -1f);
        }

        source[5] = float.NaN;
        source[300] = 1f;
        source[301] = -1f;
        source[700] = 1.5f;
        source[701] = BitConverter.UInt32BitsToSingle(0x3f7fffff);
        source[702] = BitConverter.UInt32BitsToSingle(0xbf7fffff);
        source[1023] = float.NegativeInfinity;
        source[4100] = 1e-40f;
        SpanMatchesScalar("span Erfinv, erf's outer intervals", source);
        for (var n = 240; n <= 272; n++)
        {
            SpanMatchesScalar($"span Erfinv, outer intervals, length {n}", source[..n]);
        }
    }

    [Fact]
    public void Tables_hold_glibc_values()
    {
        // spot checks against glibc's hex literals: 2^(16/32) entry, last exp entry, and log entries 0, 9, 15
        Assert.Equal(0x3feea09e667f3bcdul, VectorMath.ExpTableBits(16));
        Assert.Equal(0x3fefd0765b6e4540ul, VectorMath.ExpTableBits(31));
        Assert.Equal(0x3ff661ec79f8f3beul, BitConverter.DoubleToUInt64Bits(VectorMath.LogTableEntry(0).InvC));
        Assert.Equal(0xbfd57bf7808caadeul, BitConverter.DoubleToUInt64Bits(VectorMath.LogTableEntry(0).LogC));
        Assert.Equal((1.0, 0.0), VectorMath.LogTableEntry(9));
        Assert.Equal(0x3fe767dcf5534862ul, BitConverter.DoubleToUInt64Bits(VectorMath.LogTableEntry(15).InvC));
        Assert.Equal(0x3fd4043057b6ee09ul, BitConverter.DoubleToUInt64Bits(VectorMath.LogTableEntry(15).LogC));
    }
}
