using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbedSharp.Randomness;

/// <content>The 512-bit form of the vector kernel (ErfinvMkl.Vector.cs): eight lanes of doubles per eight floats, the
/// same operations lane for lane (the same polynomials, the same order, one rounding each), so every lane gives the
/// 256-bit kernel's double and the same gate decision. It exists because the kernel is bound by arithmetic throughput,
/// which doubles on CPUs with full-width AVX-512 units (measured on a Zen 5 EPYC: see docs/performance.md); .NET's
/// generic vector interface is not public for Vector512, so the arithmetic is written out again for this width.</content>
internal static partial class ErfinvMkl
{
    /// <summary>The eight-lane loop over [0, n − n mod 8): returns how far it got; slow lanes go to the scalar path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Erfinv512(ref float src, ref float dst, int n)
    {
        var i = 0;
        for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            var v = Vector256.LoadUnsafe(ref src, (nuint)i);
            var x = ErfinvCore512(v, out var slow);
            x.StoreUnsafe(ref dst, (nuint)i);
            while (slow != 0)
            {
                var j = System.Numerics.BitOperations.TrailingZeroCount(slow);
                Unsafe.Add(ref dst, i + j) = Erfinv(v.GetElement(j));
                slow &= slow - 1;
            }
        }

        return i;
    }

    /// <summary><see cref="ErfinvCore"/> for eight lanes (bit j of <paramref name="slow"/> for lane j). Needs AVX-512F.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> ErfinvCore512(Vector256<float> y, out uint slow)
    {
        var a = Vector256.Abs(y);
        var special = ~Vector256.LessThan(a, Vector256<float>.One) | Vector256.LessThan(a, Vector256.Create(SmallestRegular));
        a = Vector256.ConditionalSelect(special, Vector256.Create(0.5f), a);
        var xd = Approximate(Avx512F.ConvertToVector512Double(a));
        var x = Avx512F.ConvertToVector256Single(xd);
        var d = (xd.AsInt64() & Vector512.Create(0x1FFFFFFFL)) - Vector512.Create(1L << 28);
        var gate = Vector512.GreaterThan(d, Vector512.Create(-GateBits)) & Vector512.LessThan(d, Vector512.Create(GateBits));
        slow = special.ExtractMostSignificantBits() | (uint)gate.ExtractMostSignificantBits();
        return (x.AsUInt32() | (y.AsUInt32() & Vector256.Create(0x80000000u))).AsSingle();
    }

    /// <summary><see cref="Approximate(Vector256{double})"/>, eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<double> Approximate(Vector512<double> a)
    {
        var w = -Log(Vector512.FusedMultiplyAdd(-a, a, Vector512<double>.One));
        var x = a * Central(Vector512.FusedMultiplyAdd(w, Vector512.Create(2.0 / WSplit), Vector512.Create(-1.0)));
        var tail = Vector512.GreaterThan(w, Vector512.Create(WSplit));
        if (tail != Vector512<double>.Zero)
        {
            var v = Vector512.FusedMultiplyAdd(
                Vector512.Sqrt(w), Vector512.Create(2.0 / (TailHigh - TailLow)), Vector512.Create(-(TailLow + TailHigh) / (TailHigh - TailLow)));
            x = Vector512.ConditionalSelect(tail, TailPolynomial(v), x);
        }

        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Central(Vector512<double> u)
    {
        var u2 = u * u;
        var u4 = u2 * u2;
        var p03 = Vector512.FusedMultiplyAdd(u2, MulAdd(u, P3, P2), MulAdd(u, P1, P0));
        var p47 = Vector512.FusedMultiplyAdd(u2, MulAdd(u, P7, P6), MulAdd(u, P5, P4));
        var p811 = Vector512.FusedMultiplyAdd(u2, MulAdd(u, P11, P10), MulAdd(u, P9, P8));
        var p07 = Vector512.FusedMultiplyAdd(u4, p47, p03);
        var p812 = Vector512.FusedMultiplyAdd(u4, Vector512.Create(P12), p811);
        return Vector512.FusedMultiplyAdd(u4 * u4, p812, p07);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> TailPolynomial(Vector512<double> v)
    {
        var v2 = v * v;
        var v4 = v2 * v2;
        var v8 = v4 * v4;
        var q03 = Vector512.FusedMultiplyAdd(v2, MulAdd(v, Q3, Q2), MulAdd(v, Q1, Q0));
        var q47 = Vector512.FusedMultiplyAdd(v2, MulAdd(v, Q7, Q6), MulAdd(v, Q5, Q4));
        var q811 = Vector512.FusedMultiplyAdd(v2, MulAdd(v, Q11, Q10), MulAdd(v, Q9, Q8));
        var q1215 = Vector512.FusedMultiplyAdd(v2, MulAdd(v, Q15, Q14), MulAdd(v, Q13, Q12));
        var q015 = Vector512.FusedMultiplyAdd(v8, Vector512.FusedMultiplyAdd(v4, q1215, q811), Vector512.FusedMultiplyAdd(v4, q47, q03));
        return Vector512.FusedMultiplyAdd(v8 * v8, Vector512.Create(Q16), q015);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Log(Vector512<double> t)
    {
        var bits = t.AsUInt64();
        var shifted = bits + Vector512.Create(OneMinusSqrtHalfBits);
        var m = (bits - (shifted & Vector512.Create(0xFFF0000000000000UL)) + Vector512.Create(0x3FF0000000000000UL)).AsDouble();
        var k = ((shifted >> 52) | Vector512.Create(0x4330000000000000UL)).AsDouble() - Vector512.Create(4503599627370496.0 + 1023.0);
        var f = m - Vector512<double>.One;
        var s = f / (f + Vector512.Create(2.0));
        var z = s * s;
        var z2 = z * z;
        var s03 = Vector512.FusedMultiplyAdd(z2, MulAdd(z, 2.0 / 9, 2.0 / 7), MulAdd(z, 2.0 / 5, 2.0 / 3));
        var s47 = Vector512.FusedMultiplyAdd(z2, MulAdd(z, 2.0 / 17, 2.0 / 15), MulAdd(z, 2.0 / 13, 2.0 / 11));
        var series = Vector512.FusedMultiplyAdd(z2 * z2, s47, s03);
        var lnM = Vector512.FusedMultiplyAdd(s * z, series, s + s);
        return Vector512.FusedMultiplyAdd(k, Vector512.Create(Ln2), lnM);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> MulAdd(Vector512<double> a, double b, double c) =>
        Vector512.FusedMultiplyAdd(a, Vector512.Create(b), Vector512.Create(c));
}
