using EmbedSharp.Autograd;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;

namespace EmbedSharp.Nn;

/// <summary>Base of the parameter-free elementwise activations: <c>Forward(x)</c> and <c>Backward(y, dy)</c> where y is
/// the forward's output (the layer keeps nothing between the calls). Shape: any; output and gradients have the input's shape.</summary>
public abstract class Activation : Module, ILayer
{
    /// <summary>Applies the activation, recorded for backward (<c>Ops.Relu</c>, <c>Ops.Tanh</c>, <c>Ops.Sigmoid</c>).</summary>
    public abstract Variable Forward(Variable input);

    /// <summary>Applies the activation into a new tensor.</summary>
    internal FloatTensor Forward(FloatTensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var output = new FloatTensor(input.Shape);
        Forward(input, output);
        return output;
    }

    /// <summary>Applies the activation into <paramref name="output"/> (may be <paramref name="input"/>; allocation-free).</summary>
    /// <exception cref="ArgumentException">The shapes differ (the message names both).</exception>
    internal void Forward(FloatTensor input, FloatTensor output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        Elementwise.CheckSameShape(input, output, "output", nameof(output));
        Elementwise.Apply(input, null, output, ForwardKernel);
    }

    /// <summary>Returns dL/dx from the forward's output <paramref name="output"/> and dL/dy <paramref name="gradOutput"/>.</summary>
    internal FloatTensor Backward(FloatTensor output, FloatTensor gradOutput)
    {
        ArgumentNullException.ThrowIfNull(output);
        var gradInput = new FloatTensor(output.Shape);
        Backward(output, gradOutput, gradInput);
        return gradInput;
    }

    /// <summary>Writes dL/dx into <paramref name="gradInput"/> (may alias <paramref name="gradOutput"/>; allocation-free).</summary>
    /// <exception cref="ArgumentException">The shapes differ (the message names both).</exception>
    internal void Backward(FloatTensor output, FloatTensor gradOutput, FloatTensor gradInput)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(gradOutput);
        ArgumentNullException.ThrowIfNull(gradInput);
        Elementwise.CheckSameShape(output, gradOutput, "gradOutput", nameof(gradOutput));
        Elementwise.CheckSameShape(output, gradInput, "gradInput", nameof(gradInput));
        Elementwise.Apply(gradOutput, output, gradInput, BackwardKernel);
    }

    private protected abstract SpanKernel ForwardKernel { get; }

    private protected abstract SpanKernel BackwardKernel { get; }
}

/// <summary>y = max(x, 0); dx = dy where y &gt; 0. torch: <c>nn.ReLU</c>. Bit-exact with PyTorch.</summary>
public sealed class Relu : Activation
{
    private static readonly SpanKernel Fwd = (x, _, y) => ActivationFunctions.Relu(x, y);
    private static readonly SpanKernel Bwd = (g, y, dx) => ActivationFunctions.ReluBackward(g, y, dx);

    private protected override SpanKernel ForwardKernel => Fwd;

    /// <inheritdoc />
    public override Variable Forward(Variable input) => Ops.Relu(input);

    private protected override SpanKernel BackwardKernel => Bwd;
}

/// <summary>y = tanh(x); dx = dy·(1 − y²). torch: <c>nn.Tanh</c>. Backward bit-exact; forward within 4e-7.</summary>
public sealed class Tanh : Activation
{
    private static readonly SpanKernel Fwd = (x, _, y) => ActivationFunctions.Tanh(x, y);
    private static readonly SpanKernel Bwd = (g, y, dx) => ActivationFunctions.TanhBackward(g, y, dx);

    private protected override SpanKernel ForwardKernel => Fwd;

    /// <inheritdoc />
    public override Variable Forward(Variable input) => Ops.Tanh(input);

    private protected override SpanKernel BackwardKernel => Bwd;
}

/// <summary>y = 1/(1 + e^−x); dx = dy·(1 − y)·y. torch: <c>nn.Sigmoid</c>. Backward bit-exact; forward within 4e-7.</summary>
public sealed class Sigmoid : Activation
{
    private static readonly SpanKernel Fwd = (x, _, y) => ActivationFunctions.Sigmoid(x, y);
    private static readonly SpanKernel Bwd = (g, y, dx) => ActivationFunctions.SigmoidBackward(g, y, dx);

    private protected override SpanKernel ForwardKernel => Fwd;

    /// <inheritdoc />
    public override Variable Forward(Variable input) => Ops.Sigmoid(input);

    private protected override SpanKernel BackwardKernel => Bwd;
}
