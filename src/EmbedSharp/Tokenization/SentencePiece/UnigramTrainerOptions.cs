namespace EmbedSharp.Tokenization.SentencePiece;

/// <summary>
/// The options of <see cref="UnigramTrainer"/>, named after <c>spm_train</c>'s flags and with its defaults. The model
/// always has SentencePiece's default specials: <c>&lt;unk&gt;</c> = 0, <c>&lt;s&gt;</c> = 1, <c>&lt;/s&gt;</c> = 2, no
/// <c>&lt;pad&gt;</c>; the normaliser is <c>identity</c> (no character map) with <c>remove_extra_whitespaces</c>,
/// <c>add_dummy_prefix</c> and <c>escape_whitespaces</c> on, as <c>spm_train --normalization_rule_name=identity</c> gives.
/// </summary>
public sealed record UnigramTrainerOptions
{
    /// <summary>The rule name written into the model; the only one this trainer builds.</summary>
    public const string IdentityNormalization = "identity";

    /// <summary>Pieces in the model, specials (and byte pieces) included (<c>--vocab_size</c>, default 8000); from 4 to
    /// 16 Mi. It must exceed the characters kept by <see cref="CharacterCoverage"/> plus the specials.</summary>
    public int VocabSize { get; init; } = 8000;

    /// <summary>The most characters (Unicode scalar values) in a piece (<c>--max_sentencepiece_length</c>, default 16,
    /// 1 to 512).</summary>
    public int MaxPieceLength { get; init; } = 16;

    /// <summary>The share of the corpus's characters (counted with repetition, <c>▁</c> included) the vocabulary must
    /// hold as single-character pieces, most frequent first; rarer characters become <c>&lt;unk&gt;</c> (or bytes with
    /// <see cref="ByteFallback"/>) (<c>--character_coverage</c>, default 0.9995, 0.98 to 1 as spm_train accepts).</summary>
    public double CharacterCoverage { get; init; } = 0.9995;

    /// <summary>The share of pieces each pruning round keeps (<c>--shrinking_factor</c>, default 0.75, 0.5 to 0.95).</summary>
    public double ShrinkingFactor { get; init; } = 0.75;

    /// <summary>EM iterations between two pruning rounds (<c>--num_sub_iterations</c>, default 2, 1 to 10).</summary>
    public int NumSubIterations { get; init; } = 2;

    /// <summary>The size of the seed vocabulary EM starts from: every kept character plus the most frequent substrings
    /// (<c>--seed_sentencepiece_size</c>, default 1,000,000, 1 to 10,000,000). Also bounds the memory of the substring
    /// count (see <see cref="UnigramTrainer"/>).</summary>
    public int SeedSentencePieceSize { get; init; } = 1_000_000;

    /// <summary>Whether pieces stop at spaces (<c>--split_by_whitespace</c>, default true): <c>▁</c> only starts a
    /// piece and EM runs over the distinct words. When false, EM runs over whole lines and <c>▁</c> may also sit
    /// inside a piece (never at its end).</summary>
    public bool SplitByWhitespace { get; init; } = true;

    /// <summary>Whether a piece may mix Unicode scripts (<c>--split_by_unicode_script</c>, default true: it may not;
    /// digits and punctuation count as the Common script).</summary>
    public bool SplitByUnicodeScript { get; init; } = true;

    /// <summary>Whether the model gets the 256 byte pieces <c>&lt;0x00&gt;</c>…<c>&lt;0xFF&gt;</c> (ids 3 to 258) so
    /// unknown characters encode as their UTF-8 bytes (<c>--byte_fallback</c>, default false).</summary>
    public bool ByteFallback { get; init; }

    /// <summary>The normaliser (<c>--normalization_rule_name</c>): only <c>identity</c> is supported (spm_train's
    /// default <c>nmt_nfkc</c> needs its compiled character map, which this library does not build).</summary>
    public string NormalizationRuleName { get; init; } = IdentityNormalization;
}
