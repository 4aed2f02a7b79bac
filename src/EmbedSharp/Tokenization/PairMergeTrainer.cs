namespace EmbedSharp.Tokenization;

/// <summary>
/// The counting core shared by the BPE and WordPiece trainers: words are symbol sequences with counts; the most frequent
/// adjacent pair is merged into a new symbol, repeatedly. Ties: the pair whose left symbol string is ordinally smaller,
/// then whose right one is. Pair counts are updated incrementally (only the words that hold the merged pair are
/// revisited) and the best pair comes from a heap with lazy deletion.
/// </summary>
internal sealed class PairMergeTrainer
{
    private readonly List<string> _symbols;
    private readonly Dictionary<string, int> _symbolIds;
    private readonly int[][] _words;
    private readonly int[] _lengths;
    private readonly long[] _counts;
    private readonly Dictionary<long, long> _pairCounts = [];
    private readonly Dictionary<long, HashSet<int>> _pairWords = [];
    private readonly PriorityQueue<long, (long Count, int Left, int Right)> _heap;

    public PairMergeTrainer(List<string> symbols, IReadOnlyList<(int[] Symbols, long Count)> words)
    {
        _symbols = symbols;
        _symbolIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < symbols.Count; i++)
        {
            _symbolIds[symbols[i]] = i;
        }

        _words = new int[words.Count][];
        _lengths = new int[words.Count];
        _counts = new long[words.Count];
        _heap = new PriorityQueue<long, (long, int, int)>(Comparer<(long Count, int Left, int Right)>.Create(ComparePriority));
        for (var w = 0; w < words.Count; w++)
        {
            _words[w] = words[w].Symbols;
            _lengths[w] = words[w].Symbols.Length;
            _counts[w] = words[w].Count;
            AddPairs(w, +1, null);
        }

        foreach (var (key, count) in _pairCounts)
        {
            Push(key, count);
        }
    }

    /// <summary>Symbol strings by id (grows as merges add symbols).</summary>
    public IReadOnlyList<string> Symbols => _symbols;

    /// <summary>Merges until <paramref name="maxSymbols"/> symbols exist or no pair occurs <paramref name="minCount"/>
    /// times; returns the merges in order as (left, right, merged) symbol ids.</summary>
    public List<(int Left, int Right, int Merged)> Run(int maxSymbols, long minCount, Func<string, string, string> concatenate, CancellationToken cancellationToken = default)
    {
        var merges = new List<(int, int, int)>();
        var changed = new HashSet<long>();
        while (_symbols.Count < maxSymbols && _heap.TryDequeue(out var key, out var priority))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_pairCounts.TryGetValue(key, out var current) || current != priority.Count)
            {
                continue; // stale entry
            }

            if (current < minCount)
            {
                break;
            }

            var (left, right) = ((int)(key >> 32), (int)key);
            var text = concatenate(_symbols[left], _symbols[right]);
            if (!_symbolIds.TryGetValue(text, out var merged))
            {
                merged = _symbols.Count;
                _symbols.Add(text);
                _symbolIds[text] = merged;
            }

            merges.Add((left, right, merged));
            changed.Clear();
            foreach (var w in _pairWords[key].ToArray())
            {
                AddPairs(w, -1, changed);
                MergeInWord(w, left, right, merged);
                AddPairs(w, +1, changed);
            }

            _pairWords.Remove(key);
            _pairCounts.Remove(key);
            foreach (var p in changed)
            {
                if (_pairCounts.TryGetValue(p, out var c) && c > 0)
                {
                    Push(p, c);
                }
            }
        }

        return merges;
    }

    private void MergeInWord(int w, int left, int right, int merged)
    {
        var symbols = _words[w];
        var n = _lengths[w];
        var write = 0;
        for (var read = 0; read < n; read++)
        {
            if (read + 1 < n && symbols[read] == left && symbols[read + 1] == right)
            {
                symbols[write++] = merged;
                read++;
            }
            else
            {
                symbols[write++] = symbols[read];
            }
        }

        _lengths[w] = write;
    }

    private void AddPairs(int w, int sign, HashSet<long>? changed)
    {
        var symbols = _words[w];
        var delta = sign * _counts[w];
        for (var i = 0; i + 1 < _lengths[w]; i++)
        {
            var key = ((long)symbols[i] << 32) | (uint)symbols[i + 1];
            var count = _pairCounts.GetValueOrDefault(key) + delta;
            if (count == 0)
            {
                _pairCounts.Remove(key);
            }
            else
            {
                _pairCounts[key] = count;
            }

            if (sign > 0)
            {
                if (!_pairWords.TryGetValue(key, out var set))
                {
                    _pairWords[key] = set = [];
                }

                set.Add(w);
            }
            else if (count == 0 && _pairWords.TryGetValue(key, out var set))
            {
                set.Remove(w);
            }

            changed?.Add(key);
        }
    }

    private void Push(long key, long count) => _heap.Enqueue(key, (count, (int)(key >> 32), (int)key));

    private int ComparePriority((long Count, int Left, int Right) a, (long Count, int Left, int Right) b)
    {
        if (a.Count != b.Count)
        {
            return b.Count.CompareTo(a.Count); // larger count first
        }

        var byLeft = string.CompareOrdinal(_symbols[a.Left], _symbols[b.Left]);
        return byLeft != 0 ? byLeft : string.CompareOrdinal(_symbols[a.Right], _symbols[b.Right]);
    }
}
