using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbedSharp.Randomness;

/// <summary>
/// The vector form of <see cref="ErfinvMkl"/>: the same float results, lane by lane, with no Halley step. erfinv(a) is
/// evaluated in double from w = −ln(1 − a²) by two polynomials (error below 1e−12 relative, far below the 0.01 ulp that
/// decides a rounding), rounded to float, and every lane whose double value lies within <see cref="Gate"/> ulp of a
/// rounding midpoint (0.4 % of trunc_normal_'s inputs), or whose input is special, is recomputed by the scalar
/// <see cref="Erfinv(float)"/>.
/// </summary>
/// <remarks>
/// <para>Why the bits are the scalar path's: let E be the largest distance, in units of the float spacing, between this
/// double value and the scalar path's double value (<c>InDouble</c>), and D the largest distance of the scalar double
/// value from a midpoint over the inputs of the table. A lane outside the gate is more than E from every midpoint, so
/// both doubles round to the same float; and it is not a table input (those lie within D + E &lt; Gate of a midpoint),
/// so the scalar path returns that rounded float unchanged. <c>erfinv-mkl-exhaustive</c> (bench) measures E and D on
/// every float in [0, 1] and compares the outputs: no mismatch, E = 1.2e−5 and D = 0.00192 spacings (D + E &lt; 0.002).</para>
/// <para>The polynomials: a·P(u), u = 2w/3.25 − 1, for w ≤ 3.25 (|y| ≤ 0.98, degree 12); Q(v) in v, linear in √w, for
/// 3.25 &lt; w ≤ 16 (up to 1 − 2⁻²⁴, degree 16; evaluated only when a lane needs it). Fitted to mpmath's erfinv by
/// bench/EmbedSharp.Bench/Randomness/ErfinvMklFit.py. ln(1 − a²) = k·ln 2 + 2·atanh(s), s = (m − 1)/(m + 1) with
/// m ∈ [√½, √2), by its series to s¹⁷.</para>
/// </remarks>
internal static partial class ErfinvMkl
{
    /// <summary>Lanes whose double erfinv lies within this many float spacings of a rounding midpoint take the scalar
    /// path; must exceed D + E (see the remarks; checked by <c>erfinv-mkl-exhaustive</c>).</summary>
    internal const double Gate = 0.002;

    private const double WSplit = 3.25;
    private const double TailLow = 1.8027756377319946; // √3.25
    private const double TailHigh = 4.0; // √w at a = 1 − 2⁻²⁴ is 3.993
    private const double Ln2 = 0.6931471805599453;
    private const ulong OneMinusSqrtHalfBits = 0x3FF0000000000000UL - 0x3FE6A09E667F3BCDUL;
    private const long GateBits = (long)(Gate * (1 << 29)); // the gate in units of 2⁻²⁹ float spacings
    private const float SmallestRegular = 2.3509887e-38f; // 2⁻¹²⁵: from here on erfinv(a) ≥ 0.886·a is a normal float

    private const double P0 = 1.2833688500636973;
    private const double P1 = 0.4070393017277382;
    private const double P2 = 0.00029636624264942123;
    private const double P3 = -0.008582309316836468;
    private const double P4 = 0.0013315642475865551;
    private const double P5 = 0.0002181221651144177;
    private const double P6 = -9.905316813666034e-05;
    private const double P7 = 1.4305125433257979e-06;
    private const double P8 = 5.2659382619825705e-06;
    private const double P9 = -7.343041209339954e-07;
    private const double P10 = -2.0644100014521323e-07;
    private const double P11 = 5.5417611919580114e-08;
    private const double P12 = 4.771122895577736e-09;

    private const double Q0 = 2.733997224435552;
    private const double Q1 = 1.099938924526373;
    private const double Q2 = 0.009572997253135367;
    private const double Q3 = -0.005192858374150063;
    private const double Q4 = 0.001812367319006586;
    private const double Q5 = -0.00029903563925377547;
    private const double Q6 = -0.00014385620689387523;
    private const double Q7 = 0.00014547713468500333;
    private const double Q8 = -5.2316570771756714e-05;
    private const double Q9 = -3.873215449844594e-06;
    private const double Q10 = 1.4178770189282724e-05;
    private const double Q11 = -6.514664801058329e-06;
    private const double Q12 = -1.8142178673129136e-07;
    private const double Q13 = 1.7007903567134193e-06;
    private const double Q14 = -5.996090344248414e-07;
    private const double Q15 = -1.6083611806858495e-07;
    private const double Q16 = 1.0766544747608016e-07;

    /// <summary>MKL's erfinv of every element of <paramref name="y"/> into <paramref name="destination"/> (may be the same
    /// span): the vector kernel eight floats at a time, its gated and special lanes and the remainder by the scalar
    /// <see cref="Erfinv(float)"/>, so every element equals the scalar result.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="y"/>, or the
    /// spans overlap without starting at the same element.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Erfinv(ReadOnlySpan<float> y, Span<float> destination) => Erfinv(y, destination, Vector512.IsHardwareAccelerated);

    /// <summary><see cref="Erfinv(ReadOnlySpan{float}, Span{float})"/>, with the 512-bit kernel (eight lanes) only when
    /// <paramref name="wide"/> and the CPU has AVX-512F; the bits are the same either way (tests compare the two).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Erfinv(ReadOnlySpan<float> y, Span<float> destination, bool wide)
    {
        if (destination.Length < y.Length)
        {
            throw new ArgumentException($"Destination length {destination.Length} is shorter than source length {y.Length}.", nameof(destination));
        }

        if (y.Overlaps(destination, out var offset) && offset != 0)
        {
            throw new ArgumentException("Source and destination overlap at different offsets.", nameof(destination));
        }

        ref var src = ref MemoryMarshal.GetReference(y);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var i = 0;
        if (wide && Avx512F.IsSupported)
        {
            i = Erfinv512(ref src, ref dst, y.Length);
        }

        if (Avx2.IsSupported && Fma.IsSupported)
        {
            for (; i <= y.Length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                var v = Vector128.LoadUnsafe(ref src, (nuint)i);
                var x = ErfinvCore(v, out var slow);
                x.StoreUnsafe(ref dst, (nuint)i);
                while (slow != 0)
                {
                    var j = System.Numerics.BitOperations.TrailingZeroCount(slow);
                    Unsafe.Add(ref dst, i + j) = Erfinv(v.GetElement(j));
                    slow &= slow - 1;
                }
            }
        }

        for (; i < y.Length; i++)
        {
            Unsafe.Add(ref dst, i) = Erfinv(Unsafe.Add(ref src, i));
        }
    }

    /// <summary>Four lanes of MKL's erfinv (one <see cref="Vector256{T}"/> of doubles per four floats: with eight, the
    /// JIT shares each broadcast constant between the two halves through the stack); <paramref name="slow"/> gets a
    /// bit per lane (bit j for lane j) that must be recomputed by the scalar <see cref="Erfinv(float)"/>: special inputs
    /// (|y| &lt; 2⁻¹²⁵ including ±0, |y| ≥ 1, NaN) and lanes in the midpoint gate. The other lanes are final. Needs
    /// AVX2 and FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> ErfinvCore(Vector128<float> y, out uint slow)
    {
        var a = Vector128.Abs(y);
        var special = ~Vector128.LessThan(a, Vector128<float>.One) | Vector128.LessThan(a, Vector128.Create(SmallestRegular));
        a = Vector128.ConditionalSelect(special, Vector128.Create(0.5f), a);
        var xd = Approximate(Avx.ConvertToVector256Double(a));
        var x = Avx.ConvertToVector128Single(xd);

        // The results are normal floats (a ≥ 2⁻¹²⁵), so float rounding keeps the top 23 of the double's 52 fraction
        // bits: the low 29 bits place xd within its float spacing, 2²⁸ being the midpoint.
        var d = (xd.AsInt64() & Vector256.Create(0x1FFFFFFFL)) - Vector256.Create(1L << 28);
        var gate = Vector256.GreaterThan(d, Vector256.Create(-GateBits)) & Vector256.LessThan(d, Vector256.Create(GateBits));
        slow = special.ExtractMostSignificantBits() | gate.ExtractMostSignificantBits();
        return (x.AsUInt32() | (y.AsUInt32() & Vector128.Create(0x80000000u))).AsSingle();
    }

    /// <summary>erfinv(a) in double for 0 &lt; a &lt; 1 (relative error below 1e−12; see the class remarks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<double> Approximate(Vector256<double> a)
    {
        var w = -Log(Vector256.FusedMultiplyAdd(-a, a, Vector256<double>.One));
        var x = a * Central(Vector256.FusedMultiplyAdd(w, Vector256.Create(2.0 / WSplit), Vector256.Create(-1.0)));
        var tail = Vector256.GreaterThan(w, Vector256.Create(WSplit));
        if (tail != Vector256<double>.Zero)
        {
            // only when a lane needs it (|y| > 0.98)
            var v = Vector256.FusedMultiplyAdd(
                Vector256.Sqrt(w), Vector256.Create(2.0 / (TailHigh - TailLow)), Vector256.Create(-(TailLow + TailHigh) / (TailHigh - TailLow)));
            x = Vector256.ConditionalSelect(tail, TailPolynomial(v), x);
        }

        return x;
    }

    /// <summary>P(u) of degree 12 by Estrin's scheme (pairs in u, then in u², u⁴, u⁸): the dependent chain is six
    /// operations long instead of Horner's twelve.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Central(Vector256<double> u)
    {
        var u2 = u * u;
        var u4 = u2 * u2;
        var p01 = MulAdd(u, P1, P0);
        var p23 = MulAdd(u, P3, P2);
        var p45 = MulAdd(u, P5, P4);
        var p67 = MulAdd(u, P7, P6);
        var p89 = MulAdd(u, P9, P8);
        var p1011 = MulAdd(u, P11, P10);
        var p03 = Vector256.FusedMultiplyAdd(u2, p23, p01);
        var p47 = Vector256.FusedMultiplyAdd(u2, p67, p45);
        var p811 = Vector256.FusedMultiplyAdd(u2, p1011, p89);
        var p07 = Vector256.FusedMultiplyAdd(u4, p47, p03);
        var p812 = Vector256.FusedMultiplyAdd(u4, Vector256.Create(P12), p811);
        return Vector256.FusedMultiplyAdd(u4 * u4, p812, p07);
    }

    /// <summary>Q(v) of degree 16 by Estrin's scheme.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> TailPolynomial(Vector256<double> v)
    {
        var v2 = v * v;
        var v4 = v2 * v2;
        var v8 = v4 * v4;
        var q01 = MulAdd(v, Q1, Q0);
        var q23 = MulAdd(v, Q3, Q2);
        var q45 = MulAdd(v, Q5, Q4);
        var q67 = MulAdd(v, Q7, Q6);
        var q89 = MulAdd(v, Q9, Q8);
        var q1011 = MulAdd(v, Q11, Q10);
        var q1213 = MulAdd(v, Q13, Q12);
        var q1415 = MulAdd(v, Q15, Q14);
        var q03 = Vector256.FusedMultiplyAdd(v2, q23, q01);
        var q47 = Vector256.FusedMultiplyAdd(v2, q67, q45);
        var q811 = Vector256.FusedMultiplyAdd(v2, q1011, q89);
        var q1215 = Vector256.FusedMultiplyAdd(v2, q1415, q1213);
        var q07 = Vector256.FusedMultiplyAdd(v4, q47, q03);
        var q815 = Vector256.FusedMultiplyAdd(v4, q1215, q811);
        var q015 = Vector256.FusedMultiplyAdd(v8, q815, q07);
        return Vector256.FusedMultiplyAdd(v8 * v8, Vector256.Create(Q16), q015);
    }

    /// <summary>ln t for normal 0 &lt; t ≤ 1: t = 2^k·m with m ∈ [√½, √2), ln m = 2·atanh(s), s = (m − 1)/(m + 1), by
    /// its series 2s·(1 + s²/3 + … + s¹⁶/17) (truncation below 1e−16 relative at |s| ≤ 0.1716).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Log(Vector256<double> t)
    {
        var bits = t.AsUInt64();
        var shifted = bits + Vector256.Create(OneMinusSqrtHalfBits); // exponent field of shifted = 1023 + k
        var m = (bits - (shifted & Vector256.Create(0xFFF0000000000000UL)) + Vector256.Create(0x3FF0000000000000UL)).AsDouble();
        var k = ((shifted >> 52) | Vector256.Create(0x4330000000000000UL)).AsDouble() - Vector256.Create(4503599627370496.0 + 1023.0);
        var f = m - Vector256<double>.One;
        var s = f / (f + Vector256.Create(2.0));
        var z = s * s;

        // Estrin's scheme: the pairs, then the pairs of pairs, to shorten the chain of dependent operations
        var z2 = z * z;
        var s01 = MulAdd(z, 2.0 / 5, 2.0 / 3);
        var s23 = MulAdd(z, 2.0 / 9, 2.0 / 7);
        var s45 = MulAdd(z, 2.0 / 13, 2.0 / 11);
        var s67 = MulAdd(z, 2.0 / 17, 2.0 / 15);
        var s03 = Vector256.FusedMultiplyAdd(z2, s23, s01);
        var s47 = Vector256.FusedMultiplyAdd(z2, s67, s45);
        var series = Vector256.FusedMultiplyAdd(z2 * z2, s47, s03);
        var lnM = Vector256.FusedMultiplyAdd(s * z, series, s + s);
        return Vector256.FusedMultiplyAdd(k, Vector256.Create(Ln2), lnM);
    }

    /// <summary>a·b + c with constants b and c, one rounding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> MulAdd(Vector256<double> a, double b, double c) =>
        Vector256.FusedMultiplyAdd(a, Vector256.Create(b), Vector256.Create(c));
}
