using EmbedSharp.Numerics;

namespace EmbedSharp.Nn;

/// <summary>How a sparse backward stores its gradient values in <see cref="SparseGradient"/>.</summary>
internal enum GradientStorage
{
    /// <summary>The entries borrow the caller's index and gradient tensors (no copy, as PyTorch's sparse embedding
    /// gradient is a view of the upstream gradient): both must stay unchanged until the optimiser step and
    /// <see cref="Parameter.ZeroGrad"/>.</summary>
    Borrow,

    /// <summary>The values are copied: the caller may change or reuse its tensors right after the backward.</summary>
    Copy,
}
