using EmbedSharp.Autograd;

namespace EmbedSharp.Nn;

/// <summary>
/// A module with one input and one output, recorded for backward: what <see cref="Sequential"/> chains.
/// torch: a module whose <c>forward</c> takes and returns one tensor.
/// </summary>
public interface ILayer
{
    /// <summary>Computes the layer's output from <paramref name="input"/>, recording the operations for backward.</summary>
    Variable Forward(Variable input);
}
