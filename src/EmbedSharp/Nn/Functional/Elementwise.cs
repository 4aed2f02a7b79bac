using EmbedSharp.Numerics;

namespace EmbedSharp.Nn.Functional;

/// <summary>A kernel over matching runs of up to three same-length spans (the third may be empty).</summary>
internal delegate void SpanKernel(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> destination);

/// <summary>Applies a span kernel to same-shape tensors chunk by chunk (row by row if their storage is split differently).</summary>
internal static class Elementwise
{
    internal static void CheckSameShape(FloatTensor expected, FloatTensor actual, string what, string paramName)
    {
        if (!actual.Shape.SequenceEqual(expected.Shape))
        {
            throw new ArgumentException(
                $"{what} has shape {FloatTensor.FormatShape(actual.Shape)}; {FloatTensor.FormatShape(expected.Shape)} is needed.", paramName);
        }
    }

    /// <summary>Runs <paramref name="kernel"/>(a, b, destination) over all elements; <paramref name="b"/> may be null.</summary>
    internal static void Apply(FloatTensor a, FloatTensor? b, FloatTensor destination, SpanKernel kernel)
    {
        if (SameLayout(a, destination) && (b is null || SameLayout(a, b)))
        {
            for (var c = 0; c < a.ChunkCount; c++)
            {
                kernel(a.Chunk(c), b is null ? default : b.Chunk(c), destination.Chunk(c));
            }

            return;
        }

        for (long r = 0; r < a.RowCount; r++)
        {
            kernel(a.Row(r), b is null ? default : b.Row(r), destination.Row(r));
        }
    }

    private static bool SameLayout(FloatTensor x, FloatTensor y) => x.ChunkCount == y.ChunkCount && x.ChunkElements == y.ChunkElements;
}
