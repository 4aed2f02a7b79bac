using System.Globalization;
using System.Text;
using EmbedSharp.Numerics;

namespace EmbedSharp.FastText;

/// <summary>
/// The vocabulary of a fastText model (fastText 0.9.2 <c>Dictionary</c>), the one class that both the trainer and the
/// <c>.bin</c> reader and writer use: entries (raw word bytes, count, type; words first, then labels), the lookup table
/// (a word stored twice resolves to its last entry, as fastText's <c>find</c>), each entry's input rows (its own id
/// then its character n-gram rows nwords + hash mod bucket, see <see cref="FastTextHashing"/>) and the subsampling keep
/// probabilities. <see cref="Build"/> counts a corpus as fastText's
/// <c>readFromFile</c> (sorted by type then count descending with fastText's unstable sort, so ties keep fastText's
/// order). Words are raw bytes as read (invalid UTF-8 is kept as is, as fastText does). Subword rows and keep
/// probabilities are computed on first use, so loading a large <c>.bin</c> does not pay for them.
/// </summary>
/// <remarks>Layer 2 of the folder (docs/formats/fasttext-bin.md, "Code layout"): it uses only the hashing and the token
/// reader; the <c>.bin</c> reader and writer (de)serialise it (fastText's <c>Dictionary::load</c>/<c>save</c>) through
/// its public members and <c>FromEntries</c>.</remarks>
public sealed class FastTextDictionary
{
    /// <summary>fastText's label prefix (<c>-label</c> default).</summary>
    public const string LabelPrefix = "__label__";

    private readonly WordTable _table;
    private readonly long[] _counts;
    private readonly FastTextEntryType[] _types;
    private readonly double _t;
    private SubwordTable? _subwords;
    private float[]? _keep; // pdiscard in fastText: keep when uniform(0,1) <= keep

    private FastTextDictionary(WordTable table, long[] counts, FastTextEntryType[] types, long tokenCount, int minn, int maxn, int bucket, double t)
    {
        _table = table;
        _counts = counts;
        _types = types;
        _t = t;
        TokenCount = tokenCount;
        Minn = minn;
        Maxn = maxn;
        Bucket = bucket;
        Count = counts.Length;
        WordCount = types.Count(x => x == FastTextEntryType.Word);
        LabelCount = Count - WordCount;
    }

    /// <summary>Entries (words then labels). fastText: size_.</summary>
    public int Count { get; }

    /// <summary>True when <c>&lt;/s&gt;</c> has character n-grams like any word, as in fastText before version 12 (files of
    /// version 11 and older); false since (dictionary.cc initNgrams skips EOS).</summary>
    internal bool EosSubwords { get; private init; }

    /// <summary>Words (ids 0..WordCount-1). fastText: nwords_.</summary>
    public int WordCount { get; }

    /// <summary>Labels (ids WordCount..Count-1). fastText: nlabels_.</summary>
    public int LabelCount { get; }

    /// <summary>Tokens read while counting, including those below the minimum count and the end-of-sentence tokens. fastText: ntokens_.</summary>
    public long TokenCount { get; }

    /// <summary>Shortest n-gram.</summary>
    public int Minn { get; }

    /// <summary>Longest n-gram (0: no subwords).</summary>
    public int Maxn { get; }

    /// <summary>Number of n-gram hash buckets.</summary>
    public int Bucket { get; }

    /// <summary>The largest number of input rows of any entry (1 + its n-grams).</summary>
    public int MaxSubwords => Subwords.Max;

    /// <summary>The entry's UTF-8 bytes.</summary>
    public ReadOnlySpan<byte> GetWordBytes(int id) => _table.Get(CheckId(id));

    /// <summary>The entry as a string (invalid UTF-8 becomes U+FFFD).</summary>
    public string GetWord(int id) => Encoding.UTF8.GetString(GetWordBytes(id));

    /// <summary>How often the entry occurred in the corpus.</summary>
    public long GetCount(int id) => _counts[CheckId(id)];

    /// <summary>Word or label.</summary>
    public FastTextEntryType GetEntryType(int id) => _types[CheckId(id)];

    /// <summary>The probability of keeping an occurrence under subsampling, sqrt(t/f) + t/f (≥ 1 means always),
    /// f = count / TokenCount, in float as fastText's <c>initTableDiscard</c>.</summary>
    public float GetKeepProbability(int id) => KeepProbabilities[CheckId(id)];

    /// <summary>The id of a word, or -1. fastText: getId.</summary>
    public int GetId(ReadOnlySpan<byte> utf8) => _table.Find(utf8, FastTextHashing.Hash(utf8));

    /// <summary>The id of a word, or -1.</summary>
    public int GetId(string word) => GetId(Encoding.UTF8.GetBytes(word));

    /// <summary>The input rows of an entry: its id, then its n-gram rows. fastText: getSubwords(int).</summary>
    public ReadOnlySpan<int> GetSubwords(int id)
    {
        CheckId(id);
        var (rows, starts, _) = Subwords;
        return rows.AsSpan(starts[id], starts[id + 1] - starts[id]);
    }

    /// <summary>Appends the input rows of any word to <paramref name="rows"/>: its id and n-grams when in the
    /// vocabulary, otherwise only its n-grams (none for <c>&lt;/s&gt;</c>). fastText: getSubwords(const string&amp;).</summary>
    public void GetSubwords(string word, List<int> rows)
    {
        ArgumentNullException.ThrowIfNull(word);
        ArgumentNullException.ThrowIfNull(rows);
        var bytes = Encoding.UTF8.GetBytes(word);
        var id = GetId(bytes);
        if (id >= 0)
        {
            rows.AddRange(GetSubwords(id));
            return;
        }

        if (!bytes.AsSpan().SequenceEqual(Tokenization.Word.WhitespaceTokenReader.EndOfSentence))
        {
            FastTextHashing.AddSubwordRows(FastTextHashing.Wrap(bytes), Minn, Maxn, Bucket, WordCount, rows);
        }
    }

    /// <summary>The flat array of all input rows and the start of each entry's run (for the training hot loop).</summary>
    internal (int[] Rows, int[] Starts) SubwordStorage => (Subwords.Rows, Subwords.Starts);

    /// <summary>sqrt(t/f) + t/f per entry, f = count / TokenCount in float (fastText's <c>initTableDiscard</c>).</summary>
    internal float[] KeepProbabilities => LazyInitializer.EnsureInitialized(ref _keep, () =>
    {
        var keep = new float[Count];
        for (var i = 0; i < Count; i++)
        {
            var f = (float)_counts[i] / (float)TokenCount; // real f = real(count) / real(ntokens)
            keep[i] = (float)(Math.Sqrt(_t / f) + (_t / f));
        }

        return keep;
    });

    internal long[] Counts => _counts;

    internal FastTextEntryType[] Types => _types;

    /// <summary>fastText's end-of-sentence token <c>&lt;/s&gt;</c>.</summary>
    internal static ReadOnlySpan<byte> Eos => Tokenization.Word.WhitespaceTokenReader.EndOfSentence;

    private SubwordTable Subwords => LazyInitializer.EnsureInitialized(ref _subwords, () =>
    {
        var starts = new int[Count + 1];
        var rows = new List<int>();
        var max = 0;
        for (var i = 0; i < Count; i++)
        {
            starts[i] = rows.Count;
            rows.Add(i);
            var word = _table.Get(i);
            if (EosSubwords || !word.SequenceEqual(Eos))
            {
                FastTextHashing.AddSubwordRows(FastTextHashing.Wrap(word), Minn, Maxn, Bucket, WordCount, rows);
            }

            max = Math.Max(max, rows.Count - starts[i]);
        }

        starts[Count] = rows.Count;
        return new SubwordTable([.. rows], starts, max);
    });

    /// <summary>
    /// Counts the tokens of a corpus in one streamed pass and builds the dictionary as fastText's
    /// <c>Dictionary::readFromFile</c>: prune at 0.75 × maxVocabSize, keep words with count ≥ minCount (labels: any count),
    /// sort, compute subsampling probabilities and n-gram rows.
    /// </summary>
    /// <exception cref="FastTextFormatException">The corpus has no tokens, or no word reaches <paramref name="minCount"/>.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="corpus"/> is null.</exception>
    /// <exception cref="FastTextFormatException">A token is longer than 1 MiB (1,048,576 bytes), the most one word may
    /// take (the message gives its byte offset).</exception>
    public static FastTextDictionary Build(
        Stream corpus, int minCount, int minn, int maxn, int bucket, double t, int maxVocabSize = 30_000_000,
        CancellationToken cancellationToken = default) =>
        CountCorpus(corpus, null, minCount, minn, maxn, bucket, t, maxVocabSize, cancellationToken);

    /// <summary><see cref="Build(Stream, int, int, int, int, double, int, CancellationToken)"/> naming the corpus file in errors.</summary>
    internal static FastTextDictionary CountCorpus(
        Stream corpus, string? path, int minCount, int minn, int maxn, int bucket, double t, int maxVocabSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var reader = CreateTokenReader(corpus, path, 1 << 20);
        var table = new WordTable(1024);
        var counts = new List<long>();
        long ntokens = 0;
        long minThreshold = 1;
        while (reader.ReadToken(out var token))
        {
            var h = FastTextHashing.Hash(token);
            var id = table.Find(token, h);
            ntokens++;
            if (id < 0)
            {
                table.Add(token, h);
                counts.Add(1);
            }
            else
            {
                counts[id]++;
            }

            if ((ntokens & 0xFFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (table.Count > 0.75 * maxVocabSize)
            {
                minThreshold++;
                (table, counts) = Threshold(table, counts, minThreshold, minThreshold, out _);
            }
        }

        if (ntokens == 0)
        {
            throw new FastTextFormatException(path, path is null ? "The corpus is empty: it holds no token." : $"{path}: The corpus is empty: it holds no token.");
        }

        (table, counts) = Threshold(table, counts, minCount, 0, out var types);
        if (types.All(x => x != FastTextEntryType.Word))
        {
            throw new FastTextFormatException(
                path,
                $"{(path is null ? "" : path + ": ")}No word of the corpus ({ntokens} tokens) occurs at least MinCount = {minCount} times; lower MinCount.");
        }

        return new FastTextDictionary(table, [.. counts], types, ntokens, minn, maxn, bucket, t);
    }

    /// <summary>The corpus token reader with the bound on one word (<see cref="FastTextLimits.MaxWordBytes"/>): a longer
    /// whitespace-free run is refused naming the file (when known) and the byte offset where it starts.</summary>
    internal static Tokenization.Word.WhitespaceTokenReader CreateTokenReader(Stream corpus, string? path, int bufferSize) =>
        new(corpus, bufferSize, FastTextLimits.MaxWordBytes, offset => new FastTextFormatException(
            path,
            -1,
            offset,
            string.Create(CultureInfo.InvariantCulture,
                $"{path ?? "The corpus"}: the token starting at byte offset {offset} is longer than {FastTextLimits.MaxWordBytes:N0} bytes, the most one word may take; so long a run without whitespace is not a word (an embedded blob, or a file that is not text): remove or split it.")));

    /// <summary>A dictionary from its entries in order (words first, then labels), e.g. from a checkpoint or a
    /// model built in memory. With <paramref name="allowDuplicates"/> a repeated word is kept and lookups find its last
    /// entry (fastText's behaviour on a <c>.bin</c> that holds one); otherwise a repeat is an error.</summary>
    /// <exception cref="InvalidDataException">A word after a label, or a repeated entry when not allowed.</exception>
    internal static FastTextDictionary FromEntries(
        IReadOnlyList<(byte[] Word, long Count, FastTextEntryType Type)> entries, long tokenCount, int minn, int maxn, int bucket, double t,
        bool allowDuplicates = false, bool eosSubwords = false)
    {
        var table = new WordTable(Math.Max(16, entries.Count));
        var counts = new long[entries.Count];
        var types = new FastTextEntryType[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var (word, count, type) = entries[i];
            var h = FastTextHashing.Hash(word);
            if (!allowDuplicates && table.Find(word, h) >= 0)
            {
                throw new InvalidDataException($"Dictionary entry {i} repeats an earlier entry.");
            }

            if (i > 0 && type == FastTextEntryType.Word && types[i - 1] == FastTextEntryType.Label)
            {
                throw new InvalidDataException($"Dictionary entry {i} is a word after a label.");
            }

            table.Add(word, h);
            counts[i] = count;
            types[i] = type;
        }

        return new FastTextDictionary(table, counts, types, tokenCount, minn, maxn, bucket, t) { EosSubwords = eosSubwords };
    }

    private static (WordTable Table, List<long> Counts) Threshold(
        WordTable table, List<long> counts, long minCount, long minCountLabel, out FastTextEntryType[] types)
    {
        var n = table.Count;
        var keys = new long[n];
        var order = new int[n];
        var label = LabelPrefix.Select(c => (byte)c).ToArray();
        var isLabel = new bool[n];
        for (var i = 0; i < n; i++)
        {
            isLabel[i] = table.Get(i).StartsWith(label);
            keys[i] = (isLabel[i] ? 1L << 50 : 0L) - counts[i]; // type ascending, then count descending
            order[i] = i;
        }

        LibstdcxxSort.Sort(keys, order); // std::sort, unstable: ties end in fastText's order
        var kept = new WordTable(Math.Max(1024, n));
        var keptCounts = new List<long>();
        var keptTypes = new List<FastTextEntryType>();
        foreach (var i in order)
        {
            if (counts[i] >= (isLabel[i] ? minCountLabel : minCount))
            {
                var w = table.Get(i);
                kept.Add(w, FastTextHashing.Hash(w));
                keptCounts.Add(counts[i]);
                keptTypes.Add(isLabel[i] ? FastTextEntryType.Label : FastTextEntryType.Word);
            }
        }

        types = [.. keptTypes];
        return (kept, keptCounts);
    }

    private int CheckId(int id)
    {
        if ((uint)id >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Entry id {id} is out of range for a dictionary of {Count} entries.");
        }

        return id;
    }
}
