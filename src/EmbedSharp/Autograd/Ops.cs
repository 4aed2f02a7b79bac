using System.Numerics.Tensors;
using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

/// <summary>
/// Differentiable operations on <see cref="Variable"/>s. Each records a node (unless <see cref="Grad.Disable"/> is in
/// effect or no input requires a gradient) whose backward kernel is written beside the forward. Elementwise
/// operations broadcast as NumPy/PyTorch do. See docs/autograd.md.
/// </summary>
public static partial class Ops
{
    /// <summary>a + b with broadcasting. torch: <c>torch.add</c>. Backward: each input gets the gradient summed over the
    /// dimensions it was stretched along.</summary>
    public static Variable Add(Variable a, Variable b) => Binary<AddOp>(a, b, "add", static (_, _, g) => (g, g));

    /// <summary>a − b with broadcasting. torch: <c>torch.sub</c>. Backward: g, −g.</summary>
    public static Variable Sub(Variable a, Variable b) => Binary<SubOp>(a, b, "sub", static (_, _, g) => (g, Negate(g)));

    /// <summary>a · b elementwise with broadcasting. torch: <c>torch.mul</c>. Backward: g·b, g·a.</summary>
    public static Variable Mul(Variable a, Variable b) => Binary<MulOp>(a, b, "mul", static (x, y, g) =>
        (Broadcast.Apply<MulOp>(g, y, [.. g.Shape], gradient: true), Broadcast.Apply<MulOp>(g, x, [.. g.Shape], gradient: true)));

    /// <summary>a / b elementwise with broadcasting. torch: <c>torch.div</c>. Backward: g / b, −g·a / b².</summary>
    public static Variable Div(Variable a, Variable b) => Binary<DivOp>(a, b, "div", static (x, y, g) =>
    {
        var ga = Broadcast.Apply<DivOp>(g, y, [.. g.Shape], gradient: true);
        var gb = Negate(Broadcast.Apply<DivOp>(Broadcast.Apply<MulOp>(ga, x, [.. g.Shape]), y, [.. g.Shape]));
        return (ga, gb);
    });

    /// <summary>The sum of all elements, a 0-dimensional result. torch: <c>torch.sum</c>, in its CPU summation order
    /// (<see cref="Sum(Variable, int[], bool)"/> over every dimension); backward: g broadcast to the input's shape.</summary>
    public static Variable Sum(Variable x) => Sum(x, [], keepDim: false);

    /// <summary>The mean of all elements: torch.sum's order, then divided by n. torch: <c>torch.mean</c>. Backward: g / n
    /// broadcast to the input's shape.</summary>
    public static Variable Mean(Variable x) => Mean(x, [], keepDim: false);

    /// <summary>−x. torch: <c>torch.neg</c>. Backward: −g. Exact.</summary>
    public static Variable Neg(Variable x) => Unary(x, UnaryKind.Neg);

    /// <summary>eˣ elementwise (<c>TensorPrimitives.Exp</c>; within 1 ulp of torch's). torch: <c>torch.exp</c>.
    /// Backward: g·y.</summary>
    public static Variable Exp(Variable x) => Unary(x, UnaryKind.Exp);

    /// <summary>ln x elementwise. torch: <c>torch.log</c>. Backward: g / x.</summary>
    public static Variable Log(Variable x) => Unary(x, UnaryKind.Log);

    /// <summary>√x elementwise (correctly rounded, as torch's). torch: <c>torch.sqrt</c>. Backward: g / (2y).</summary>
    public static Variable Sqrt(Variable x) => Unary(x, UnaryKind.Sqrt);

    /// <summary>tanh x elementwise. torch: <c>torch.tanh</c>. Backward: g·(1 − y²).</summary>
    public static Variable Tanh(Variable x) => Unary(x, UnaryKind.Tanh);

    /// <summary>1 / (1 + e⁻ˣ) elementwise. torch: <c>torch.sigmoid</c>. Backward: g·(1 − y)·y.</summary>
    public static Variable Sigmoid(Variable x) => Unary(x, UnaryKind.Sigmoid);

    /// <summary>max(x, 0) elementwise (relu(−0) is −0, as torch's). torch: <c>torch.relu</c>. Backward: g where y &gt; 0,
    /// else 0 (so relu'(0) = 0).</summary>
    public static Variable Relu(Variable x) => Unary(x, UnaryKind.Relu);

    /// <summary>c (m, n) = op(a) · op(b), op(a) of shape (m, k), op(b) of shape (k, n), row-major storage of a as
    /// (m, k) or, transposed, (k, m), and of b as (k, n) or (n, k); each element summed over k in order from 0 without
    /// fused multiply-add (.NET does not contract <c>s += x * y</c> into an FMA).</summary>
    internal static void MatMulKernel(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool transA, bool transB)
    {
        // Gemm's exact mode keeps this order (products rounded, then added from +0 in k order) and is bit-identical to
        // the plain triple loop for every size, both paths and any thread count (tests/EmbedSharp.Tests/Numerics/GemmTests.cs).
        Gemm.Multiply(MatMulPrecision.Mode, transA, transB, m, n, k, 1f, a, Math.Max(1, transA ? m : k), b,
            Math.Max(1, transB ? k : n), 0f, c, Math.Max(1, n));
    }

    private static Variable Unary(Variable x, UnaryKind kind)
    {
        ArgumentNullException.ThrowIfNull(x);
        var output = new FloatTensor(x.Shape);
        ReadOnlySpan<float> v = x.Data.AsSpan();
        var y = output.AsSpan();
        switch (kind)
        {
            case UnaryKind.Neg:
                TensorPrimitives.Negate(v, y);
                break;
            case UnaryKind.Exp:
                TensorPrimitives.Exp(v, y);
                break;
            case UnaryKind.Log:
                TensorPrimitives.Log(v, y);
                break;
            case UnaryKind.Sqrt:
                TensorPrimitives.Sqrt(v, y);
                break;
            case UnaryKind.Tanh:
                TensorPrimitives.Tanh(v, y);
                break;
            case UnaryKind.Sigmoid:
                TensorPrimitives.Sigmoid(v, y);
                break;
            default:
                for (var i = 0; i < v.Length; i++)
                {
                    y[i] = v[i] > 0 || v[i] == 0 || float.IsNaN(v[i]) ? v[i] : 0f; // ±0 and NaN pass through, as torch's clamp_min
                }

                break;
        }

        return Tracks(x.RequiresGrad) ? new Variable(output, new UnaryNode(x, output, kind)) : new Variable(output);
    }

    private static Variable Binary<TOp>(Variable a, Variable b, string name, Func<FloatTensor, FloatTensor, FloatTensor, (FloatTensor A, FloatTensor B)> backward)
        where TOp : struct, Broadcast.IBinary
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var shape = Broadcast.Shape(a.Shape, b.Shape, name);
        var output = Broadcast.Apply<TOp>(a.Data, b.Data, shape);
        return Tracks(a.RequiresGrad || b.RequiresGrad) ? new Variable(output, new BinaryNode(name, a, b, backward)) : new Variable(output);
    }

    /// <summary>Whether a result is recorded: some input requires a gradient and no no-grad scope is open. (The node
    /// is made only then, without a closure: no allocation beyond the output in no-grad evaluation.)</summary>
    internal static bool Tracks(bool requiresGrad) => requiresGrad && Grad.IsEnabled;

    private static FloatTensor Negate(FloatTensor g)
    {
        var n = GradientBuffers.Rent(g.Shape, zeroed: false);
        TensorPrimitives.Negate(g.AsSpan(), n.AsSpan());
        return n;
    }

    private static string Backward0(string op) => char.ToUpperInvariant(op[0]) + op[1..] + "Backward0";

    private sealed class BinaryNode(string op, Variable a, Variable b, Func<FloatTensor, FloatTensor, FloatTensor, (FloatTensor A, FloatTensor B)> backward) : Node(a, b)
    {
        private FloatTensor? _a = a.Data;
        private FloatTensor? _b = b.Data;

        public override string Name { get; } = Backward0(op);

        // add and sub never read their inputs' values; mul reads both; div reads both (a for b's gradient).
        private protected override bool ReadsInput(int index) => op is not ("add" or "sub");

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            // The inputs' values are read as saved: broadcast them against the output's gradient.
            var x = _a ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            var y = _b ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            var (ga, gb) = backward(x, y, gradOutput);
            gradInputs[0] = Inputs[0].RequiresGrad ? Broadcast.SumTo(ga, x.Shape) : null;
            gradInputs[1] = Inputs[1].RequiresGrad ? Broadcast.SumTo(gb, y.Shape) : null;

            // Storage made here and not returned (summed down, or for an input without a gradient) goes back now.
            if (!ReferenceEquals(gradInputs[0], ga) && !ReferenceEquals(gradInputs[1], ga))
            {
                GradientBuffers.DropIfUnheld(ga);
            }

            if (!ReferenceEquals(gb, ga) && !ReferenceEquals(gradInputs[0], gb) && !ReferenceEquals(gradInputs[1], gb))
            {
                GradientBuffers.DropIfUnheld(gb);
            }
        }

        private protected override void ReleaseSaved()
        {
            _a = null;
            _b = null;
        }
    }

    private enum UnaryKind
    {
        Neg,
        Exp,
        Log,
        Sqrt,
        Tanh,
        Sigmoid,
        Relu,
    }

    private sealed class UnaryNode(Variable x, FloatTensor y, UnaryKind kind) : Node(x)
    {
        private FloatTensor? _x = x.Data;
        private FloatTensor? _y = y;

        public override string Name => kind switch
        {
            UnaryKind.Neg => "NegBackward0",
            UnaryKind.Exp => "ExpBackward0",
            UnaryKind.Log => "LogBackward0",
            UnaryKind.Sqrt => "SqrtBackward0",
            UnaryKind.Tanh => "TanhBackward0",
            UnaryKind.Sigmoid => "SigmoidBackward0",
            _ => "ReluBackward0",
        };

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            ReadOnlySpan<float> x = (_x ?? throw new InvalidOperationException($"{Name}: saved tensors were released.")).AsSpan();
            ReadOnlySpan<float> y = _y!.AsSpan();
            ReadOnlySpan<float> g = gradOutput.AsSpan();
            var result = NewGradient(gradOutput.Shape);
            var r = result.AsSpan();
            switch (kind) // one loop per kind: no dispatch per element
            {
                case UnaryKind.Neg:
                    TensorPrimitives.Negate(g, r);
                    break;
                case UnaryKind.Exp:
                    TensorPrimitives.Multiply(g, y, r);
                    break;
                case UnaryKind.Log:
                    TensorPrimitives.Divide(g, x, r);
                    break;
                case UnaryKind.Sqrt:
                    for (var i = 0; i < r.Length; i++)
                    {
                        r[i] = g[i] / (2f * y[i]);
                    }

                    break;
                case UnaryKind.Tanh:
                    for (var i = 0; i < r.Length; i++)
                    {
                        r[i] = g[i] * (1f - (y[i] * y[i]));
                    }

                    break;
                case UnaryKind.Sigmoid:
                    for (var i = 0; i < r.Length; i++)
                    {
                        r[i] = g[i] * (1f - y[i]) * y[i];
                    }

                    break;
                default:
                    for (var i = 0; i < r.Length; i++)
                    {
                        r[i] = y[i] > 0 ? g[i] : 0f;
                    }

                    break;
            }

            gradInputs[0] = result;
        }

        private protected override void ReleaseSaved()
        {
            _x = null;
            _y = null;
        }
    }

    private readonly struct AddOp : Broadcast.IBinary
    {
        public float One(float x, float y) => x + y;

        public void Flat(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => TensorPrimitives.Add(x, y, destination);
    }

    private readonly struct SubOp : Broadcast.IBinary
    {
        public float One(float x, float y) => x - y;

        public void Flat(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => TensorPrimitives.Subtract(x, y, destination);
    }

    private readonly struct MulOp : Broadcast.IBinary
    {
        public float One(float x, float y) => x * y;

        public void Flat(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => TensorPrimitives.Multiply(x, y, destination);
    }

    private readonly struct DivOp : Broadcast.IBinary
    {
        public float One(float x, float y) => x / y;

        public void Flat(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => TensorPrimitives.Divide(x, y, destination);
    }
}
