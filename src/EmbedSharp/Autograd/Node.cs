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
    [ThreadStatic]
    private static long t_sequence;

    private readonly Variable[] _inputs;
    private readonly int[] _versions;

    /// <summary>Records an application over <paramref name="inputs"/>, with the version each input's data has now.</summary>
    private protected Node(params Variable[] inputs)
    {
        _inputs = inputs;
        _versions = new int[inputs.Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            _versions[i] = inputs[i].Data.Version;
        }

        Sequence = ++t_sequence;
    }

    /// <summary>The order of creation on this thread (torch: <c>sequence_nr</c>): among nodes ready to run backward,
    /// the newest runs first, so gradients arrive, and are summed, in PyTorch's order.</summary>
    internal long Sequence { get; }

    /// <summary>Whether the backward kernel reads the values of input <paramref name="index"/> (saved for backward), so
    /// that an in-place change of them between forward and backward must be refused. True unless an op says
    /// otherwise (add and sub read none).</summary>
    private protected virtual bool ReadsInput(int index) => true;

    /// <summary>Refuses to run backward when the data of an input the backward reads was changed in place after the
    /// forward (PyTorch's version counter check).</summary>
    internal void CheckVersions()
    {
        for (var i = 0; i < _inputs.Length; i++)
        {
            var now = _inputs[i].Data.Version;
            if (now != _versions[i] && ReadsInput(i))
            {
                throw new InvalidOperationException($"One of the variables needed for gradient computation has been modified by an inplace operation: input {i} of {Name}, of shape {FloatTensor.FormatShape(_inputs[i].Shape)}, is at version {now}; expected version {_versions[i]} instead (an optimiser step or another in-place change ran between forward and backward).");
            }
        }
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

    /// <summary>Whether the engine drops this node's saved tensors right after its current <see cref="Backward"/> call
    /// (the run does not retain the graph): a backward kernel may then reuse a buffer it saved at forward, and that no
    /// one else can see, for its result instead of allocating one.</summary>
    private protected bool ReleasedAfterBackward { get; private set; }

    /// <summary>Set by the engine before it calls <see cref="Backward"/>.</summary>
    internal void PrepareBackward(bool releasedAfter) => ReleasedAfterBackward = releasedAfter;

    /// <summary>A zero-filled tensor of <paramref name="shape"/> for a gradient this node's backward returns; the engine
    /// recycles it once every consumer has used it (see <see cref="GradientBuffers"/>).</summary>
    private protected static FloatTensor NewGradient(ReadOnlySpan<long> shape) => GradientBuffers.Rent(shape, zeroed: true);

    /// <summary>As <see cref="NewGradient"/>, with unspecified contents: for a kernel that writes every element.</summary>
    private protected static FloatTensor NewGradientUninitialized(ReadOnlySpan<long> shape) => GradientBuffers.Rent(shape, zeroed: false);

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
