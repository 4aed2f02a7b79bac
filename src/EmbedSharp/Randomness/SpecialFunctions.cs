using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EmbedSharp.Randomness;

/// <summary>
/// Float32 error function and its inverse, bit-identical to what PyTorch 1.13 computes on x86-64 Linux:
/// <see cref="Erf(float)"/> is glibc 2.36's <c>erff</c> and <see cref="Erfinv(float)"/> is ATen's
/// <c>calc_erfinv&lt;float&gt;</c> as compiled in the AVX2 build (see shared/parity/FACTS.md, "erfinv details").
/// </summary>
/// <remarks>
/// Every expression is evaluated in float32 one operation at a time, exactly as the C sources are
/// (FLT_EVAL_METHOD 0). A fused multiply-add appears only where the reference build has one: glibc's
/// generic x86-64 <c>erff</c> has none; PyTorch's AVX2 <c>calc_erfinv</c> contracts every Horner step.
/// <c>expf</c>, <c>logf</c> and <c>sqrtf</c> are <see cref="MathF.Exp"/>, <see cref="MathF.Log(float)"/> and
/// <see cref="MathF.Sqrt"/>; on Linux the first two call the C library, so bit-exactness with PyTorch
/// holds where that library is glibc 2.36 (elsewhere results may differ by an ulp).
/// </remarks>
internal static partial class SpecialFunctions
{
    // glibc sysdeps/ieee754/flt-32/s_erff.c (fdlibm, float conversion by Ian Lance Taylor).
    // Each literal rounds (directly, and via double as in C) to the bit pattern in its comment.
    private const float Tiny = 1e-30f;
    private const float Erx = 8.4506291151e-01f; // 0x3f58560b, (float)0.84506291151
    private const float Efx = 1.2837916613e-01f; // 0x3e0375d4, 2/√π − 1

    // erf(x) = x + x·P(x²)/Q(x²) on |x| < 0.84375
    private const float Pp0 = 1.2837916613e-01f; // 0x3e0375d4
    private const float Pp1 = -3.2504209876e-01f; // 0xbea66beb
    private const float Pp2 = -2.8481749818e-02f; // 0xbce9528f
    private const float Pp3 = -5.7702702470e-03f; // 0xbbbd1489
    private const float Pp4 = -2.3763017452e-05f; // 0xb7c756b1
    private const float Qq1 = 3.9791721106e-01f; // 0x3ecbbbce
    private const float Qq2 = 6.5022252500e-02f; // 0x3d852a63
    private const float Qq3 = 5.0813062117e-03f; // 0x3ba68116
    private const float Qq4 = 1.3249473704e-04f; // 0x390aee49
    private const float Qq5 = -3.9602282413e-06f; // 0xb684e21a

    // erf(x) = erx + P(s)/Q(s), s = |x| − 1, on 0.84375 ≤ |x| < 1.25
    private const float Pa0 = -2.3621185683e-03f; // 0xbb1acdc6
    private const float Pa1 = 4.1485610604e-01f; // 0x3ed46805
    private const float Pa2 = -3.7220788002e-01f; // 0xbebe9208
    private const float Pa3 = 3.1834661961e-01f; // 0x3ea2fe54
    private const float Pa4 = -1.1089469492e-01f; // 0xbde31cc2
    private const float Pa5 = 3.5478305072e-02f; // 0x3d1151b3
    private const float Pa6 = -2.1663755178e-03f; // 0xbb0df9c0
    private const float Qa1 = 1.0642088205e-01f; // 0x3dd9f331
    private const float Qa2 = 5.4039794207e-01f; // 0x3f0a5785
    private const float Qa3 = 7.1828655899e-02f; // 0x3d931ae7
    private const float Qa4 = 1.2617121637e-01f; // 0x3e013307
    private const float Qa5 = 1.3637083583e-02f; // 0x3c5f6e13
    private const float Qa6 = 1.1984500103e-02f; // 0x3c445aa3

    // erfc(x)·x = exp(−x² − 0.5625 + R(s)/S(s)), s = 1/x², on 1.25 ≤ |x| < 1/0.35
    private const float Ra0 = -9.8649440333e-03f; // 0xbc21a093
    private const float Ra1 = -6.9385856390e-01f; // 0xbf31a0b7
    private const float Ra2 = -1.0558626175e+01f; // 0xc128f022
    private const float Ra3 = -6.2375331879e+01f; // 0xc2798057
    private const float Ra4 = -1.6239666748e+02f; // 0xc322658c
    private const float Ra5 = -1.8460508728e+02f; // 0xc3389ae7
    private const float Ra6 = -8.1287437439e+01f; // 0xc2a2932b
    private const float Ra7 = -9.8143291473e+00f; // 0xc11d077e
    private const float Sa1 = 1.9651271820e+01f; // 0x419d35ce
    private const float Sa2 = 1.3765776062e+02f; // 0x4309a863
    private const float Sa3 = 4.3456588745e+02f; // 0x43d9486f
    private const float Sa4 = 6.4538726807e+02f; // 0x442158c9
    private const float Sa5 = 4.2900814819e+02f; // 0x43d6810b
    private const float Sa6 = 1.0863500214e+02f; // 0x42d9451f
    private const float Sa7 = 6.5702495575e+00f; // 0x40d23f7c
    private const float Sa8 = -6.0424413532e-02f; // 0xbd777f97

    // the same on 1/0.35 ≤ |x| < 6
    private const float Rb0 = -9.8649431020e-03f; // 0xbc21a092
    private const float Rb1 = -7.9928326607e-01f; // 0xbf4c9dd4
    private const float Rb2 = -1.7757955551e+01f; // 0xc18e104b
    private const float Rb3 = -1.6063638306e+02f; // 0xc320a2ea
    private const float Rb4 = -6.3756646729e+02f; // 0xc41f6441
    private const float Rb5 = -1.0250950928e+03f; // 0xc480230b
    private const float Rb6 = -4.8351919556e+02f; // 0xc3f1c275
    private const float Sb1 = 3.0338060379e+01f; // 0x41f2b459
    private const float Sb2 = 3.2579251099e+02f; // 0x43a2e571
    private const float Sb3 = 1.5367296143e+03f; // 0x44c01759
    private const float Sb4 = 3.1998581543e+03f; // 0x4547fdbb
    private const float Sb5 = 2.5530502930e+03f; // 0x451f90ce
    private const float Sb6 = 4.7452853394e+02f; // 0x43ed43a7
    private const float Sb7 = -2.2440952301e+01f; // 0xc1b38712

    // ATen aten/src/ATen/native/Math.h, calc_erfinv<float> (Pavlis's rational approximation).
    private const float CentralRange = 0.7f;
    private const float A0 = 0.886226899f;
    private const float A1 = -1.645349621f;
    private const float A2 = 0.914624893f;
    private const float A3 = -0.140543331f;
    private const float B0 = -2.118377725f;
    private const float B1 = 1.442710462f;
    private const float B2 = -0.329097515f;
    private const float B3 = 0.012229801f;
    private const float C0 = -1.970840454f;
    private const float C1 = -1.624906493f;
    private const float C2 = 3.429567803f;
    private const float C3 = 1.641345311f;
    private const float D0 = 3.543889200f;
    private const float D1 = 1.637067800f;

    /// <summary>C++'s <c>std::numeric_limits&lt;float&gt;::quiet_NaN()</c>, 0x7fc00000 (<see cref="float.NaN"/> is 0xffc00000).</summary>
    private static readonly float QuietNaN = BitConverter.UInt32BitsToSingle(0x7fc00000);

    /// <summary>
    /// <c>(float)2 / (float)sqrt(π)</c> = 1.1283791f (0x3f906eba), the Newton step's derivative factor as ATen
    /// computes it. Note: one ulp below the correctly rounded 2/√π (1.1283792f, 0x3f906ebb); using that changes
    /// results.
    /// </summary>
    internal const float TwoOverSqrtPi = 1.1283791f;

    /// <summary>
    /// The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt in float32, bit-identical to glibc 2.36's <c>erff</c>
    /// (fdlibm's rational approximations on |x| &lt; 0.84375, &lt; 1.25, &lt; 1/0.35, &lt; 6; ±1 beyond).
    /// </summary>
    /// <param name="x">Any float; NaN gives NaN, ±∞ gives ±1.</param>
    /// <returns>erf(x) rounded as glibc rounds it (within 1 ulp of the true value).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    public static float Erf(float x)
    {
        var hx = BitConverter.SingleToInt32Bits(x);
        var ix = hx & 0x7fffffff;
        if (ix >= 0x7f800000)
        {
            // erf(NaN) = NaN, erf(±∞) = ±1
            var i = (int)(((uint)hx >> 31) << 1);
            return (1 - i) + (1f / x);
        }

        if (ix < 0x3f580000)
        {
            // |x| < 0.84375
            if (ix < 0x31800000)
            {
                // |x| < 2^-28
                if (ix < 0x04000000)
                {
                    // scaled to avoid spurious underflow; 16·efx is exact
                    return 0.0625f * ((16.0f * x) + ((16.0f * Efx) * x));
                }

                return x + (Efx * x);
            }

            var z = x * x;
            // Horner from the innermost bracket out: c0 + z*(c1 + z*(c2 + ...)), no fma
            var r = Pp3 + (z * Pp4);
            r = Pp2 + (z * r);
            r = Pp1 + (z * r);
            r = Pp0 + (z * r);
            var s = Qq4 + (z * Qq5);
            s = Qq3 + (z * s);
            s = Qq2 + (z * s);
            s = Qq1 + (z * s);
            s = 1f + (z * s);
            var y = r / s;
            return x + (x * y);
        }

        if (ix < 0x3fa00000)
        {
            // 0.84375 <= |x| < 1.25
            var s = MathF.Abs(x) - 1f;
            var p = Pa5 + (s * Pa6);
            p = Pa4 + (s * p);
            p = Pa3 + (s * p);
            p = Pa2 + (s * p);
            p = Pa1 + (s * p);
            p = Pa0 + (s * p);
            var q = Qa5 + (s * Qa6);
            q = Qa4 + (s * q);
            q = Qa3 + (s * q);
            q = Qa2 + (s * q);
            q = Qa1 + (s * q);
            q = 1f + (s * q);
            return hx >= 0 ? Erx + (p / q) : -Erx - (p / q);
        }

        if (ix >= 0x40c00000)
        {
            // 6 <= |x| < ∞
            return hx >= 0 ? 1f - Tiny : Tiny - 1f;
        }

        return ErfTail(x, hx, ix);
    }

    /// <summary>erf on 1.25 ≤ |x| &lt; 6: ±(1 − e^(−z²−0.5625)·e^((z−x)(z+x)+R/S)/x), z = x with 12 low bits cleared.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float ErfTail(float x, int hx, int ix)
    {
        x = MathF.Abs(x);
        var s = 1f / (x * x);
        float rr, ss;
        if (ix < 0x4036db6e)
        {
            // |x| < 1/0.35
            rr = Ra6 + (s * Ra7);
            rr = Ra5 + (s * rr);
            rr = Ra4 + (s * rr);
            rr = Ra3 + (s * rr);
            rr = Ra2 + (s * rr);
            rr = Ra1 + (s * rr);
            rr = Ra0 + (s * rr);
            ss = Sa7 + (s * Sa8);
            ss = Sa6 + (s * ss);
            ss = Sa5 + (s * ss);
            ss = Sa4 + (s * ss);
            ss = Sa3 + (s * ss);
            ss = Sa2 + (s * ss);
            ss = Sa1 + (s * ss);
            ss = 1f + (s * ss);
        }
        else
        {
            // |x| >= 1/0.35
            rr = Rb5 + (s * Rb6);
            rr = Rb4 + (s * rr);
            rr = Rb3 + (s * rr);
            rr = Rb2 + (s * rr);
            rr = Rb1 + (s * rr);
            rr = Rb0 + (s * rr);
            ss = Sb6 + (s * Sb7);
            ss = Sb5 + (s * ss);
            ss = Sb4 + (s * ss);
            ss = Sb3 + (s * ss);
            ss = Sb2 + (s * ss);
            ss = Sb1 + (s * ss);
            ss = 1f + (s * ss);
        }

        var z = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(x) & unchecked((int)0xfffff000));
        var r = MathF.Exp((-z * z) - 0.5625f) * MathF.Exp(((z - x) * (z + x)) + (rr / ss));
        return hx >= 0 ? 1f - (r / x) : (r / x) - 1f;
    }

    /// <summary>
    /// The inverse error function in float32, bit-identical to PyTorch 1.13's <c>torch.erfinv</c> (AVX2 build):
    /// x₀ = y·P(y²)/Q(y²) for |y| ≤ 0.7, else sign(y)·C(z)/D(z) with z = √(−ln((1−|y|)/2)) (fma Horner steps),
    /// then twice x ← x − (erf(x) − y) / ((float)2/(float)√π · e^(−x²)).
    /// </summary>
    /// <param name="y">Any float; |y| = 1 gives ±∞, |y| &gt; 1 and NaN give NaN.</param>
    /// <returns>erfinv(y) rounded as PyTorch rounds it.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    public static float Erfinv(float y)
    {
        var ya = MathF.Abs(y);
        if (ya > 1f)
        {
            return QuietNaN;
        }

        if (ya == 1f)
        {
            return MathF.CopySign(float.PositiveInfinity, y);
        }

        float x;
        if (ya <= CentralRange)
        {
            var z = y * y;
            var num = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(A3, z, A2), z, A1), z, A0);
            var dem = MathF.FusedMultiplyAdd(
                MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(B3, z, B2), z, B1), z, B0), z, 1f);
            x = y * num / dem;
        }
        else
        {
            x = ErfinvTailStart(y, ya);
        }

        x -= (Erf(x) - y) / (TwoOverSqrtPi * MathF.Exp(-x * x));
        x -= (Erf(x) - y) / (TwoOverSqrtPi * MathF.Exp(-x * x));
        return x;
    }

    /// <summary>Starting point for 0.7 &lt; |y| &lt; 1 (or NaN): sign(y)·C(z)/D(z), z = √(−ln((1−|y|)/2)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ErfinvTailStart(float y, float ya)
    {
        var z = MathF.Sqrt(-MathF.Log((1f - ya) / 2f));
        var num = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(C3, z, C2), z, C1), z, C0);
        var dem = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(D1, z, D0), z, 1f);
        return MathF.CopySign(num, y) / dem;
    }

    /// <summary>
    /// Element-wise <see cref="Erfinv(float)"/>: destination[i] = erfinv(source[i]), as <c>torch.erfinv</c> /
    /// <c>FloatTensor.erfinv_</c> (used by <c>trunc_normal_</c>). Allocates nothing; the spans may be the same memory.
    /// </summary>
    /// <param name="source">Inputs, normally in [−1, 1].</param>
    /// <param name="destination">Receives the results; at least as long as <paramref name="source"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="source"/>,
    /// or the spans overlap without starting at the same element.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    public static void Erfinv(ReadOnlySpan<float> source, Span<float> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException(
                $"Destination length {destination.Length} is shorter than source length {source.Length}.",
                nameof(destination));
        }

        if (source.Overlaps(destination, out var offset) && offset != 0)
        {
            throw new ArgumentException("Source and destination overlap at different offsets.", nameof(destination));
        }

        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        nint i = 0;
        if (VectorMath.IsVector512Supported)
        {
            // sixteen lanes at a time in staged blocks (AVX-512), bit-identical to the scalar loop
            i = ErfinvBlocked512(source, destination);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            // eight lanes at a time, bit-identical to the scalar loop (see Erfinv(Vector256<float>))
            for (; i <= source.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Erfinv(Vector256.LoadUnsafe(ref src, (nuint)i)).StoreUnsafe(ref dst, (nuint)i);
            }
        }

        for (; i < source.Length; i++)
        {
            Unsafe.Add(ref dst, i) = Erfinv(Unsafe.Add(ref src, i));
        }
    }
}
