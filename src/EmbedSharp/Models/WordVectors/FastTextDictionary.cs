using System.Text;
using EmbedSharp.Nn.Functional;

namespace EmbedSharp.Models.WordVectors;

/// <summary>Whether a dictionary entry is a word or a classification label (a token starting with <c>__label__</c>).</summary>
public enum DictionaryEntryType
{
    /// <summary>An ordinary word.</summary>
    Word = 0,

    /// <summary>A label (fastText's <c>entry_type::label</c>); unsupervised training skips labels.</summary>
    Label = 1,
}

/// <summary>
/// The vocabulary of a fastText model (fastText 0.9.2 <c>Dictionary</c>): entries sorted by type (words first) then
/// count descending, with fastText's unstable sort so ties keep fastText's order; each word's input rows (its own id
/// then its character n-gram rows, see <see cref="FastTextHashing"/>) and its subsampling keep probability.
/// Words are raw UTF-8 bytes as read from the corpus (invalid UTF-8 is kept as is, as fastText does).
/// </summary>
public sealed class FastTextDictionary
{
    /// <summary>fastText's label prefix (<c>-label</c> default).</summary>
    public const string LabelPrefix = "__label__";

    private readonly WordTable _table;
    private readonly long[] _counts;
    private readonly DictionaryEntryType[] _types;
    private readonly int[] _subwordStarts; // (Count + 1)
    private readonly int[] _subwordRows;
    private readonly float[] _keep; // pdiscard in fastText: keep when uniform(0,1) <= keep

    private FastTextDictionary(WordTable table, long[] counts, DictionaryEntryType[] types, long tokenCount, int minn, int maxn, int bucket, double t)
    {
        _table = table;
        _counts = counts;
        _types = types;
        TokenCount = tokenCount;
        Minn = minn;
        Maxn = maxn;
        Bucket = bucket;
        Count = counts.Length;
        WordCount = types.Count(x => x == DictionaryEntryType.Word);
        LabelCount = Count - WordCount;

        _keep = new float[Count];
        for (var i = 0; i < Count; i++)
        {
            var f = (float)counts[i] / (float)tokenCount; // real f = real(count) / real(ntokens)
            _keep[i] = (float)(Math.Sqrt(t / f) + (t / f));
        }

        _subwordStarts = new int[Count + 1];
        var rows = new List<int>();
        for (var i = 0; i < Count; i++)
        {
            _subwordStarts[i] = rows.Count;
            rows.Add(i);
            var word = table.Get(i);
            if (!word.SequenceEqual(FastTextTokenReader.EndOfSentence))
            {
                FastTextHashing.AddSubwordRows(FastTextHashing.Wrap(word), minn, maxn, bucket, WordCount, rows);
            }

            MaxSubwords = Math.Max(MaxSubwords, rows.Count - _subwordStarts[i]);
        }

        _subwordStarts[Count] = rows.Count;
        _subwordRows = [.. rows];
    }

    /// <summary>Entries (words then labels). fastText: size_.</summary>
    public int Count { get; }

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
    public int MaxSubwords { get; }

    /// <summary>The entry's UTF-8 bytes.</summary>
    public ReadOnlySpan<byte> GetWordBytes(int id) => _table.Get(CheckId(id));

    /// <summary>The entry as a string (invalid UTF-8 becomes U+FFFD).</summary>
    public string GetWord(int id) => Encoding.UTF8.GetString(GetWordBytes(id));

    /// <summary>How often the entry occurred in the corpus.</summary>
    public long GetCount(int id) => _counts[CheckId(id)];

    /// <summary>Word or label.</summary>
    public DictionaryEntryType GetEntryType(int id) => _types[CheckId(id)];

    /// <summary>The probability of keeping an occurrence under subsampling, sqrt(t/f) + t/f (≥ 1 means always),
    /// f = count / TokenCount, in float as fastText's <c>initTableDiscard</c>.</summary>
    public float GetKeepProbability(int id) => _keep[CheckId(id)];

    /// <summary>The id of a word, or -1. fastText: getId.</summary>
    public int GetId(ReadOnlySpan<byte> utf8) => _table.Find(utf8, FastTextHashing.Hash(utf8));

    /// <summary>The id of a word, or -1.</summary>
    public int GetId(string word) => GetId(Encoding.UTF8.GetBytes(word));

    /// <summary>The input rows of an entry: its id, then its n-gram rows. fastText: getSubwords(int).</summary>
    public ReadOnlySpan<int> GetSubwords(int id)
    {
        CheckId(id);
        return _subwordRows.AsSpan(_subwordStarts[id], _subwordStarts[id + 1] - _subwordStarts[id]);
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

        if (!bytes.AsSpan().SequenceEqual(FastTextTokenReader.EndOfSentence))
        {
            FastTextHashing.AddSubwordRows(FastTextHashing.Wrap(bytes), Minn, Maxn, Bucket, WordCount, rows);
        }
    }

    /// <summary>The flat array of all input rows and the start of each entry's run (for the training hot loop).</summary>
    internal (int[] Rows, int[] Starts) SubwordStorage => (_subwordRows, _subwordStarts);

    internal float[] KeepProbabilities => _keep;

    internal long[] Counts => _counts;

    internal DictionaryEntryType[] Types => _types;

    /// <summary>
    /// Counts the tokens of a corpus in one streamed pass and builds the dictionary as fastText's
    /// <c>Dictionary::readFromFile</c>: prune at 0.75 × maxVocabSize, keep words with count ≥ minCount (labels: any count),
    /// sort, compute subsampling probabilities and n-gram rows.
    /// </summary>
    /// <exception cref="InvalidDataException">The corpus has no tokens, or no word reaches <paramref name="minCount"/>.</exception>
    public static FastTextDictionary Build(
        Stream corpus, int minCount, int minn, int maxn, int bucket, double t, int maxVocabSize = 30_000_000,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var reader = new FastTextTokenReader(corpus, 1 << 20);
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
            throw new InvalidDataException("The corpus is empty: it holds no token.");
        }

        (table, counts) = Threshold(table, counts, minCount, 0, out var types);
        if (types.All(x => x != DictionaryEntryType.Word))
        {
            throw new InvalidDataException(
                $"No word of the corpus ({ntokens} tokens) occurs at least MinCount = {minCount} times; lower MinCount.");
        }

        return new FastTextDictionary(table, [.. counts], types, ntokens, minn, maxn, bucket, t);
    }

    /// <summary>Rebuilds a dictionary from its entries in order (words first), e.g. from a checkpoint.</summary>
    /// <exception cref="InvalidDataException">A word after a label, a repeated entry, or no word.</exception>
    internal static FastTextDictionary FromEntries(
        IReadOnlyList<(byte[] Word, long Count, DictionaryEntryType Type)> entries, long tokenCount, int minn, int maxn, int bucket, double t)
    {
        var table = new WordTable(Math.Max(1024, entries.Count));
        var counts = new long[entries.Count];
        var types = new DictionaryEntryType[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var (word, count, type) = entries[i];
            var h = FastTextHashing.Hash(word);
            if (table.Find(word, h) >= 0)
            {
                throw new InvalidDataException($"Dictionary entry {i} repeats an earlier entry.");
            }

            if (i > 0 && type == DictionaryEntryType.Word && types[i - 1] == DictionaryEntryType.Label)
            {
                throw new InvalidDataException($"Dictionary entry {i} is a word after a label.");
            }

            table.Add(word, h);
            counts[i] = count;
            types[i] = type;
        }

        if (entries.Count == 0 || types[0] != DictionaryEntryType.Word)
        {
            throw new InvalidDataException("The dictionary holds no word.");
        }

        return new FastTextDictionary(table, counts, types, tokenCount, minn, maxn, bucket, t);
    }

    private static (WordTable Table, List<long> Counts) Threshold(
        WordTable table, List<long> counts, long minCount, long minCountLabel, out DictionaryEntryType[] types)
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
        var keptTypes = new List<DictionaryEntryType>();
        foreach (var i in order)
        {
            if (counts[i] >= (isLabel[i] ? minCountLabel : minCount))
            {
                var w = table.Get(i);
                kept.Add(w, FastTextHashing.Hash(w));
                keptCounts.Add(counts[i]);
                keptTypes.Add(isLabel[i] ? DictionaryEntryType.Label : DictionaryEntryType.Word);
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

/// <summary>An open-addressing table of byte strings kept in insertion order (ids 0..Count-1), keyed by fastText's hash.</summary>
internal sealed class WordTable
{
    private byte[] _pool = new byte[1 << 16];
    private int _poolLength;
    private int[] _start;
    private int[] _length;
    private uint[] _hash;
    private int[] _slots; // -1 empty, else id
    private int _mask;

    public WordTable(int capacity)
    {
        _start = new int[capacity];
        _length = new int[capacity];
        _hash = new uint[capacity];
        var size = (int)Math.Max(16, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity * 2));
        _slots = new int[size];
        Array.Fill(_slots, -1);
        _mask = size - 1;
    }

    public int Count { get; private set; }

    public ReadOnlySpan<byte> Get(int id) => _pool.AsSpan(_start[id], _length[id]);

    public int Find(ReadOnlySpan<byte> word, uint hash)
    {
        var slot = (int)(hash & (uint)_mask);
        while (true)
        {
            var id = _slots[slot];
            if (id < 0)
            {
                return -1;
            }

            if (_hash[id] == hash && _pool.AsSpan(_start[id], _length[id]).SequenceEqual(word))
            {
                return id;
            }

            slot = (slot + 1) & _mask;
        }
    }

    /// <summary>Adds a word known to be absent; returns its id.</summary>
    public int Add(ReadOnlySpan<byte> word, uint hash)
    {
        if (Count == _start.Length)
        {
            var capacity = _start.Length * 2;
            Array.Resize(ref _start, capacity);
            Array.Resize(ref _length, capacity);
            Array.Resize(ref _hash, capacity);
        }

        if ((long)(Count + 1) * 2 > _slots.Length)
        {
            Rehash(_slots.Length * 2);
        }

        if (_poolLength + word.Length > _pool.Length)
        {
            Array.Resize(ref _pool, (int)Math.Min(Array.MaxLength, Math.Max((long)_pool.Length * 2, (long)_poolLength + word.Length)));
        }

        word.CopyTo(_pool.AsSpan(_poolLength));
        var id = Count++;
        _start[id] = _poolLength;
        _length[id] = word.Length;
        _hash[id] = hash;
        _poolLength += word.Length;
        Insert(id);
        return id;
    }

    private void Insert(int id)
    {
        var slot = (int)(_hash[id] & (uint)_mask);
        while (_slots[slot] >= 0)
        {
            slot = (slot + 1) & _mask;
        }

        _slots[slot] = id;
    }

    private void Rehash(int size)
    {
        _slots = new int[size];
        Array.Fill(_slots, -1);
        _mask = size - 1;
        for (var id = 0; id < Count; id++)
        {
            Insert(id);
        }
    }
}
