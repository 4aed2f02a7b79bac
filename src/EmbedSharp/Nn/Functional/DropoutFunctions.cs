using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using EmbedSharp.Randomness;

namespace EmbedSharp.Nn.Functional;

/// <summary>
/// Dropout on spans, drawing the same numbers as PyTorch 1.13's CPU dropout (a build without MKL, such as Debian's):
/// the mask is <c>empty_like(x).bernoulli_(1 − p).div_(1 − p)</c>, where <c>bernoulli_</c> draws, element by element in
/// row-major order, u = (random64() mod 2^53)·2^−53 (two 32-bit draws, the first the high word) and keeps the element
/// when u &lt; 1 − p. A kept element's mask value is 1f/(float)(1 − p); the output is x·mask. torch: <c>F.dropout</c>.
/// </summary>
/// <remarks>PyTorch builds with MKL draw the mask through MKL's own stream; there the masks differ (statistically equal).</remarks>
public static class DropoutFunctions
{
    private const int Block = 256; // elements per batch of draws (2 KiB of draws on the stack)

    /// <summary>Fills <paramref name="mask"/> with dropout's scaled mask: 1/(1 − p) with probability 1 − p, else 0,
    /// drawing 2 words per element from <paramref name="generator"/>. p = 0 gives all ones and p = 1 all zeros; neither
    /// draws anything (as PyTorch).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FillMask(Generator generator, double p, Span<float> mask)
    {
        ArgumentNullException.ThrowIfNull(generator);
        CheckProbability(p);
        if (p == 0)
        {
            mask.Fill(1f);
            return;
        }

        if (p == 1)
        {
            mask.Clear();
            return;
        }

        var keepProbability = 1 - p;
        var scale = 1f / (float)keepProbability;
        Span<uint> words = stackalloc uint[2 * Block];
        while (!mask.IsEmpty)
        {
            var n = Math.Min(Block, mask.Length);
            var w = words[..(2 * n)];
            generator.Random(w);
            for (var i = 0; i < n; i++)
            {
                var bits = (((ulong)w[2 * i] << 32) | w[(2 * i) + 1]) & ((1UL << 53) - 1);
                mask[i] = bits * (1.0 / (1UL << 53)) < keepProbability ? scale : 0f;
            }

            mask = mask[n..];
        }
    }

    /// <summary>y = x·mask (elementwise); the dropout forward once the mask is drawn. torch: <c>input * noise</c>.</summary>
    public static void Apply(ReadOnlySpan<float> input, ReadOnlySpan<float> mask, Span<float> destination)
    {
        ActivationFunctions.CheckSameLength(input.Length, mask.Length, nameof(mask));
        ActivationFunctions.CheckSameLength(input.Length, destination.Length, nameof(destination));
        TensorPrimitives.Multiply(input, mask, destination);
    }

    /// <summary>dx = dy·mask with the forward's mask. torch: dropout's autograd backward.</summary>
    public static void Backward(ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> mask, Span<float> gradInput) =>
        Apply(gradOutput, mask, gradInput);

    internal static void CheckProbability(double p)
    {
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), $"Dropout probability has to be between 0 and 1, but got {p}.");
        }
    }
}
