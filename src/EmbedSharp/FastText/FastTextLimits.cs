namespace EmbedSharp.FastText;

/// <summary>
/// The bounds this folder puts on options and on what one piece of input may take, in one place, so that no option value
/// or hostile file can make training or reading run for ever or take memory without end. Each bound is far above any
/// value fastText's documentation or its users' recipes use (the typical value is given beside it); docs/training-vectors.md
/// ("Option bounds" and "Bad input") lists them.
/// </summary>
internal static class FastTextLimits
{
    /// <summary>-dim: vector size (typical 100–300; fastText's largest published models use 300).</summary>
    public const int MaxDim = 10_000;

    /// <summary>-epoch (typical 5; 25–50 for small supervised sets).</summary>
    public const int MaxEpoch = 10_000;

    /// <summary>-lr (typical 0.05 unsupervised, 0.1–1.0 supervised).</summary>
    public const double MaxLr = 10.0;

    /// <summary>-ws (typical 5); a line holds at most 1,024 tokens, so a wider window adds nothing.</summary>
    public const int MaxWs = 1_000;

    /// <summary>-neg (typical 5–25): every update scores 1 + neg output rows.</summary>
    public const int MaxNeg = 1_000;

    /// <summary>-minn and -maxn (typical 3 and 6): each character of a word adds maxn − minn + 1 n-gram rows.</summary>
    public const int MaxCharNgram = 100;

    /// <summary>-bucket (typical 2,000,000; fastText's largest models use 2M–10M).</summary>
    public const int MaxBucket = 100_000_000;

    /// <summary>-t (typical 1e-4; 1e-5 on large corpora); above 1 nothing is ever subsampled.</summary>
    public const double MaxT = 1.0;

    /// <summary>-lrUpdateRate (typical 100).</summary>
    public const int MaxLrUpdateRate = 10_000_000;

    /// <summary>-thread (typical: the number of cores): one reader and one set of buffers per thread.</summary>
    public const int MaxThread = 1_024;

    /// <summary>-wordNgrams (typical 1–3 for classification; 5 is rare).</summary>
    public const int MaxWordNgrams = 100;

    /// <summary>The most bytes one word (one whitespace-free run of a corpus, or one word of a <c>.bin</c> or checkpoint
    /// dictionary) may take: 1 MiB. Real words, URLs and hashtags are far shorter; a longer run is a blob or a file that
    /// is not text, and its character n-grams alone would take tens of megabytes. fastText has no bound (word2vec cuts
    /// words at 100 bytes, GloVe at 1,000).</summary>
    public const int MaxWordBytes = 1 << 20;

    /// <summary>The longest line of a classifier training, test or prediction file, in UTF-16 chars: 16 Mi (a whole
    /// book on one line fits; /dev/zero or a binary file does not make the reader grow without end).</summary>
    public const int MaxLineChars = 1 << 24;
}
