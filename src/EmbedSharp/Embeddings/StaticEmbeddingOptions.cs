namespace EmbedSharp.Embeddings;

/// <summary>How a <see cref="StaticEmbeddingModel"/> turns token rows into one vector (defaults: Model2Vec's
/// <c>StaticModel.encode</c>).</summary>
public sealed record StaticEmbeddingOptions
{
    /// <summary>Scale each vector to unit length: v / (‖v‖₂ + 1e-32) (Model2Vec's <c>normalize</c>, from config.json).</summary>
    public bool Normalize { get; init; } = true;

    /// <summary>At most this many tokens per text, and the text first cut to MaxTokens × the median token length (code
    /// points), as Model2Vec's <c>encode(max_length=512)</c>; null for no limit.</summary>
    public int? MaxTokens { get; init; } = 512;

    /// <summary>A token dropped from every text (Model2Vec drops the tokenizer model's unk token); null to keep all.</summary>
    public string? UnknownToken { get; init; }

    /// <summary>The name reported as the embeddings' model id.</summary>
    public string ModelId { get; init; } = "static-embedding";
}
