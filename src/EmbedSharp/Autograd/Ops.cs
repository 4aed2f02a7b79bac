using System.Numerics.Tensors;
using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

/// <summary>
/// Differentiable operations on <see cref="Variable"/>s. Each records a node (unless <see cref="Grad.Disable"/> is in
/// effect or no input requires a gradient) whose backward kernel is written beside the forward. Elementwise
/// operations broadcast as NumPy/PyTorch do. See docs/autograd.md.
/// </summary>
public static class Ops
{
    /// <summary>a + b with broadcasting. torch: <c>torch.add</c>. Backward: each input gets the gradient summed over the
    /// dimensions it was stretched along.</summary>
    public static Variable Add(Variable a, Variable b) => Binary<AddOp>(a, b, "add", static (_, _, g) => (g, g));

    /// <summary>a − b with broadcasting. torch: <c>torch.sub</c>. Backward: g, −g.</summary>
    public static Variable Sub(Variable a, Variable b) => Binary<SubOp>(a, b, "sub", static (_, _, g) => (g, Negate(g)));

    /// <summary>a · b elementwise with broadcasting. torch: <c>torch.mul</c>. Backward: g·b, g·a.</summary>
    public static Variable Mul(Variable a, Variable b) => Binary<MulOp>(a, b, "mul", static (x, y, g) =>
        (Broadcast.Apply<MulOp>(g, y, [.. g.Shape]), Broadcast.Apply<MulOp>(g, x, [.. g.Shape])));

    /// <summary>a / b elementwise with broadcasting. torch: <c>torch.div</c>. Backward: g / b, −g·a / b².</summary>
    public static Variable Div(Variable a, Variable b) => Binary<DivOp>(a, b, "div", static (x, y, g) =>
    {
        var ga = Broadcast.Apply<DivOp>(g, y, [.. g.Shape]);
        var gb = Negate(Broadcast.Apply<DivOp>(Broadcast.Apply<MulOp>(ga, x, [.. g.Shape]), y, [.. g.Shape]));
        return (ga, gb);
    });

    /// <summary>The sum of all elements, a single-element result. torch: <c>torch.sum</c>. The float sum is taken in
    /// flat order with <c>TensorPrimitives.Sum</c>; backward: g broadcast to the input's shape.</summary>
    public static Variable Sum(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var output = new FloatTensor(ReadOnlySpan<long>.Empty);
        output.AsSpan()[0] = TensorPrimitives.Sum<float>(x.Data.AsSpan());
        return Record(output, x.RequiresGrad, () => new SumNode(x, 1f));
    }

    /// <summary>The mean of all elements. torch: <c>torch.mean</c>. Backward: g / n broadcast to the input's shape.</summary>
    public static Variable Mean(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var n = x.Data.Length;
        var output = new FloatTensor(ReadOnlySpan<long>.Empty);
        output.AsSpan()[0] = TensorPrimitives.Sum<float>(x.Data.AsSpan()) / n;
        return Record(output, x.RequiresGrad, () => new SumNode(x, 1f / n));
    }

    private static Variable Binary<TOp>(Variable a, Variable b, string name, Func<FloatTensor, FloatTensor, FloatTensor, (FloatTensor A, FloatTensor B)> backward)
        where TOp : struct, Broadcast.IBinary
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var shape = Broadcast.Shape(a.Shape, b.Shape, name);
        var output = Broadcast.Apply<TOp>(a.Data, b.Data, shape);
        return Record(output, a.RequiresGrad || b.RequiresGrad, () => new BinaryNode(name, a, b, backward));
    }

    private static Variable Record(FloatTensor output, bool requiresGrad, Func<Node> node) =>
        requiresGrad && Grad.IsEnabled ? new Variable(output, node()) : new Variable(output);

    private static FloatTensor Negate(FloatTensor g)
    {
        var n = new FloatTensor(g.Shape);
        TensorPrimitives.Negate(g.AsSpan(), n.AsSpan());
        return n;
    }

    private static string Backward0(string op) => char.ToUpperInvariant(op[0]) + op[1..] + "Backward0";

    private sealed class BinaryNode(string op, Variable a, Variable b, Func<FloatTensor, FloatTensor, FloatTensor, (FloatTensor A, FloatTensor B)> backward) : Node(a, b)
    {
        private FloatTensor? _a = a.Data;
        private FloatTensor? _b = b.Data;

        public override string Name { get; } = Backward0(op);

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            // The inputs' values are read as saved: broadcast them against the output's gradient.
            var x = _a ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            var y = _b ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            var (ga, gb) = backward(x, y, gradOutput);
            gradInputs[0] = Inputs[0].RequiresGrad ? Broadcast.SumTo(ga, x.Shape) : null;
            gradInputs[1] = Inputs[1].RequiresGrad ? Broadcast.SumTo(gb, y.Shape) : null;
        }

        private protected override void ReleaseSaved()
        {
            _a = null;
            _b = null;
        }
    }

    private sealed class SumNode(Variable x, float scale) : Node(x)
    {
        private readonly long[] _shape = [.. x.Shape];

        public override string Name => scale == 1f ? "SumBackward0" : "MeanBackward0";

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var g = new FloatTensor(_shape);
            g.Fill(gradOutput.AsSpan()[0] * scale);
            gradInputs[0] = g;
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
