namespace EmbedSharp.Vectors.Formats;

/// <summary>
/// Options shared by the word-vector readers (word2vec text / fastText .vec, GloVe text, word2vec binary).
/// The defaults read the whole file like gensim's <c>KeyedVectors.load_word2vec_format</c>.
/// </summary>
public sealed record VectorReadOptions
{
    /// <summary>The default options.</summary>
    public static VectorReadOptions Default { get; } = new();

    /// <summary>Read at most this many entries (lines or records) from the start of the file, or all when null
    /// (gensim: <c>limit</c>). Entries dropped as duplicates or skipped still count, as in gensim.</summary>
    public long? Limit { get; init; }

    /// <summary>What to do with a word that is not valid UTF-8. Default <see cref="Utf8Policy.Strict"/>.</summary>
    public Utf8Policy Utf8 { get; init; } = Utf8Policy.Strict;

    /// <summary>Accept <c>nan</c> values (default false: a NaN is reported as an error with its line and field).</summary>
    public bool AllowNaN { get; init; }

    /// <summary>What to do with a repeated word. Default <see cref="DuplicatePolicy.KeepFirst"/> (gensim).</summary>
    public DuplicatePolicy Duplicates { get; init; } = DuplicatePolicy.KeepFirst;

    /// <summary>Receives the number of bytes consumed so far (of the decompressed data for .gz input), now and then.</summary>
    public IProgress<long>? Progress { get; init; }

    /// <summary>Threads that parse text blocks (default: every core). Results never depend on it.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>Bytes per read block of the text readers; tests use small values to exercise block boundaries.</summary>
    internal int BlockSize { get; init; } = 4 << 20;

    internal void Validate()
    {
        if (Limit is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Limit), Limit, "The limit must be zero or more.");
        }

        if (MaxDegreeOfParallelism is 0 or < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "Use -1 (all cores) or a positive thread count.");
        }

        if (BlockSize < 16)
        {
            throw new ArgumentOutOfRangeException(nameof(BlockSize), BlockSize, "The block size must be at least 16 bytes.");
        }
    }
}
