using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

/// <summary>
/// A tensor that takes part in differentiation: its data (a contiguous row-major <see cref="FloatTensor"/>), whether
/// it requires a gradient, the gradient accumulated by <see cref="Backward"/>, and, for a result of an operation, the
/// node that made it. torch: <c>torch.Tensor</c> with <c>requires_grad</c>, <c>grad</c>, <c>grad_fn</c>. Named
/// <c>Variable</c> (PyTorch's name before 0.4) so that it does not clash with <c>System.Numerics.Tensors.Tensor</c>.
/// </summary>
/// <remarks>See docs/autograd.md. A leaf is a variable made by the user (a parameter, an input); a result of an
/// operation recorded while gradients are enabled is not a leaf and holds its <see cref="GradFn"/>. Gradients
/// accumulate into leaves (<c>+=</c>, as PyTorch's <c>AccumulateGrad</c>) until <see cref="ZeroGrad"/>.</remarks>
public partial class Variable : IDisposable
{
    private bool _requiresGrad;

    /// <summary>A leaf over <paramref name="data"/> (no copy).</summary>
    public Variable(FloatTensor data, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        Data = data;
        _requiresGrad = requiresGrad;
    }

    internal Variable(FloatTensor data, Node gradFn)
    {
        Data = data;
        GradFn = gradFn;
        _requiresGrad = true;
    }

    /// <summary>The values. Shape: <see cref="Shape"/>.</summary>
    public FloatTensor Data { get; }

    /// <summary>Disposes <see cref="Data"/> (<see cref="FloatTensor.Dispose"/>): its storage goes back to the pool that
    /// the next results of the same size take from, as PyTorch frees a tensor when its last reference goes. For results a
    /// loop makes and drops (<c>using var y = embedding.Forward(ids);</c>); afterwards the values are gone, and a backward
    /// that needs them refuses to run. A variable and its data are one tensor, as in PyTorch: disposing a leaf disposes
    /// the tensor it was made over.</summary>
    public void Dispose()
    {
        Data.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The shape of <see cref="Data"/>.</summary>
    public ReadOnlySpan<long> Shape => Data.Shape;

    /// <summary>The accumulated gradient of a leaf (same shape as <see cref="Data"/>), or null before the first
    /// backward or after <see cref="ZeroGrad"/>. torch: <c>.grad</c>.</summary>
    public FloatTensor? Grad => GetGrad();

    private FloatTensor? _grad;

    /// <summary>Engine bookkeeping for a leaf during one backward run (as <see cref="Node"/>'s): gradients still to
    /// arrive, the run's stamp, and their sum so far. A leaf's gradients are summed first and added to
    /// <see cref="Grad"/> once, as PyTorch's <c>AccumulateGrad</c> receives one summed input.</summary>
    internal int Pending;

    internal long Stamp;

    internal FloatTensor? GradSum;

    /// <summary>Whether a gradient is pending (dense or sparse), without the side effects of reading it.</summary>
    internal virtual bool HasPendingGrad => _grad is not null;

    /// <summary>For a leaf that keeps its own dense gradient storage (a parameter): that storage, zeroed if it held an
    /// old gradient, for a backward kernel that adds its gradient (computed from zero, added once) straight into it.
    /// Null for other variables.</summary>
    internal virtual FloatTensor? DenseGradSink() => null;

    /// <summary>The storage a backward kernel may add this leaf's gradient into directly, when the kernel is the one
    /// remaining contributor in the current backward run (so the sum is PyTorch's); else null and the kernel returns its
    /// gradient to the engine.</summary>
    internal FloatTensor? DirectGradTarget() => IsLeaf && Pending == 1 && GradSum is null ? DenseGradSink() : null;

    /// <summary>The gradient <see cref="Grad"/> returns (a parameter keeps its own storage).</summary>
    private protected virtual FloatTensor? GetGrad() => _grad;

    /// <summary>The node that computed this variable, or null for a leaf. torch: <c>.grad_fn</c>.</summary>
    public Node? GradFn { get; }

    /// <summary>True for a variable the user made rather than an operation's recorded result. torch: <c>.is_leaf</c>.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>Whether gradients flow to this variable. Settable on leaves only (an operation's result requires a
    /// gradient exactly when one of its inputs does). torch: <c>.requires_grad</c>.</summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (!IsLeaf)
            {
                throw new InvalidOperationException("RequiresGrad can only be changed on a leaf variable (torch: \"you can only change requires_grad flags of leaf variables\"); use Detach() to get a leaf.");
            }

            _requiresGrad = value;
        }
    }

    /// <summary>A leaf sharing this variable's data, with no history and no gradient. torch: <c>.detach()</c>.</summary>
    public Variable Detach() => new(Data);

    /// <summary>Forgets the accumulated gradient. torch: <c>.grad = None</c> (<c>zero_grad(set_to_none=True)</c>).</summary>
    public virtual void ZeroGrad() => _grad = null;

    /// <summary>Computes the gradient of this variable with respect to every leaf that requires one, and adds it to
    /// their <see cref="Grad"/>. torch: <c>.backward(gradient, retain_graph)</c>.</summary>
    /// <param name="gradient">The upstream gradient, same shape as this variable; null means 1 and is allowed for a
    /// single-element variable only.</param>
    /// <param name="retainGraph">Keep the saved tensors so that the graph can be run backward again.</param>
    /// <exception cref="InvalidOperationException">This variable does not require a gradient, the gradient is
    /// implicit for a non-scalar, or the graph was already released by an earlier backward.</exception>
    public void Backward(FloatTensor? gradient = null, bool retainGraph = false) => Engine.Run(this, gradient, retainGraph);

    /// <summary>Adds <paramref name="gradient"/> (the sum of this run's gradients for the leaf) to the leaf's gradient:
    /// the gradient itself when there is none yet, else <c>grad + gradient</c> (torch: <c>AccumulateGrad</c>).
    /// The tensor is copied: a backward kernel may hand one tensor to several inputs.</summary>
    internal virtual void Accumulate(FloatTensor gradient)
    {
        if (_grad is null)
        {
            _grad = gradient.Clone();
            return;
        }

        System.Numerics.Tensors.TensorPrimitives.Add(_grad.AsSpan(), gradient.AsSpan(), _grad.AsSpan());
    }

    /// <inheritdoc />
    public override string ToString() => $"Variable{FloatTensor.FormatShape(Data.Shape)}{(GradFn is { } f ? $", grad_fn={f.Name}" : RequiresGrad ? ", requires_grad" : "")}";
}
