namespace EmbedSharp.Randomness;

/// <summary>
/// Double-precision error function and its complement, bit-identical to glibc 2.36 <c>erf</c>/<c>erfc</c> on x86-64
/// (<c>sysdeps/ieee754/dbl-64/s_erf.c</c>: the fdlibm piecewise rational approximations, in glibc's
/// split-polynomial evaluation order, with <c>exp(−z²−0.5625)·exp((z−x)(z+x)+R/S)</c> in the tail).
/// </summary>
/// <remarks>
/// <para>Used by <c>trunc_normal_</c>, whose <c>norm_cdf(x) = (1 + math.erf(x / √2)) / 2</c> runs glibc's <c>erf</c>.</para>
/// <para>FMA finding (glibc 2.36-9+deb12u14, x86-64 with FMA/AVX2): <c>erf</c> and <c>erfc</c> are plain
/// (non-IFUNC) symbols of libm.so.6 built for baseline SSE2, with no <c>vfmadd</c> in their code, so every
/// product and sum here is rounded separately (no contraction; RyuJIT never contracts on its own). Checked
/// empirically: this code matches libm on 3M random inputs, while a copy with a·b+c contracted to FMA differs
/// on about 0.17% (erf) and 0.6% (erfc) of them. Only the
/// <c>__ieee754_exp</c> they call is IFUNC-dispatched (FMA variant on this CPU); it is the same implementation
/// the public <c>exp</c> reaches, which is what <see cref="Math.Exp(double)"/> calls on Linux.</para>
/// </remarks>
internal static class ErfDouble
{
    private const double Tiny = 1e-300;
    private const double Erx = 8.45062911510467529297e-01; // (float)0.84506291151, 0x3FEB0AC160000000
    private const double Efx = 1.28379167095512586316e-01; // 2/√π − 1, 0x3FC06EBA8214DB69

    // erf on [0, 0.84375]: x + x·P(x²)/Q(x²).
    private const double Pp0 = 1.28379167095512558561e-01;
    private const double Pp1 = -3.25042107247001499370e-01;
    private const double Pp2 = -2.84817495755985104766e-02;
    private const double Pp3 = -5.77027029648944159157e-03;
    private const double Pp4 = -2.37630166566501626084e-05;
    private const double Qq1 = 3.97917223959155352819e-01;
    private const double Qq2 = 6.50222499887672944485e-02;
    private const double Qq3 = 5.08130628187576562776e-03;
    private const double Qq4 = 1.32494738004321644526e-04;
    private const double Qq5 = -3.96022827877536812320e-06;

    // erf on [0.84375, 1.25]: erx + P(s)/Q(s), s = |x| − 1.
    private const double Pa0 = -2.36211856075265944077e-03;
    private const double Pa1 = 4.14856118683748331666e-01;
    private const double Pa2 = -3.72207876035701323847e-01;
    private const double Pa3 = 3.18346619901161753674e-01;
    private const double Pa4 = -1.10894694282396677476e-01;
    private const double Pa5 = 3.54783043256182359371e-02;
    private const double Pa6 = -2.16637559486879084300e-03;
    private const double Qa1 = 1.06420880400844228286e-01;
    private const double Qa2 = 5.40397917702171048937e-01;
    private const double Qa3 = 7.18286544141962662868e-02;
    private const double Qa4 = 1.26171219808761642112e-01;
    private const double Qa5 = 1.36370839120290507362e-02;
    private const double Qa6 = 1.19844998467991074170e-02;

    // erfc on [1.25, 1/0.35]: R(1/x²)/S(1/x²).
    private const double Ra0 = -9.86494403484714822705e-03;
    private const double Ra1 = -6.93858572707181764372e-01;
    private const double Ra2 = -1.05586262253232909814e+01;
    private const double Ra3 = -6.23753324503260060396e+01;
    private const double Ra4 = -1.62396669462573470355e+02;
    private const double Ra5 = -1.84605092906711035994e+02;
    private const double Ra6 = -8.12874355063065934246e+01;
    private const double Ra7 = -9.81432934416914548592e+00;
    private const double Sa1 = 1.96512716674392571292e+01;
    private const double Sa2 = 1.37657754143519042600e+02;
    private const double Sa3 = 4.34565877475229228821e+02;
    private const double Sa4 = 6.45387271733267880336e+02;
    private const double Sa5 = 4.29008140027567833386e+02;
    private const double Sa6 = 1.08635005541779435134e+02;
    private const double Sa7 = 6.57024977031928170135e+00;
    private const double Sa8 = -6.04244152148580987438e-02;

    // erfc on [1/0.35, 28].
    private const double Rb0 = -9.86494292470009928597e-03;
    private const double Rb1 = -7.99283237680523006574e-01;
    private const double Rb2 = -1.77579549177547519889e+01;
    private const double Rb3 = -1.60636384855821916062e+02;
    private const double Rb4 = -6.37566443368389627722e+02;
    private const double Rb5 = -1.02509513161107724954e+03;
    private const double Rb6 = -4.83519191608651397019e+02;
    private const double Sb1 = 3.03380607434824582924e+01;
    private const double Sb2 = 3.25792512996573918826e+02;
    private const double Sb3 = 1.53672958608443695994e+03;
    private const double Sb4 = 3.19985821950859553908e+03;
    private const double Sb5 = 2.55305040643316442583e+03;
    private const double Sb6 = 4.74528541206955367215e+02;
    private const double Sb7 = -2.24409524465858183362e+01;

    /// <summary>erf(x) as glibc computes it: rational approximations on |x| &lt; 0.84375, &lt; 1.25, &lt; 1/0.35,
    /// &lt; 6, then ±(1 − tiny); the |x| ≥ 1.25 pieces go through <see cref="TailTimesX"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot in MKL erfinv
    public static double Erf(double x)
    {
        var hx = HighWord(x);
        var ix = hx & 0x7fffffff;
        if (ix >= 0x7ff00000)
        {
            // NaN stays NaN; erf(±inf) = ±1.
            var i = (int)((uint)hx >> 31) << 1;
            return (1 - i) + (1.0 / x);
        }

        if (ix < 0x3feb0000)
        {
            // |x| < 0.84375
            if (ix < 0x3e300000)
            {
                // |x| < 2^-28
                if (ix < 0x00800000)
                {
                    return 0.0625 * ((16.0 * x) + ((16.0 * Efx) * x));
                }

                return x + (Efx * x);
            }

            var y = SmallRatio(x * x);
            return x + (x * y);
        }

        if (ix < 0x3ff40000)
        {
            // 0.84375 <= |x| < 1.25
            var pq = MidRatio(Math.Abs(x) - 1.0);
            return hx >= 0 ? Erx + pq : -Erx - pq;
        }

        if (ix >= 0x40180000)
        {
            // |x| >= 6
            return hx >= 0 ? 1.0 - Tiny : Tiny - 1.0;
        }

        var ax = Math.Abs(x);
        var r = TailTimesX(ax, ix < 0x4006DB6E);
        return hx >= 0 ? 1.0 - (r / ax) : (r / ax) - 1.0;
    }

    /// <summary>erfc(x) = 1 − erf(x) as glibc computes it: same approximations, arranged to keep relative accuracy
    /// for large x (tail to 28, then tiny² or 2 − tiny).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot in MKL erfinv
    public static double Erfc(double x)
    {
        var hx = HighWord(x);
        var ix = hx & 0x7fffffff;
        if (ix >= 0x7ff00000)
        {
            // NaN stays NaN; erfc(+inf) = 0, erfc(-inf) = 2.
            return (double)(((uint)hx >> 31) << 1) + (1.0 / x);
        }

        if (ix < 0x3feb0000)
        {
            // |x| < 0.84375
            if (ix < 0x3c700000)
            {
                // |x| < 2^-56
                return 1.0 - x;
            }

            var y = SmallRatio(x * x);
            if (hx < 0x3fd00000)
            {
                // x < 1/4 (including all negative x)
                return 1.0 - (x + (x * y));
            }

            var r = x * y;
            r += x - 0.5;
            return 0.5 - r;
        }

        if (ix < 0x3ff40000)
        {
            // 0.84375 <= |x| < 1.25
            var pq = MidRatio(Math.Abs(x) - 1.0);
            if (hx >= 0)
            {
                var z = 1.0 - Erx;
                return z - pq;
            }
            else
            {
                var z = Erx + pq;
                return 1.0 + z;
            }
        }

        if (ix < 0x403c0000)
        {
            // |x| < 28
            if (hx < 0 && ix >= 0x40180000)
            {
                // x <= -6
                return 2.0 - Tiny;
            }

            var ax = Math.Abs(x);
            var r = TailTimesX(ax, ix < 0x4006DB6D);
            return hx > 0 ? r / ax : 2.0 - (r / ax);
        }

        return hx > 0 ? Tiny * Tiny : 2.0 - Tiny;
    }

    private static int HighWord(double x) => (int)(BitConverter.DoubleToInt64Bits(x) >> 32);

    /// <summary>P(z)/Q(z) for |x| &lt; 0.84375, z = x², in glibc's split order.</summary>
    private static double SmallRatio(double z)
    {
        var r1 = Pp0 + (z * Pp1);
        var z2 = z * z;
        var r2 = Pp2 + (z * Pp3);
        var z4 = z2 * z2;
        var s1 = 1.0 + (z * Qq1);
        var s2 = Qq2 + (z * Qq3);
        var s3 = Qq4 + (z * Qq5);
        var r = r1 + (z2 * r2) + (z4 * Pp4);
        var s = s1 + (z2 * s2) + (z4 * s3);
        return r / s;
    }

    /// <summary>P1(s)/Q1(s) for 0.84375 ≤ |x| &lt; 1.25, s = |x| − 1, in glibc's split order.</summary>
    private static double MidRatio(double s)
    {
        var p1 = Pa0 + (s * Pa1);
        var s2 = s * s;
        var q1 = 1.0 + (s * Qa1);
        var s4 = s2 * s2;
        var p2 = Pa2 + (s * Pa3);
        var s6 = s4 * s2;
        var q2 = Qa2 + (s * Qa3);
        var p3 = Pa4 + (s * Pa5);
        var q3 = Qa4 + (s * Qa5);
        var p = p1 + (s2 * p2) + (s4 * p3) + (s6 * Pa6);
        var q = q1 + (s2 * q2) + (s4 * q3) + (s6 * Qa6);
        return p / q;
    }

    /// <summary>x·erfc(x) for 1.25 ≤ x &lt; 28: exp(−z² − 0.5625)·exp((z − x)(z + x) + R/S), z = x with the low
    /// 32 bits cleared; <paramref name="nearRange"/> selects the [1.25, 1/0.35) coefficients.</summary>
    private static double TailTimesX(double x, bool nearRange)
    {
        var s = 1.0 / (x * x);
        double bigR, bigS;
        if (nearRange)
        {
            var r1 = Ra0 + (s * Ra1);
            var s2 = s * s;
            var q1 = 1.0 + (s * Sa1);
            var s4 = s2 * s2;
            var r2 = Ra2 + (s * Ra3);
            var s6 = s4 * s2;
            var q2 = Sa2 + (s * Sa3);
            var s8 = s4 * s4;
            var r3 = Ra4 + (s * Ra5);
            var q3 = Sa4 + (s * Sa5);
            var r4 = Ra6 + (s * Ra7);
            var q4 = Sa6 + (s * Sa7);
            bigR = r1 + (s2 * r2) + (s4 * r3) + (s6 * r4);
            bigS = q1 + (s2 * q2) + (s4 * q3) + (s6 * q4) + (s8 * Sa8);
        }
        else
        {
            var r1 = Rb0 + (s * Rb1);
            var s2 = s * s;
            var q1 = 1.0 + (s * Sb1);
            var s4 = s2 * s2;
            var r2 = Rb2 + (s * Rb3);
            var s6 = s4 * s2;
            var q2 = Sb2 + (s * Sb3);
            var r3 = Rb4 + (s * Rb5);
            var q3 = Sb4 + (s * Sb5);
            var q4 = Sb6 + (s * Sb7);
            bigR = r1 + (s2 * r2) + (s4 * r3) + (s6 * Rb6);
            bigS = q1 + (s2 * q2) + (s4 * q3) + (s6 * q4);
        }

        var z = BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(x) & unchecked((long)0xFFFFFFFF00000000UL));
        return Math.Exp((-z * z) - 0.5625) * Math.Exp(((z - x) * (z + x)) + (bigR / bigS));
    }
}
