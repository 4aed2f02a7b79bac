namespace EmbedSharp.Vectors.Alignment;

/// <summary>Options for <see cref="VocabularyAligner"/>.</summary>
public sealed record AlignmentOptions
{
    /// <summary>Case-insensitive lookups after a failed exact lookup (default: lower-case the token).</summary>
    public CaseFallback CaseFallback { get; init; } = CaseFallback.Lowercase;

    /// <summary>The padding row, zero in the result (negative counts from the end, as torch's <c>padding_idx</c>);
    /// when null, the row of <see cref="PaddingToken"/> if the vocabulary has it.</summary>
    public int? PaddingIndex { get; init; }

    /// <summary>The token whose row is the padding row when <see cref="PaddingIndex"/> is null; null for none.</summary>
    public string? PaddingToken { get; init; } = Tokenization.Vocabulary.Pad;

    /// <summary>Asked, after the case fallbacks, for tokens the pretrained table lacks (a fastText model); null for none.</summary>
    public IWordVectorProvider? Subwords { get; init; }

    /// <summary>How rows without a vector are filled (default: normal with the pretrained mean and std).</summary>
    public OovInit OovInit { get; init; } = OovInit.PretrainedNormal;
}
