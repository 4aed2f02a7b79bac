using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbedSharp.Randomness;

/// <summary>
/// Sixteen-lane (<see cref="Vector512{T}"/>) forms of <c>Exp</c> and <c>Log</c>: the same glibc 2.36 FMA evaluation,
/// in double, as the eight-lane forms, lane by lane the same bits. The table lookups are register permutes
/// (<c>vpermt2pd</c>) instead of gathers, so these need AVX-512F (<see cref="IsVector512Supported"/>).
/// </summary>
internal static partial class VectorMath
{
    /// <summary>True where the sixteen-lane kernels can run: AVX-512F present and 512-bit vectors accelerated.</summary>
    internal static bool IsVector512Supported => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>Lane-wise <see cref="MathF.Exp"/> (glibc 2.36 <c>__expf_fma</c>) on sixteen lanes, bit-identical in every lane.</summary>
    /// <param name="x">Any floats.</param>
    /// <returns>e^x per lane.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Exp(Vector512<float> x)
    {
        // glibc's slow path: |x| >= 88 or NaN (top 12 bits of |x| at least those of 88f)
        var special = Vector512.GreaterThanOrEqual((x.AsUInt32() >> 20) & Vector512.Create(0x7ffu), Vector512.Create(0x42bu));
        var safe = Vector512.AndNot(x, special.AsSingle()); // special lanes evaluate e^0 and are replaced below
        var result = Vector512.Narrow(ExpCore(Vector512.WidenLower(safe)), ExpCore(Vector512.WidenUpper(safe)));
        if (special != Vector512<uint>.Zero)
        {
            result = ExpSlowLanes(x, result, special.AsSingle());
        }

        return result;
    }

    /// <summary>The eight-lane <c>ExpCore</c> on eight doubles: 2^(k/32)·(1 + r·c2 + r²·(c1 + r·c0)), table by permute.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> ExpCore(Vector512<double> xd)
    {
        var invLn2N = Vector512.Create(InvLn2N);
        var shift = Vector512.Create(ExpShift);
        var kd = Vector512.FusedMultiplyAdd(invLn2N, xd, shift);
        var ki = kd.AsUInt64();
        kd -= shift;
        var r = Vector512.FusedMultiplyAdd(invLn2N, xd, -kd);

        var t = LookupExp(ki) + (ki << 47);
        var s = t.AsDouble();

        var z = Vector512.FusedMultiplyAdd(Vector512.Create(ExpC0), r, Vector512.Create(ExpC1));
        var r2 = r * r;
        var y = Vector512.FusedMultiplyAdd(Vector512.Create(ExpC2), r, Vector512<double>.One);
        y = Vector512.FusedMultiplyAdd(z, r2, y);
        return y * s;
    }

    /// <summary>Eight exp-table entries (as bits) for the low five bits of each lane of <paramref name="ki"/>:
    /// two two-register permutes (entries 0..15 and 16..31, by bits 0..3) and a select on bit 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<ulong> LookupExp(Vector512<ulong> ki)
    {
        ref var table = ref MemoryMarshal.GetArrayDataReference(ExpTable);
        var low = Avx512F.PermuteVar8x64x2(
            Vector512.LoadUnsafe(ref table), ki, Vector512.LoadUnsafe(ref table, 8));
        var high = Avx512F.PermuteVar8x64x2(
            Vector512.LoadUnsafe(ref table, 16), ki, Vector512.LoadUnsafe(ref table, 24));
        var upperHalf = Vector512.Equals(ki & Vector512.Create(16ul), Vector512.Create(16ul));
        return Vector512.ConditionalSelect(upperHalf, high, low);
    }

    /// <summary>Lane-wise <see cref="MathF.Log(float)"/> (glibc 2.36 <c>__logf_fma</c>) on sixteen lanes, bit-identical in every lane.</summary>
    /// <param name="x">Any floats.</param>
    /// <returns>ln x per lane.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Log(Vector512<float> x)
    {
        var ix = x.AsUInt32();
        // glibc's slow path: x < 2^-126 (incl. ±0, negatives, subnormals), +∞ or NaN
        var special = Vector512.GreaterThanOrEqual(ix - Vector512.Create(0x00800000u), Vector512.Create(0x7f800000u - 0x00800000u));
        ix = Vector512.ConditionalSelect(special, Vector512.Create(0x3f800000u), ix);

        // x = 2^k·z with z in [OFF, 2·OFF); i picks the subinterval of z
        var tmp = ix - Vector512.Create(LogOff);
        var i = ((tmp >> 19) & Vector512.Create(15u)).AsInt32();
        var k = Vector512.ConvertToSingle(tmp.AsInt32() >> 23); // exact: |k| < 2^8
        var z = (ix - (tmp & Vector512.Create(0xff800000u))).AsSingle();

        var lo = LogCore(Vector512.WidenLower(z), Vector512.WidenLower(k), Vector512.WidenLower(i));
        var hi = LogCore(Vector512.WidenUpper(z), Vector512.WidenUpper(k), Vector512.WidenUpper(i));
        var result = Vector512.Narrow(lo, hi);
        if (special != Vector512<uint>.Zero)
        {
            result = LogSlowLanes(x, result, special.AsSingle());
        }

        return result;
    }

    /// <summary>The eight-lane <c>LogCore</c> on eight doubles, the (1/c, log c) pairs by permute.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> LogCore(Vector512<double> z, Vector512<double> k, Vector512<long> i)
    {
        var (invc, logc) = LookupLog(i);
        var r = Vector512.FusedMultiplyAdd(z, invc, -Vector512<double>.One);
        var y0 = Vector512.FusedMultiplyAdd(k, Vector512.Create(Ln2), logc);
        var r2 = r * r;
        var y = Vector512.FusedMultiplyAdd(Vector512.Create(LogA1), r, Vector512.Create(LogA2));
        y = Vector512.FusedMultiplyAdd(Vector512.Create(LogA0), r2, y);
        return Vector512.FusedMultiplyAdd(y, r2, y0 + r);
    }

    /// <summary>Eight (1/c, log c) log-table pairs for the indices in <paramref name="index"/> (each 0..15).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector512<double> InvC, Vector512<double> LogC) LookupLog(Vector512<long> index)
    {
        ref var invc = ref MemoryMarshal.GetArrayDataReference(LogInvC);
        ref var logc = ref MemoryMarshal.GetArrayDataReference(LogLogC);
        return (Avx512F.PermuteVar8x64x2(Vector512.LoadUnsafe(ref invc), index, Vector512.LoadUnsafe(ref invc, 8)),
            Avx512F.PermuteVar8x64x2(Vector512.LoadUnsafe(ref logc), index, Vector512.LoadUnsafe(ref logc, 8)));
    }

    /// <summary>Replaces the lanes of <paramref name="result"/> selected by <paramref name="lanes"/> with MathF.Exp.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<float> ExpSlowLanes(Vector512<float> x, Vector512<float> result, Vector512<float> lanes)
    {
        var mask = lanes.ExtractMostSignificantBits();
        for (var j = 0; j < 16; j++)
        {
            if ((mask & (1ul << j)) != 0)
            {
                result = result.WithElement(j, MathF.Exp(x.GetElement(j)));
            }
        }

        return result;
    }

    /// <summary>Replaces the lanes of <paramref name="result"/> selected by <paramref name="lanes"/> with MathF.Log.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<float> LogSlowLanes(Vector512<float> x, Vector512<float> result, Vector512<float> lanes)
    {
        var mask = lanes.ExtractMostSignificantBits();
        for (var j = 0; j < 16; j++)
        {
            if ((mask & (1ul << j)) != 0)
            {
                result = result.WithElement(j, MathF.Log(x.GetElement(j)));
            }
        }

        return result;
    }
}
