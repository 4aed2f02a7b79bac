namespace EmbedSharp.Vectors.Alignment;

/// <summary>Which case-insensitive lookups follow a failed exact (ordinal) lookup of a vocabulary token.</summary>
public enum CaseFallback
{
    /// <summary>Exact matches only.</summary>
    None,

    /// <summary>Then the token lower-cased (invariant culture), when that differs: "The" finds "the" (torchtext's
    /// <c>get_vecs_by_tokens(lower_case_backup=True)</c>). The default.</summary>
    Lowercase,

    /// <summary>Then, also, the first pretrained word (lowest row, usually the most frequent) whose lower-cased form
    /// equals the token's: "paris" in a lower-cased vocabulary finds "Paris" in cased vectors. Builds a lower-case map
    /// of the pretrained words once, when the first token needs it.</summary>
    AnyCase,
}
