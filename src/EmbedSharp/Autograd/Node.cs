using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

/// <summary>
/// One application of a differentiable operation, recorded for backward: its inputs and whatever its backward kernel
/// needs (saved when the forward ran). torch: a <c>grad_fn</c> such as <c>MulBackward0</c>. Each operation is one
/// sealed subclass; the engine calls <see cref="Backward"/> once every consumer of its output has delivered its
/// gradient.
/// </summary>
public abstract class Node
{
    private readonly Variable[] _inputs;

    /// <summary>Records an application over <paramref name="inputs"/>.</summary>
    private protected Node(params Variable[] inputs)
    {
        _inputs = inputs;
    }

    /// <summary>The operation's name as PyTorch prints it (<c>MulBackward0</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The inputs, in the operation's argument order.</summary>
    internal ReadOnlySpan<Variable> Inputs => _inputs;

    /// <summary>True once backward has run through this node without retaining the graph.</summary>
    internal bool Released { get; private set; }

    /// <summary>Engine bookkeeping for one backward run: consumers still to deliver, the run's stamp, and the sum of
    /// the gradients delivered so far.</summary>
    internal int Pending;

    internal long Stamp;

    internal FloatTensor? GradSum;

    /// <summary>Computes each input's gradient from <paramref name="gradOutput"/>; an entry is left null when that
    /// input does not require a gradient. The backward kernel of the operation.</summary>
    internal abstract void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs);

    /// <summary>Drops what the forward saved; a later backward through this node is refused.</summary>
    internal void Release()
    {
        Released = true;
        ReleaseSaved();
    }

    /// <summary>Drops the tensors saved for backward.</summary>
    private protected virtual void ReleaseSaved()
    {
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
