using EmbedSharp.Numerics;

namespace EmbedSharp.Vectors.Alignment;

/// <summary>The aligned (|vocab|, D) weight matrix and how each row was found. Pass <see cref="Weights"/> and
/// <see cref="PaddingIndex"/> to <c>Embedding.FromPretrained</c>.</summary>
public sealed class AlignmentResult
{
    internal AlignmentResult(FloatTensor weights, int? paddingIndex, CoverageReport report)
    {
        Weights = weights;
        PaddingIndex = paddingIndex;
        Report = report;
    }

    /// <summary>The weights, row i for token i. Shape: (|vocab|, D).</summary>
    public FloatTensor Weights { get; }

    /// <summary>The zero padding row, or null.</summary>
    public int? PaddingIndex { get; }

    /// <summary>Counts, coverage and the tokens that were initialised.</summary>
    public CoverageReport Report { get; }
}
