using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

/// <summary>
/// Storage for the gradients a backward run passes between nodes. Placeholder: plain allocations (the pool that
/// recycles them within and across runs replaces this).
/// </summary>
internal static class GradientBuffers
{
    /// <summary>A tensor of <paramref name="shape"/>, zero-filled when <paramref name="zeroed"/>.</summary>
    public static FloatTensor Rent(ReadOnlySpan<long> shape, bool zeroed) => new(shape);
}
