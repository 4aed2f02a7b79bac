using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EmbedSharp.Randomness;

/// <summary>
/// PyTorch's vectorised Box–Muller for float32 (<c>normal_fill_16_AVX2</c> in
/// <c>aten/src/ATen/native/cpu/DistributionKernels.cpp</c>) with the Cephes-style <c>log256_ps</c> and
/// <c>sincos256_ps</c> of <c>avx_mathfun.h</c>, reproduced operation by operation, with a fused multiply-add
/// exactly where GCC contracts one in PyTorch's AVX2 build (see shared/parity/FACTS.md §3.3).
/// </summary>
/// <remarks>Written with the portable <see cref="Vector256"/> API, so it gives the same bits on machines
/// without AVX2 (the JIT then emulates the lanes and <c>Vector256.FusedMultiplyAdd</c> stays fused).</remarks>
internal static class NormalKernel
{
    private const float TwoPi = 6.2831855f; // (float)(2π), 0x40C90FDB
    private const float SqrtHalf = 0.707106781186547524f;
    private const float LogQ1 = -2.12194440e-4f;
    private const float LogQ2 = 0.693359375f;
    private const float FourOverPi = 1.27323954473516f;
    private const float Dp1 = -0.78515625f;
    private const float Dp2 = -2.4187564849853515625e-4f;
    private const float Dp3 = -3.77489497744594108e-8f;

    /// <summary>Transforms <paramref name="data"/> (a multiple of 16 uniforms in [0, 1)) in place, block by block:
    /// for lanes j &lt; 8 of each block, u1 = 1 − d[j], u2 = d[8+j]; r = √(−2·log u1), θ = 2π·u2;
    /// d[j] = fma(r·cos θ, std, mean), d[8+j] = fma(r·sin θ, std, mean).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    public static void TransformBlocks(Span<float> data, float mean, float std)
    {
        var meanV = Vector256.Create(mean);
        var stdV = Vector256.Create(std);
        for (var i = 0; i + 16 <= data.Length; i += 16)
        {
            var block = data.Slice(i, 16);
            var u1 = Vector256<float>.One - Vector256.Create<float>(block);
            var u2 = Vector256.Create<float>(block[8..]);
            var radius = Vector256.Sqrt(Vector256.Create(-2.0f) * Log(u1));
            var theta = Vector256.Create(TwoPi) * u2;
            SinCos(theta, out var sin, out var cos);
            Vector256.FusedMultiplyAdd(radius * cos, stdV, meanV).CopyTo(block);
            Vector256.FusedMultiplyAdd(radius * sin, stdV, meanV).CopyTo(block[8..]);
        }
    }

    /// <summary>Natural log of 8 positive floats, Cephes polynomial as in avx_mathfun's <c>log256_ps</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Log(Vector256<float> x)
    {
        var one = Vector256<float>.One;
        var invalid = Vector256.LessThanOrEqual(x, Vector256<float>.Zero);
        x = Vector256.Max(x, Vector256.Create(0x00800000u).AsSingle()); // cut off denormals
        var bits = x.AsUInt32();
        var exponent = (bits >> 23).AsInt32() - Vector256.Create(0x7F);
        x = ((bits & Vector256.Create(~0x7F800000u)) | Vector256.Create(0.5f).AsUInt32()).AsSingle();
        var e = Vector256.ConvertToSingle(exponent) + one;
        var mask = Vector256.LessThan(x, Vector256.Create(SqrtHalf));
        var tmp = x & mask;
        x -= one;
        e -= one & mask;
        x += tmp;
        var z = x * x;
        var y = Vector256.Create(7.0376836292E-2f);
        y = Vector256.FusedMultiplyAdd(y, x, Vector256.Create(-1.1514610310E-1f));
        y = Vector256.FusedMultiplyAdd(y, x, Vector256.Create(1.1676998740E-1f));
        y = Vector256.FusedMultiplyAdd(y, x, Vector256.Create(-1.2420140846E-1f));
        y = Vector256.FusedMultiplyAdd(y, x, Vector256.Create(1.4249322787E-1f));
        y = Vector256.FusedMultiplyAdd(y, x, Vector256.Create(-1.6668057665E-1f));
        y = Vector256.FusedMultiplyAdd(y, x, Vector256.Create(2.0000714765E-1f));
        y = Vector256.FusedMultiplyAdd(y, x, Vector256.Create(-2.4999993993E-1f));
        y = Vector256.FusedMultiplyAdd(y, x, Vector256.Create(3.3333331174E-1f));
        y *= x;
        y = Vector256.FusedMultiplyAdd(y, z, e * Vector256.Create(LogQ1));
        y -= z * Vector256.Create(0.5f);
        x += y;
        x += e * Vector256.Create(LogQ2);
        return x | invalid; // a non-positive argument gives NaN
    }

    /// <summary>Sine and cosine of 8 floats, Cephes polynomials as in avx_mathfun's <c>sincos256_ps</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SinCos(Vector256<float> x, out Vector256<float> sin, out Vector256<float> cos)
    {
        var signMask = Vector256.Create(0x80000000u);
        var signSin = x.AsUInt32() & signMask;
        x = Vector256.Abs(x);
        var j = Vector256.ConvertToInt32(x * Vector256.Create(FourOverPi)); // truncation
        j = (j + Vector256<int>.One) & Vector256.Create(~1);
        var y = Vector256.ConvertToSingle(j);
        var swapSin = ((j & Vector256.Create(4)) << 29).AsUInt32();
        var polyMask = Vector256.Equals(j & Vector256.Create(2), Vector256<int>.Zero).AsSingle();
        x = Vector256.FusedMultiplyAdd(y, Vector256.Create(Dp1), x);
        x = Vector256.FusedMultiplyAdd(y, Vector256.Create(Dp2), x);
        x = Vector256.FusedMultiplyAdd(y, Vector256.Create(Dp3), x);
        var signCos = ((~(j - Vector256.Create(2)) & Vector256.Create(4)) << 29).AsUInt32();
        signSin ^= swapSin;
        var z = x * x;

        var yc = Vector256.Create(2.443315711809948E-005f);
        yc = Vector256.FusedMultiplyAdd(yc, z, Vector256.Create(-1.388731625493765E-003f));
        yc = Vector256.FusedMultiplyAdd(yc, z, Vector256.Create(4.166664568298827E-002f));
        yc *= z;
        yc = Vector256.FusedMultiplyAdd(yc, z, -(z * Vector256.Create(0.5f)));
        yc += Vector256<float>.One;

        var ys = Vector256.Create(-1.9515295891E-4f);
        ys = Vector256.FusedMultiplyAdd(ys, z, Vector256.Create(8.3321608736E-3f));
        ys = Vector256.FusedMultiplyAdd(ys, z, Vector256.Create(-1.6666654611E-1f));
        ys *= z;
        ys = Vector256.FusedMultiplyAdd(ys, x, x);

        var s = Vector256.ConditionalSelect(polyMask, ys, yc);
        var c = Vector256.ConditionalSelect(polyMask, yc, ys);
        sin = (s.AsUInt32() ^ signSin).AsSingle();
        cos = (c.AsUInt32() ^ signCos).AsSingle();
    }
}
