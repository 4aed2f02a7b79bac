using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

/// <summary>The GELU variant. torch: <c>approximate='none'</c> or <c>'tanh'</c>.</summary>
public enum GeluApproximation
{
    /// <summary>x·Φ(x) with the exact normal CDF Φ(x) = (1 + erf(x/√2)) / 2.</summary>
    None,

    /// <summary>0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    Tanh,
}

/// <summary>Elementwise extras: pow, gelu, silu, sin, cos, and arithmetic with a float scalar. Each is written as
/// PyTorch 1.13's scalar CPU kernel computes it (same operations in the same order, libm functions through
/// <see cref="MathF"/>); torch's vectorised path (blocks of 16 elements, SLEEF functions) may differ from it by about an
/// ulp.</summary>
public static partial class Ops
{
    private const double Sqrt2 = 1.41421356237309504880;       // M_SQRT2
    private const double Sqrt1Over2 = 0.70710678118654752440;  // M_SQRT1_2
    private const double TwoOverSqrtPi = 1.12837916709551257390; // M_2_SQRTPI

    /// <summary>aᵇ elementwise with broadcasting. Shape: broadcast(a, b). torch: <c>torch.pow(a, b)</c>. Backward:
    /// g·b·a^(b−1) (0 where b = 0) and g·aᵇ·ln a (0 where a = 0 and b ≥ 0), each summed back over broadcast
    /// dimensions.</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast; the message names both.</exception>
    public static Variable Pow(Variable a, Variable b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var shape = Broadcast.Shape(a.Shape, b.Shape, "pow");
        var output = Broadcast.Apply<PowOp>(a.Data, b.Data, shape);
        return Tracks(a.RequiresGrad || b.RequiresGrad) ? new Variable(output, new PowNode(a, b, output)) : new Variable(output);
    }

    /// <summary>x^e elementwise, as torch special-cases it: e = 2 is x·x, 3 is x·x·x, 0.5 is √x, −0.5 is 1/√x, −1 is
    /// 1/x, −2 is 1/(x·x), 0 is 1, 1 is x, any other e <c>MathF.Pow</c>. Shape: unchanged. torch: <c>x ** e</c>.
    /// Backward: g·(e·x^(e−1)) with the same special cases (0 for e = 0).</summary>
    public static Variable Pow(Variable a, float exponent) => Elementwise(a, ElementKind.Pow, exponent);

    /// <summary>The Gaussian error linear unit. None: x·0.5·(1 + erf(x/√2)), erf evaluated as PyTorch's AVX2 kernel
    /// does (<see cref="TorchErf(float)"/>, absolute error below 1.5e-7, the source of torch's own GELU error); Tanh: 0.5·x·(1 + tanh(√(2/π)·(x +
    /// 0.044715·x³))). Shape: unchanged. torch: <c>F.gelu(x, approximate)</c>. Backward: None: g·(Φ(x) + x·φ(x)),
    /// φ(x) = e^(−x²/2)/√(2π); Tanh: g·(0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)), t the tanh.</summary>
    public static Variable Gelu(Variable x, GeluApproximation approximate = GeluApproximation.None) =>
        Elementwise(x, approximate == GeluApproximation.Tanh ? ElementKind.GeluTanh : ElementKind.Gelu, 0f);

    /// <summary>x·σ(x) = x / (1 + e⁻ˣ). Shape: unchanged. torch: <c>F.silu(x)</c>. Backward: g·σ·(1 + x·(1 − σ)).</summary>
    public static Variable Silu(Variable x) => Elementwise(x, ElementKind.Silu, 0f);

    /// <summary>sin x elementwise. Shape: unchanged. torch: <c>torch.sin</c>. Backward: g·cos x.</summary>
    public static Variable Sin(Variable x) => Elementwise(x, ElementKind.Sin, 0f);

    /// <summary>cos x elementwise. Shape: unchanged. torch: <c>torch.cos</c>. Backward: g·(−sin x).</summary>
    public static Variable Cos(Variable x) => Elementwise(x, ElementKind.Cos, 0f);

    /// <summary>a + s. Shape: unchanged. torch: <c>a + s</c>. Backward: g.</summary>
    public static Variable Add(Variable a, float scalar) => Elementwise(a, ElementKind.AddScalar, scalar);

    /// <summary>a − s. Shape: unchanged. torch: <c>a - s</c>. Backward: g.</summary>
    public static Variable Sub(Variable a, float scalar) => Elementwise(a, ElementKind.SubScalar, scalar);

    /// <summary>s − a. Shape: unchanged. torch: <c>s - a</c> (<c>torch.rsub</c>). Backward: −g.</summary>
    public static Variable Sub(float scalar, Variable a) => Elementwise(a, ElementKind.RSub, scalar);

    /// <summary>a · s. Shape: unchanged. torch: <c>a * s</c>. Backward: g·s.</summary>
    public static Variable Mul(Variable a, float scalar) => Elementwise(a, ElementKind.MulScalar, scalar);

    /// <summary>a / s (a true division). Shape: unchanged. torch: <c>a / s</c>. Backward: g / s.</summary>
    public static Variable Div(Variable a, float scalar) => Elementwise(a, ElementKind.DivScalar, scalar);

    /// <summary>s / a, computed as torch's <c>__rdiv__</c> does: (1/a)·s. Shape: unchanged. torch: <c>s / a</c>.
    /// Backward: −(g·s)·(r·r) with r = 1/a (torch's reciprocal backward after the multiplication's).</summary>
    public static Variable Div(float scalar, Variable a) => Elementwise(a, ElementKind.RDiv, scalar);

    /// <summary>erf as PyTorch 1.13's AVX2 kernels compute it (<c>Vectorized&lt;float&gt;::erf</c>, which its GELU
    /// uses): Abramowitz–Stegun 7.1.26, erf|x| = 1 − (((((p5·t + p4)·t + p3)·t + p2)·t + p1)·t)·e^(−x²) with
    /// t = 1/(1 + p·|x|), each step a fused multiply-add as there, absolute error below 1.5e-7; the sign of x
    /// restored.</summary>
    internal static float TorchErf(float x) => TorchErf(Vector256.Create(x)).ToScalar();

    /// <summary><see cref="TorchErf(float)"/> on eight lanes: the same fused multiply-adds in the same order as torch's
    /// <c>Vectorized&lt;float&gt;::erf</c>, e^(−x²) by <c>Vector256.Exp</c> (torch: SLEEF's expf; both within an ulp),
    /// the sign of x put back by xor (−r exactly where x is negative, as torch's <c>_mm256_xor_ps</c>). The scalar
    /// form calls this one, so a value's bits do not depend on its lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> TorchErf(Vector256<float> x)
    {
        var abs = Vector256.Abs(x);
        var t = Vector256<float>.One / Vector256.FusedMultiplyAdd(Vector256.Create(0.3275911f), abs, Vector256<float>.One);
        var r = Vector256.FusedMultiplyAdd(Vector256.Create(1.061405429f), t, Vector256.Create(-1.453152027f));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(1.421413741f));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(-0.284496736f));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(0.254829592f));
        var e = -Vector256.Exp(-(x * x));
        var result = Vector256.FusedMultiplyAdd(e * t, r, Vector256<float>.One);
        return result ^ (x & Vector256.Create(-0f));
    }

    // Exact GELU kernels, written with Vector256 by hand (rather than TensorPrimitives calls per step) so one pass
    // computes the whole formula with torch's operation order; the tail is padded into one vector so that every element,
    // wherever it sits, goes through the same lane formula. The tanh form stays the scalar libm loop: TensorPrimitives.Tanh
    // differs from MathF.Tanh by an ulp on about half of all inputs, and near saturation (|x| ≈ 5) an ulp of t moves the
    // derivative's 1 − t² by about 1e-6, outside the parity tolerance.

    /// <summary>y = (x·0.5)·(1 + erf(x·√½)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GeluForward(ReadOnlySpan<float> v, Span<float> y)
    {
        var n = v.Length;
        var full = n - (n % Vector256<float>.Count);
        for (var i = 0; i < full; i += Vector256<float>.Count)
        {
            GeluLanes(Vector256.Create(v.Slice(i, Vector256<float>.Count))).CopyTo(y.Slice(i, Vector256<float>.Count));
        }

        if (full < n)
        {
            Span<float> pad = stackalloc float[Vector256<float>.Count];
            pad.Clear();
            v[full..].CopyTo(pad);
            GeluLanes(Vector256.Create(pad)).CopyTo(pad);
            pad[..(n - full)].CopyTo(y[full..]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> GeluLanes(Vector256<float> v) =>
        (v * 0.5f) * (Vector256<float>.One + TorchErf(v * (float)Sqrt1Over2));

    /// <summary>r = g·(Φ + x·φ), Φ = 0.5·(1 + erf(x·√½)), φ = (1/√(2π))·e^((x·x)·−0.5).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GeluBackward(ReadOnlySpan<float> v, ReadOnlySpan<float> g, Span<float> r)
    {
        var n = v.Length;
        var full = n - (n % Vector256<float>.Count);
        for (var i = 0; i < full; i += Vector256<float>.Count)
        {
            (Vector256.Create(g.Slice(i, Vector256<float>.Count)) * GeluDerivativeLanes(Vector256.Create(v.Slice(i, Vector256<float>.Count)))).CopyTo(r.Slice(i, Vector256<float>.Count));
        }

        if (full < n)
        {
            Span<float> pad = stackalloc float[Vector256<float>.Count];
            pad.Clear();
            v[full..].CopyTo(pad);
            GeluDerivativeLanes(Vector256.Create(pad)).CopyTo(pad);
            for (var i = full; i < n; i++)
            {
                r[i] = g[i] * pad[i - full];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> GeluDerivativeLanes(Vector256<float> v)
    {
        var cdf = Vector256.Create(0.5f) * (Vector256<float>.One + TorchErf(v * (float)Sqrt1Over2));
        var pdf = Vector256.Create((float)(TwoOverSqrtPi * Sqrt1Over2 * 0.5)) * Vector256.Exp((v * v) * -0.5f);
        return cdf + (v * pdf);
    }

    /// <summary>x^e with torch's special cases (pow_tensor_scalar).</summary>
    private static float PowScalar(float x, float e) => e switch
    {
        0f => 1f,
        1f => x,
        2f => x * x,
        3f => x * x * x,
        0.5f => MathF.Sqrt(x),
        -0.5f => 1f / MathF.Sqrt(x),
        -1f => 1f / x,
        -2f => 1f / (x * x),
        _ => MathF.Pow(x, e),
    };

    private static Variable Elementwise(Variable x, ElementKind kind, float p)
    {
        ArgumentNullException.ThrowIfNull(x);
        var output = new FloatTensor(x.Shape);
        ReadOnlySpan<float> v = x.Data.AsSpan();
        var y = output.AsSpan();
        switch (kind)
        {
            case ElementKind.AddScalar:
                TensorPrimitives.Add(v, p, y);
                break;
            case ElementKind.SubScalar:
                TensorPrimitives.Subtract(v, p, y);
                break;
            case ElementKind.MulScalar:
                TensorPrimitives.Multiply(v, p, y);
                break;
            case ElementKind.DivScalar:
                TensorPrimitives.Divide(v, p, y);
                break;
            case ElementKind.RSub:
                TensorPrimitives.Subtract(p, v, y);
                break;
            case ElementKind.RDiv:
                for (var i = 0; i < y.Length; i++)
                {
                    y[i] = (1f / v[i]) * p;
                }

                break;
            case ElementKind.Pow:
                for (var i = 0; i < y.Length; i++)
                {
                    y[i] = PowScalar(v[i], p);
                }

                break;
            case ElementKind.Gelu:
                GeluForward(v, y);
                break;
            case ElementKind.GeluTanh:
                var beta = (float)(Sqrt2 * TwoOverSqrtPi * 0.5);
                var kappa = 0.044715f;
                for (var i = 0; i < y.Length; i++)
                {
                    var cube = v[i] * v[i] * v[i];
                    var inner = beta * (v[i] + (kappa * cube));
                    y[i] = 0.5f * v[i] * (1f + MathF.Tanh(inner));
                }

                break;
            case ElementKind.Silu:
                for (var i = 0; i < y.Length; i++)
                {
                    y[i] = v[i] / (1f + MathF.Exp(-v[i]));
                }

                break;
            case ElementKind.Sin:
                for (var i = 0; i < y.Length; i++)
                {
                    y[i] = MathF.Sin(v[i]);
                }

                break;
            default:
                for (var i = 0; i < y.Length; i++)
                {
                    y[i] = MathF.Cos(v[i]);
                }

                break;
        }

        return Tracks(x.RequiresGrad) ? new Variable(output, new ElementNode(x, kind, p)) : new Variable(output);
    }

    private enum ElementKind
    {
        AddScalar,
        SubScalar,
        MulScalar,
        DivScalar,
        RSub,
        RDiv,
        Pow,
        Gelu,
        GeluTanh,
        Silu,
        Sin,
        Cos,
    }

    private sealed class ElementNode(Variable x, ElementKind kind, float p) : Node(x)
    {
        private FloatTensor? _x = x.Data;

        public override string Name => kind switch
        {
            ElementKind.AddScalar => "AddBackward0",
            ElementKind.SubScalar => "SubBackward0",
            ElementKind.MulScalar => "MulBackward0",
            ElementKind.DivScalar => "DivBackward0",
            ElementKind.RSub => "RsubBackward1",
            ElementKind.RDiv => "MulBackward0",
            ElementKind.Pow => "PowBackward0",
            ElementKind.Gelu or ElementKind.GeluTanh => "GeluBackward0",
            ElementKind.Silu => "SiluBackward0",
            ElementKind.Sin => "SinBackward0",
            _ => "CosBackward0",
        };

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            if (kind is ElementKind.AddScalar or ElementKind.SubScalar)
            {
                gradInputs[0] = gradOutput; // the same tensor: nothing writes into it
                return;
            }

            ReadOnlySpan<float> v = (_x ?? throw new InvalidOperationException($"{Name}: saved tensors were released.")).AsSpan();
            ReadOnlySpan<float> g = gradOutput.AsSpan();
            var result = NewGradient(gradOutput.Shape);
            var r = result.AsSpan();
            switch (kind)
            {
                case ElementKind.MulScalar:
                    TensorPrimitives.Multiply(g, p, r);
                    break;
                case ElementKind.DivScalar:
                    TensorPrimitives.Divide(g, p, r);
                    break;
                case ElementKind.RSub:
                    TensorPrimitives.Negate(g, r);
                    break;
                case ElementKind.RDiv:
                    for (var i = 0; i < r.Length; i++)
                    {
                        var reciprocal = 1f / v[i];
                        r[i] = -(g[i] * p) * (reciprocal * reciprocal);
                    }

                    break;
                case ElementKind.Pow:
                    if (p == 0f)
                    {
                        break; // torch: zeros
                    }

                    var e1 = (float)((double)p - 1);
                    for (var i = 0; i < r.Length; i++)
                    {
                        r[i] = g[i] * (PowScalar(v[i], e1) * p);
                    }

                    break;
                case ElementKind.Gelu:
                    GeluBackward(v, g, r);
                    break;
                case ElementKind.GeluTanh:
                    var kBeta = (float)(Sqrt2 * TwoOverSqrtPi * 0.5);
                    var kappa = 0.044715f;
                    for (var i = 0; i < r.Length; i++)
                    {
                        var x2 = v[i] * v[i];
                        var cube = x2 * v[i];
                        var t = MathF.Tanh(kBeta * (v[i] + (kappa * cube)));
                        var left = 0.5f * v[i];
                        var right = 1f + t;
                        var leftDerivative = 0.5f * right;
                        var tanhDerivative = 1f - (t * t);
                        var innerDerivative = kBeta * (1f + (3f * kappa * x2));
                        var rightDerivative = left * tanhDerivative * innerDerivative;
                        r[i] = g[i] * (leftDerivative + rightDerivative);
                    }

                    break;
                case ElementKind.Silu:
                    for (var i = 0; i < r.Length; i++)
                    {
                        var sigmoid = 1f / (1f + MathF.Exp(-v[i]));
                        r[i] = g[i] * sigmoid * (1f + (v[i] * (1f - sigmoid)));
                    }

                    break;
                case ElementKind.Sin:
                    for (var i = 0; i < r.Length; i++)
                    {
                        r[i] = g[i] * MathF.Cos(v[i]);
                    }

                    break;
                default:
                    for (var i = 0; i < r.Length; i++)
                    {
                        r[i] = g[i] * -MathF.Sin(v[i]);
                    }

                    break;
            }

            gradInputs[0] = result;
        }

        private protected override void ReleaseSaved() => _x = null;
    }

    private sealed class PowNode(Variable a, Variable b, FloatTensor y) : Node(a, b)
    {
        private FloatTensor? _a = a.Data;
        private FloatTensor? _b = b.Data;
        private FloatTensor? _y = y;

        public override string Name => "PowBackward1";

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var x = _a ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            var e = _b!;
            long[] shape = [.. gradOutput.Shape];
            var sa = Broadcast.Strides(x.Shape, shape);
            var sb = Broadcast.Strides(e.Shape, shape);
            ReadOnlySpan<float> av = x.AsSpan(), bv = e.AsSpan(), yv = _y!.AsSpan(), g = gradOutput.AsSpan();
            var needA = Inputs[0].RequiresGrad;
            var needB = Inputs[1].RequiresGrad;
            var ga = needA ? new FloatTensor(shape) : null;
            var gb = needB ? new FloatTensor(shape) : null;
            var gaSpan = ga is null ? [] : ga.AsSpan();
            var gbSpan = gb is null ? [] : gb.AsSpan();
            var index = new long[shape.Length];
            long ia = 0, ib = 0;
            for (var n = 0; n < g.Length; n++)
            {
                float xa = av[(int)ia], xb = bv[(int)ib];
                if (needA)
                {
                    gaSpan[n] = xb == 0 ? 0f : g[n] * (xb * MathF.Pow(xa, xb - 1f));
                }

                if (needB)
                {
                    gbSpan[n] = g[n] * (xa == 0 && xb >= 0 ? 0f : yv[n] * MathF.Log(xa));
                }

                for (var d = shape.Length - 1; d >= 0; d--)
                {
                    ia += sa[d];
                    ib += sb[d];
                    if (++index[d] < shape[d])
                    {
                        break;
                    }

                    ia -= sa[d] * shape[d];
                    ib -= sb[d] * shape[d];
                    index[d] = 0;
                }
            }

            gradInputs[0] = ga is null ? null : Broadcast.SumTo(ga, x.Shape);
            gradInputs[1] = gb is null ? null : Broadcast.SumTo(gb, e.Shape);
        }

        private protected override void ReleaseSaved()
        {
            _a = null;
            _b = null;
            _y = null;
        }
    }

    private readonly struct PowOp : Broadcast.IBinary
    {
        public float One(float x, float y) => MathF.Pow(x, y);

        public void Flat(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
        {
            for (var i = 0; i < destination.Length; i++)
            {
                destination[i] = MathF.Pow(x[i], y[i]);
            }
        }
    }
}
