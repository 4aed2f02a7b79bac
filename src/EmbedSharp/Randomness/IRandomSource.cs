using EmbedSharp.Numerics;

namespace EmbedSharp.Randomness;

/// <summary>
/// What the initialisers need from a random generator: fill a tensor with uniform or normal values, and draw a
/// permutation. <see cref="Generator"/> gives PyTorch's exact CPU stream; <c>PhiloxGenerator</c> gives a fast,
/// thread-count-independent stream that is not PyTorch's.
/// </summary>
public interface IRandomSource
{
    /// <summary>Fills <paramref name="tensor"/> in row-major order with U(from, to).</summary>
    void Uniform(FloatTensor tensor, double from, double to);

    /// <summary>Fills <paramref name="tensor"/> in row-major order with N(mean, std²).</summary>
    void Normal(FloatTensor tensor, double mean, double std);

    /// <summary>Writes a uniformly random permutation of 0..n−1 into <paramref name="destination"/> (n = its length).</summary>
    void Randperm(Span<long> destination);
}
