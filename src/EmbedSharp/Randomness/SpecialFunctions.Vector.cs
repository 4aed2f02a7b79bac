using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EmbedSharp.Randomness;

/// <summary>Eight-lane forms of <see cref="Erf(float)"/> and <see cref="Erfinv(float)"/>, bit-identical lane by lane.</summary>
internal static partial class SpecialFunctions
{
    /// <summary>Up to this many 1.25 ≤ |x| &lt; 6 lanes in a vector are evaluated by the scalar <see cref="Erf(float)"/>.</summary>
    private const int ScalarTailLanes = 2;

    /// <summary>
    /// Lane-wise <see cref="Erf(float)"/>: every branch of glibc's <c>erff</c> in plain float32 operations in the
    /// scalar order (no fma), branches chosen per lane by masks; NaN/±∞ lanes are recomputed by the scalar form.
    /// </summary>
    /// <param name="x">Any floats.</param>
    /// <returns>erf(x) per lane, the same bits as <see cref="Erf(float)"/>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Vector256<float> Erf(Vector256<float> x)
    {
        var ix = x.AsInt32() & Vector256.Create(0x7fffffff);
        var sign = x.AsUInt32() & Vector256.Create(0x80000000u);
        var nonFinite = Vector256.GreaterThanOrEqual(ix, Vector256.Create(0x7f800000));
        var ax = ix.AsSingle();

        // |x| < 0.84375: x + x·P(x²)/Q(x²) (x + efx·x below 2^-28, a scaled form below 2^-119)
        var small = Vector256.LessThan(ix, Vector256.Create(0x3f580000));
        // 0.84375 <= |x| < 1.25: ±(erx + P(s)/Q(s)), s = |x| − 1
        var mid = Vector256.AndNot(Vector256.LessThan(ix, Vector256.Create(0x3fa00000)), small);
        // |x| >= 6 (and the NaN/∞ lanes, patched below): ±(1 − tiny) = ±1
        var big = Vector256.GreaterThanOrEqual(ix, Vector256.Create(0x40c00000));
        var tail = ~(small | mid | big);

        // ±1 in float: 1f − 1e-30f rounds to 1f
        var result = (Vector256.Create(1f).AsUInt32() | sign).AsSingle();
        var anySmall = small != Vector256<int>.Zero;
        var anyMid = mid != Vector256<int>.Zero;
        if (anySmall && anyMid)
        {
            // the common mixed case: one Horner pass with per-lane coefficients and one division for both
            result = Vector256.ConditionalSelect((small | mid).AsSingle(), ErfSmallMid(x, ax, ix, mid.AsSingle(), sign), result);
        }
        else if (anySmall)
        {
            result = Vector256.ConditionalSelect(small.AsSingle(), ErfSmall(x, ix), result);
        }
        else if (anyMid)
        {
            result = Vector256.ConditionalSelect(mid.AsSingle(), (ErfMid(ax).AsUInt32() | sign).AsSingle(), result);
        }

        var tailLanes = tail.AsSingle().ExtractMostSignificantBits();
        if (tailLanes != 0 && BitOperations.PopCount(tailLanes) <= ScalarTailLanes)
        {
            // a lane or two: the scalar form (two MathF.Exp each) beats two eight-lane exps and three divisions
            result = ErfSlowLanes(x, result, tail.AsSingle());
        }
        else if (tailLanes != 0)
        {
            // evaluate non-tail lanes at |x| = 2 so they stay finite (their values are discarded)
            var at = Vector256.ConditionalSelect(tail.AsSingle(), ax, Vector256.Create(2f));
            var it = Vector256.ConditionalSelect(tail, ix, Vector256.Create(0x40000000));
            result = Vector256.ConditionalSelect(tail.AsSingle(), (ErfTail(at, it).AsUInt32() | sign).AsSingle(), result);
        }

        if (nonFinite != Vector256<int>.Zero)
        {
            result = ErfSlowLanes(x, result, nonFinite.AsSingle());
        }

        return result;
    }

    /// <summary>erf on |x| &lt; 0.84375, lane-wise, with the scalar form's three sub-branches.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ErfSmall(Vector256<float> x, Vector256<int> ix)
    {
        var z = x * x;
        var r = Vector256.Create(Pp3) + (z * Vector256.Create(Pp4));
        r = Vector256.Create(Pp2) + (z * r);
        r = Vector256.Create(Pp1) + (z * r);
        r = Vector256.Create(Pp0) + (z * r);
        var s = Vector256.Create(Qq4) + (z * Vector256.Create(Qq5));
        s = Vector256.Create(Qq3) + (z * s);
        s = Vector256.Create(Qq2) + (z * s);
        s = Vector256.Create(Qq1) + (z * s);
        s = Vector256<float>.One + (z * s);
        var y = r / s;
        return ErfTiny(x, ix, x + (x * y));
    }

    /// <summary>
    /// The |x| &lt; 0.84375 branch and the 0.84375 ≤ |x| &lt; 1.25 branch in one pass: lane-selected coefficients, with
    /// the shorter small-branch polynomials led by zero coefficients (0 + t·0 = 0 and c + t·0 = c exactly, so every
    /// lane performs precisely its scalar branch's operations), then x + x·(r/s) or erx + 1·(p/q), signed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ErfSmallMid(
        Vector256<float> x, Vector256<float> ax, Vector256<int> ix, Vector256<float> mid, Vector256<uint> sign)
    {
        var t = Vector256.ConditionalSelect(mid, ax - Vector256<float>.One, x * x);
        var p = Vector256.ConditionalSelect(mid, Vector256.Create(Pa6), Vector256<float>.Zero);
        p = Pick(mid, Pa5, 0f) + (t * p);
        p = Pick(mid, Pa4, Pp4) + (t * p);
        p = Pick(mid, Pa3, Pp3) + (t * p);
        p = Pick(mid, Pa2, Pp2) + (t * p);
        p = Pick(mid, Pa1, Pp1) + (t * p);
        p = Pick(mid, Pa0, Pp0) + (t * p);
        var q = Vector256.ConditionalSelect(mid, Vector256.Create(Qa6), Vector256<float>.Zero);
        q = Pick(mid, Qa5, Qq5) + (t * q);
        q = Pick(mid, Qa4, Qq4) + (t * q);
        q = Pick(mid, Qa3, Qq3) + (t * q);
        q = Pick(mid, Qa2, Qq2) + (t * q);
        q = Pick(mid, Qa1, Qq1) + (t * q);
        q = Vector256<float>.One + (t * q);
        var a = Vector256.ConditionalSelect(mid, Vector256.Create(Erx), x);
        var b = Vector256.ConditionalSelect(mid, Vector256<float>.One, x);
        var value = a + (b * (p / q));
        value = (value.AsUInt32() | (sign & mid.AsUInt32())).AsSingle();
        return ErfTiny(x, ix, value);
    }

    /// <summary>Per lane: <paramref name="whenMid"/> where <paramref name="mid"/> is set, else <paramref name="otherwise"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Pick(Vector256<float> mid, float whenMid, float otherwise) =>
        Vector256.ConditionalSelect(mid, Vector256.Create(whenMid), Vector256.Create(otherwise));

    /// <summary>Overrides <paramref name="value"/> on lanes with |x| &lt; 2^-28 by the scalar form's tiny-x formulas.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ErfTiny(Vector256<float> x, Vector256<int> ix, Vector256<float> value)
    {
        // |x| < 2^-28: x + efx·x; |x| < 2^-119: 0.0625·(16x + 16efx·x)
        var tiny = Vector256.LessThan(ix, Vector256.Create(0x31800000));
        if (tiny != Vector256<int>.Zero)
        {
            var efx = Vector256.Create(Efx);
            var tinyValue = x + (efx * x);
            var scaled = Vector256.Create(0.0625f)
                * ((Vector256.Create(16.0f) * x) + (Vector256.Create(16.0f * Efx) * x));
            tinyValue = Vector256.ConditionalSelect(
                Vector256.LessThan(ix, Vector256.Create(0x04000000)).AsSingle(), scaled, tinyValue);
            value = Vector256.ConditionalSelect(tiny.AsSingle(), tinyValue, value);
        }

        return value;
    }

    /// <summary>erx + P(s)/Q(s), s = |x| − 1, for 0.84375 ≤ |x| &lt; 1.25 (the sign is applied by the caller).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ErfMid(Vector256<float> ax)
    {
        var s = ax - Vector256<float>.One;
        var p = Vector256.Create(Pa5) + (s * Vector256.Create(Pa6));
        p = Vector256.Create(Pa4) + (s * p);
        p = Vector256.Create(Pa3) + (s * p);
        p = Vector256.Create(Pa2) + (s * p);
        p = Vector256.Create(Pa1) + (s * p);
        p = Vector256.Create(Pa0) + (s * p);
        var q = Vector256.Create(Qa5) + (s * Vector256.Create(Qa6));
        q = Vector256.Create(Qa4) + (s * q);
        q = Vector256.Create(Qa3) + (s * q);
        q = Vector256.Create(Qa2) + (s * q);
        q = Vector256.Create(Qa1) + (s * q);
        q = Vector256<float>.One + (s * q);
        // −erx − p/q is exactly −(erx + p/q), so the caller ORs in the sign
        return Vector256.Create(Erx) + (p / q);
    }

    /// <summary>1 − e^(−z²−0.5625)·e^((z−x)(z+x)+R/S)/x for 1.25 ≤ x = |x| &lt; 6 (the caller applies the sign).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ErfTail(Vector256<float> x, Vector256<int> ix)
    {
        var s = Vector256<float>.One / (x * x);
        var near = Vector256.LessThan(ix, Vector256.Create(0x4036db6e)); // |x| < 1/0.35
        Vector256<float> rr, ss;
        if (near == Vector256<int>.AllBitsSet)
        {
            (rr, ss) = ErfTailNear(s);
        }
        else if (near == Vector256<int>.Zero)
        {
            (rr, ss) = ErfTailFar(s);
        }
        else
        {
            var (rn, sn) = ErfTailNear(s);
            var (rf, sf) = ErfTailFar(s);
            rr = Vector256.ConditionalSelect(near.AsSingle(), rn, rf);
            ss = Vector256.ConditionalSelect(near.AsSingle(), sn, sf);
        }

        var z = (x.AsInt32() & Vector256.Create(unchecked((int)0xfffff000))).AsSingle();
        var r = VectorMath.Exp((-z * z) - Vector256.Create(0.5625f))
            * VectorMath.Exp(((z - x) * (z + x)) + (rr / ss));
        // 1 − r/x; for negative inputs the scalar's r/x − 1 is exactly its negation
        return Vector256<float>.One - (r / x);
    }

    /// <summary>R(s), S(s) of the 1.25 ≤ |x| &lt; 1/0.35 interval.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> R, Vector256<float> S) ErfTailNear(Vector256<float> s)
    {
        var rr = Vector256.Create(Ra6) + (s * Vector256.Create(Ra7));
        rr = Vector256.Create(Ra5) + (s * rr);
        rr = Vector256.Create(Ra4) + (s * rr);
        rr = Vector256.Create(Ra3) + (s * rr);
        rr = Vector256.Create(Ra2) + (s * rr);
        rr = Vector256.Create(Ra1) + (s * rr);
        rr = Vector256.Create(Ra0) + (s * rr);
        var ss = Vector256.Create(Sa7) + (s * Vector256.Create(Sa8));
        ss = Vector256.Create(Sa6) + (s * ss);
        ss = Vector256.Create(Sa5) + (s * ss);
        ss = Vector256.Create(Sa4) + (s * ss);
        ss = Vector256.Create(Sa3) + (s * ss);
        ss = Vector256.Create(Sa2) + (s * ss);
        ss = Vector256.Create(Sa1) + (s * ss);
        ss = Vector256<float>.One + (s * ss);
        return (rr, ss);
    }

    /// <summary>R(s), S(s) of the 1/0.35 ≤ |x| &lt; 6 interval.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> R, Vector256<float> S) ErfTailFar(Vector256<float> s)
    {
        var rr = Vector256.Create(Rb5) + (s * Vector256.Create(Rb6));
        rr = Vector256.Create(Rb4) + (s * rr);
        rr = Vector256.Create(Rb3) + (s * rr);
        rr = Vector256.Create(Rb2) + (s * rr);
        rr = Vector256.Create(Rb1) + (s * rr);
        rr = Vector256.Create(Rb0) + (s * rr);
        var ss = Vector256.Create(Sb6) + (s * Vector256.Create(Sb7));
        ss = Vector256.Create(Sb5) + (s * ss);
        ss = Vector256.Create(Sb4) + (s * ss);
        ss = Vector256.Create(Sb3) + (s * ss);
        ss = Vector256.Create(Sb2) + (s * ss);
        ss = Vector256.Create(Sb1) + (s * ss);
        ss = Vector256<float>.One + (s * ss);
        return (rr, ss);
    }

    /// <summary>
    /// Lane-wise <see cref="Erfinv(float)"/>: the central and tail starting points and both Newton steps in-vector;
    /// lanes with |y| ≥ 1 or NaN are recomputed by the scalar form.
    /// </summary>
    /// <param name="y">Any floats.</param>
    /// <returns>erfinv(y) per lane, the same bits as <see cref="Erfinv(float)"/>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Vector256<float> Erfinv(Vector256<float> y)
    {
        var input = y;
        var special = ~Vector256.LessThan(Vector256.Abs(y), Vector256<float>.One); // |y| >= 1 or NaN
        y = Vector256.AndNot(y, special); // such lanes run on y = 0 and are replaced below
        var ya = Vector256.Abs(y);

        // |y| <= 0.7: y·P(y²)/Q(y²), fma Horner steps
        var z = y * y;
        var num = Vector256.FusedMultiplyAdd(
            Vector256.FusedMultiplyAdd(
                Vector256.FusedMultiplyAdd(Vector256.Create(A3), z, Vector256.Create(A2)), z, Vector256.Create(A1)),
            z,
            Vector256.Create(A0));
        var dem = Vector256.FusedMultiplyAdd(
            Vector256.FusedMultiplyAdd(
                Vector256.FusedMultiplyAdd(
                    Vector256.FusedMultiplyAdd(Vector256.Create(B3), z, Vector256.Create(B2)), z, Vector256.Create(B1)),
                z,
                Vector256.Create(B0)),
            z,
            Vector256<float>.One);
        var x = y * num / dem;

        var central = Vector256.LessThanOrEqual(ya, Vector256.Create(CentralRange));
        if (central != Vector256<float>.AllBitsSet)
        {
            x = Vector256.ConditionalSelect(central, x, ErfinvTailStart(y, ya));
        }

        var twoOverSqrtPi = Vector256.Create(TwoOverSqrtPi);
        x -= (Erf(x) - y) / (twoOverSqrtPi * VectorMath.Exp(-x * x));
        x -= (Erf(x) - y) / (twoOverSqrtPi * VectorMath.Exp(-x * x));

        if (special != Vector256<float>.Zero)
        {
            x = ErfinvSlowLanes(input, x, special);
        }

        return x;
    }

    /// <summary>Starting point sign(y)·C(t)/D(t), t = √(−ln((1−|y|)/2)), lane-wise (fma Horner steps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ErfinvTailStart(Vector256<float> y, Vector256<float> ya)
    {
        var t = Vector256.Sqrt(-VectorMath.Log((Vector256<float>.One - ya) / Vector256.Create(2f)));
        var num = Vector256.FusedMultiplyAdd(
            Vector256.FusedMultiplyAdd(
                Vector256.FusedMultiplyAdd(Vector256.Create(C3), t, Vector256.Create(C2)), t, Vector256.Create(C1)),
            t,
            Vector256.Create(C0));
        var dem = Vector256.FusedMultiplyAdd(
            Vector256.FusedMultiplyAdd(Vector256.Create(D1), t, Vector256.Create(D0)), t, Vector256<float>.One);
        return Vector256.CopySign(num, y) / dem;
    }

    /// <summary>Replaces the lanes of <paramref name="result"/> selected by <paramref name="lanes"/> with scalar Erf.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> ErfSlowLanes(Vector256<float> x, Vector256<float> result, Vector256<float> lanes)
    {
        var mask = lanes.ExtractMostSignificantBits();
        for (var j = 0; j < 8; j++)
        {
            if ((mask & (1u << j)) != 0)
            {
                result = result.WithElement(j, Erf(x.GetElement(j)));
            }
        }

        return result;
    }

    /// <summary>Replaces the lanes of <paramref name="result"/> selected by <paramref name="lanes"/> with scalar Erfinv.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> ErfinvSlowLanes(Vector256<float> y, Vector256<float> result, Vector256<float> lanes)
    {
        var mask = lanes.ExtractMostSignificantBits();
        for (var j = 0; j < 8; j++)
        {
            if ((mask & (1u << j)) != 0)
            {
                result = result.WithElement(j, Erfinv(y.GetElement(j)));
            }
        }

        return result;
    }
}
