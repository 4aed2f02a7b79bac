using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EmbedSharp.Randomness;

/// <summary>
/// Sixteen-lane pieces of <see cref="Erf(float)"/> for the AVX-512 erfinv (see SpecialFunctions.Blocked512.cs),
/// bit-identical lane by lane (the same operations as the eight-lane forms; exp tables by permute).
/// </summary>
internal static partial class SpecialFunctions
{
    /// <summary>erf on the <paramref name="rest"/> lanes, those with |x| ≥ 1.25 or NaN: the 1.25 ≤ |x| &lt; 6 tail
    /// in-vector, NaN/∞ by the scalar form, |x| ≥ 6 keeps the ±1 of <paramref name="result"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector512<float> ErfRest(
        Vector512<float> x, Vector512<float> ax, Vector512<int> ix, Vector512<uint> sign, Vector512<int> rest, Vector512<float> result)
    {
        var tail = Vector512.AndNot(rest, Vector512.GreaterThanOrEqual(ix, Vector512.Create(0x40c00000)));
        if (tail != Vector512<int>.Zero)
        {
            // evaluate non-tail lanes at |x| = 2 so they stay finite (their values are discarded)
            var at = Vector512.ConditionalSelect(tail.AsSingle(), ax, Vector512.Create(2f));
            var it = Vector512.ConditionalSelect(tail, ix, Vector512.Create(0x40000000));
            result = Vector512.ConditionalSelect(tail.AsSingle(), (ErfTail(at, it).AsUInt32() | sign).AsSingle(), result);
        }

        var nonFinite = Vector512.GreaterThanOrEqual(ix, Vector512.Create(0x7f800000));
        if (nonFinite != Vector512<int>.Zero)
        {
            result = ErfSlowLanes(x, result, nonFinite.AsSingle());
        }

        return result;
    }

    /// <summary>
    /// The |x| &lt; 0.84375 and 0.84375 ≤ |x| &lt; 1.25 branches in one pass with lane-selected coefficients (see the
    /// eight-lane <c>ErfSmallMid</c>: zero-led coefficients make every lane perform exactly its scalar branch).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ErfSmallMid(
        Vector512<float> x, Vector512<float> ax, Vector512<int> ix, Vector512<float> mid, Vector512<uint> sign)
    {
        var t = Vector512.ConditionalSelect(mid, ax - Vector512<float>.One, x * x);
        var p = Vector512.ConditionalSelect(mid, Vector512.Create(Pa6), Vector512<float>.Zero);
        p = Pick(mid, Pa5, 0f) + (t * p);
        p = Pick(mid, Pa4, Pp4) + (t * p);
        p = Pick(mid, Pa3, Pp3) + (t * p);
        p = Pick(mid, Pa2, Pp2) + (t * p);
        p = Pick(mid, Pa1, Pp1) + (t * p);
        p = Pick(mid, Pa0, Pp0) + (t * p);
        var q = Vector512.ConditionalSelect(mid, Vector512.Create(Qa6), Vector512<float>.Zero);
        q = Pick(mid, Qa5, Qq5) + (t * q);
        q = Pick(mid, Qa4, Qq4) + (t * q);
        q = Pick(mid, Qa3, Qq3) + (t * q);
        q = Pick(mid, Qa2, Qq2) + (t * q);
        q = Pick(mid, Qa1, Qq1) + (t * q);
        q = Vector512<float>.One + (t * q);
        var a = Vector512.ConditionalSelect(mid, Vector512.Create(Erx), x);
        var b = Vector512.ConditionalSelect(mid, Vector512<float>.One, x);
        var value = a + (b * (p / q));
        value = (value.AsUInt32() | (sign & mid.AsUInt32())).AsSingle();

        // |x| < 2^-28: x + efx·x; |x| < 2^-119: 0.0625·(16x + 16efx·x)
        var tiny = Vector512.LessThan(ix, Vector512.Create(0x31800000));
        if (tiny != Vector512<int>.Zero)
        {
            value = ErfTiny(x, ix, tiny, value);
        }

        return value;
    }

    /// <summary>Per lane: <paramref name="whenMid"/> where <paramref name="mid"/> is set, else <paramref name="otherwise"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pick(Vector512<float> mid, float whenMid, float otherwise) =>
        Vector512.ConditionalSelect(mid, Vector512.Create(whenMid), Vector512.Create(otherwise));

    /// <summary>Overrides <paramref name="value"/> on the <paramref name="tiny"/> lanes by the scalar form's tiny-x formulas.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<float> ErfTiny(Vector512<float> x, Vector512<int> ix, Vector512<int> tiny, Vector512<float> value)
    {
        var efx = Vector512.Create(Efx);
        var tinyValue = x + (efx * x);
        var scaled = Vector512.Create(0.0625f)
            * ((Vector512.Create(16.0f) * x) + (Vector512.Create(16.0f * Efx) * x));
        tinyValue = Vector512.ConditionalSelect(
            Vector512.LessThan(ix, Vector512.Create(0x04000000)).AsSingle(), scaled, tinyValue);
        return Vector512.ConditionalSelect(tiny.AsSingle(), tinyValue, value);
    }

    /// <summary>1 − e^(−z²−0.5625)·e^((z−x)(z+x)+R/S)/x for 1.25 ≤ x = |x| &lt; 6 (the caller applies the sign).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ErfTail(Vector512<float> x, Vector512<int> ix)
    {
        var s = Vector512<float>.One / (x * x);
        var near = Vector512.LessThan(ix, Vector512.Create(0x4036db6e)).AsSingle(); // |x| < 1/0.35
        Vector512<float> rr, ss;
        if (near == Vector512<float>.AllBitsSet)
        {
            (rr, ss) = ErfTailNear(s);
        }
        else
        {
            // the far interval's R has one term fewer: lead it with a zero coefficient (0 + s·0 = 0 exactly)
            rr = Vector512.ConditionalSelect(near, Vector512.Create(Ra7), Vector512<float>.Zero);
            rr = Pick(near, Ra6, Rb6) + (s * rr);
            rr = Pick(near, Ra5, Rb5) + (s * rr);
            rr = Pick(near, Ra4, Rb4) + (s * rr);
            rr = Pick(near, Ra3, Rb3) + (s * rr);
            rr = Pick(near, Ra2, Rb2) + (s * rr);
            rr = Pick(near, Ra1, Rb1) + (s * rr);
            rr = Pick(near, Ra0, Rb0) + (s * rr);
            ss = Vector512.ConditionalSelect(near, Vector512.Create(Sa8), Vector512<float>.Zero);
            ss = Pick(near, Sa7, Sb7) + (s * ss);
            ss = Pick(near, Sa6, Sb6) + (s * ss);
            ss = Pick(near, Sa5, Sb5) + (s * ss);
            ss = Pick(near, Sa4, Sb4) + (s * ss);
            ss = Pick(near, Sa3, Sb3) + (s * ss);
            ss = Pick(near, Sa2, Sb2) + (s * ss);
            ss = Pick(near, Sa1, Sb1) + (s * ss);
            ss = Vector512<float>.One + (s * ss);
        }

        var z = (x.AsInt32() & Vector512.Create(unchecked((int)0xfffff000))).AsSingle();
        var r = VectorMath.Exp((-z * z) - Vector512.Create(0.5625f))
            * VectorMath.Exp(((z - x) * (z + x)) + (rr / ss));
        // 1 − r/x; for negative inputs the scalar's r/x − 1 is exactly its negation
        return Vector512<float>.One - (r / x);
    }

    /// <summary>R(s), S(s) of the 1.25 ≤ |x| &lt; 1/0.35 interval.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> R, Vector512<float> S) ErfTailNear(Vector512<float> s)
    {
        var rr = Vector512.Create(Ra6) + (s * Vector512.Create(Ra7));
        rr = Vector512.Create(Ra5) + (s * rr);
        rr = Vector512.Create(Ra4) + (s * rr);
        rr = Vector512.Create(Ra3) + (s * rr);
        rr = Vector512.Create(Ra2) + (s * rr);
        rr = Vector512.Create(Ra1) + (s * rr);
        rr = Vector512.Create(Ra0) + (s * rr);
        var ss = Vector512.Create(Sa7) + (s * Vector512.Create(Sa8));
        ss = Vector512.Create(Sa6) + (s * ss);
        ss = Vector512.Create(Sa5) + (s * ss);
        ss = Vector512.Create(Sa4) + (s * ss);
        ss = Vector512.Create(Sa3) + (s * ss);
        ss = Vector512.Create(Sa2) + (s * ss);
        ss = Vector512.Create(Sa1) + (s * ss);
        ss = Vector512<float>.One + (s * ss);
        return (rr, ss);
    }

    /// <summary>Replaces the lanes of <paramref name="result"/> selected by <paramref name="lanes"/> with scalar Erf.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<float> ErfSlowLanes(Vector512<float> x, Vector512<float> result, Vector512<float> lanes)
    {
        var mask = lanes.ExtractMostSignificantBits();
        for (var j = 0; j < 16; j++)
        {
            if ((mask & (1ul << j)) != 0)
            {
                result = result.WithElement(j, Erf(x.GetElement(j)));
            }
        }

        return result;
    }
}
