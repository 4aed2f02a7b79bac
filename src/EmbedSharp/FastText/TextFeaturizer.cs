using System.Buffers;
using System.Text;
using EmbedSharp.Tokenization;

namespace EmbedSharp.FastText;

/// <summary>
/// Turns the tokens of one example into rows of the classifier's embedding table, as fastText's
/// <c>Dictionary::getLine</c> does for <c>supervised</c>: the ids of the known words (unknown words are dropped), the
/// end-of-sentence token <c>&lt;/s&gt;</c> appended to every example, then, when <see cref="WordNgrams"/> &gt; 1, one
/// hashed row per word n-gram: with hᵢ = fastText's FNV-1a hash of token i (as int32, sign-extended to 64 bits; unknown
/// words and <c>&lt;/s&gt;</c> included), h = hᵢ; h = h·116049371 + hⱼ for j = i+1 … i+n−1, row = nwords + h mod bucket
/// (<c>Dictionary::addWordNgrams</c>).
/// </summary>
public sealed class TextFeaturizer
{
    /// <summary>fastText's end-of-sentence token, appended to every example (it acts as the bias the output layer lacks).</summary>
    public const string EndOfSentence = "</s>";

    /// <summary>The multiplier of fastText's word n-gram hash.</summary>
    internal const ulong NgramMultiplier = 116049371;

    /// <summary>Creates a featurizer over a word vocabulary.</summary>
    /// <exception cref="ArgumentOutOfRangeException">wordNgrams &lt; 1, bucket &lt; 0, or bucket 0 with n-grams.</exception>
    public TextFeaturizer(Vocabulary words, int wordNgrams = 1, int bucket = 0)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentOutOfRangeException.ThrowIfLessThan(wordNgrams, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(bucket);
        if (wordNgrams > 1 && bucket == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bucket), $"Word n-grams ({wordNgrams}) need at least one bucket.");
        }

        Words = words;
        WordNgrams = wordNgrams;
        Bucket = wordNgrams > 1 ? bucket : 0;
    }

    /// <summary>The word vocabulary: row i of the table is word i.</summary>
    public Vocabulary Words { get; }

    /// <summary>Longest word n-gram (1: words only).</summary>
    public int WordNgrams { get; }

    /// <summary>Hash buckets, rows <c>Words.Count … Words.Count + Bucket − 1</c> (0 without n-grams).</summary>
    public int Bucket { get; }

    /// <summary>Rows of the embedding table: words + buckets.</summary>
    public long Rows => (long)Words.Count + Bucket;

    /// <summary>Builds the vocabulary of a training set: every token (and one <see cref="EndOfSentence"/> per example)
    /// counted, words with at least <paramref name="minCount"/> occurrences kept by descending count (ties ordinal), no
    /// other specials.</summary>
    public static TextFeaturizer Build(IEnumerable<IReadOnlyList<string>> examples, int minCount, int wordNgrams, int bucket)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var tokens in examples)
        {
            foreach (var t in tokens)
            {
                counts[t] = counts.TryGetValue(t, out var c) ? c + 1 : 1;
            }

            counts[EndOfSentence] = counts.TryGetValue(EndOfSentence, out var e) ? e + 1 : 1;
        }

        return new TextFeaturizer(Vocabulary.FromCounts(counts, minCount, null, []), wordNgrams, bucket);
    }

    /// <summary>The table rows of one example (see the class summary).</summary>
    public long[] Featurize(IReadOnlyList<string> tokens)
    {
        var rows = new List<long>(tokens.Count * WordNgrams + 1);
        AddFeatures(tokens, rows);
        return [.. rows];
    }

    /// <summary>Appends the table rows of one example to <paramref name="destination"/>; returns how many were added.</summary>
    public int AddFeatures(IReadOnlyList<string> tokens, List<long> destination)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(destination);
        var before = destination.Count;
        for (var i = 0; i < tokens.Count; i++)
        {
            var id = Words.IndexOf(tokens[i]);
            if (id >= 0)
            {
                destination.Add(id);
            }
        }

        var eos = Words.IndexOf(EndOfSentence);
        if (eos >= 0)
        {
            destination.Add(eos);
        }

        if (WordNgrams > 1)
        {
            var hashes = ArrayPool<int>.Shared.Rent(tokens.Count + 1);
            try
            {
                for (var i = 0; i < tokens.Count; i++)
                {
                    hashes[i] = HashToken(tokens[i]);
                }

                hashes[tokens.Count] = HashToken(EndOfSentence);
                AddNgramRows(hashes.AsSpan(0, tokens.Count + 1), WordNgrams, Bucket, Words.Count, destination);
            }
            finally
            {
                ArrayPool<int>.Shared.Return(hashes);
            }
        }

        return destination.Count - before;
    }

    /// <summary>fastText's hash of a token (FNV-1a over the UTF-8 bytes, sign-extended bytes), as the int32 fastText stores.</summary>
    internal static int HashToken(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var max = Encoding.UTF8.GetMaxByteCount(token.Length);
        var rented = max > 512 ? ArrayPool<byte>.Shared.Rent(max) : null;
        try
        {
            Span<byte> buffer = rented ?? stackalloc byte[512];
            var n = Encoding.UTF8.GetBytes(token, buffer);
            return unchecked((int)FastTextHashing.Hash(buffer[..n]));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Appends the n-gram rows for token hashes <paramref name="hashes"/> (fastText's <c>addWordNgrams</c>):
    /// for each start i and each j in (i, i + n), h = h·116049371 + hashes[j] (64-bit, wrapping, int32 hashes
    /// sign-extended), row = nwords + h mod bucket. Order: by start, then by length.</summary>
    internal static void AddNgramRows(ReadOnlySpan<int> hashes, int n, int bucket, int nwords, List<long> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (n <= 1 || bucket <= 0)
        {
            return;
        }

        for (var i = 0; i < hashes.Length; i++)
        {
            var h = unchecked((ulong)(long)hashes[i]);
            for (var j = i + 1; j < hashes.Length && j < i + n; j++)
            {
                h = unchecked((h * NgramMultiplier) + (ulong)(long)hashes[j]);
                destination.Add(nwords + (long)(h % (ulong)bucket));
            }
        }
    }
}
