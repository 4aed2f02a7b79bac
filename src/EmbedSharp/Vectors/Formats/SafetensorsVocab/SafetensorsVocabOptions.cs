namespace EmbedSharp.Vectors.Formats.SafetensorsVocab;

/// <summary>Options for reading word vectors from safetensors.</summary>
public sealed record SafetensorsVocabReadOptions
{
    /// <summary>The tensor holding the (V, D) matrix; null (default) takes the file's only tensor, else
    /// <see cref="SafetensorsVocabFile.DefaultTensorName"/>.</summary>
    public string? TensorName { get; init; }

    /// <summary>The <c>__metadata__</c> key holding the vocabulary as a JSON array of strings.</summary>
    public string VocabularyKey { get; init; } = SafetensorsVocabFile.DefaultVocabularyKey;

    /// <summary>Use only the first N rows and words; null for all.</summary>
    public int? Limit { get; init; }

    /// <summary>What to do with a word that has an unpaired surrogate escape (default: throw).</summary>
    public Utf8Policy InvalidUtf8 { get; init; } = Utf8Policy.Strict;

    /// <summary>Accept NaN and ±∞ in the matrix (default: refuse them).</summary>
    public bool AllowNonFinite { get; init; }
}

/// <summary>Options for writing word vectors as safetensors.</summary>
public sealed record SafetensorsVocabWriteOptions
{
    /// <summary>The tensor name of the matrix.</summary>
    public string TensorName { get; init; } = SafetensorsVocabFile.DefaultTensorName;

    /// <summary>The <c>__metadata__</c> key of the vocabulary.</summary>
    public string VocabularyKey { get; init; } = SafetensorsVocabFile.DefaultVocabularyKey;

    /// <summary>How the matrix is stored: F32 (default), F16 or BF16 (rounded as PyTorch's <c>tensor.to(dtype)</c>, see
    /// <see cref="Numerics.Formats.Safetensors.SafetensorsWriteOptions"/>), or F64.</summary>
    public Numerics.Formats.Safetensors.SafetensorsDType DType { get; init; } = Numerics.Formats.Safetensors.SafetensorsDType.Float32;
}
