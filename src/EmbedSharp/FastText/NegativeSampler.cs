namespace EmbedSharp.FastText;

/// <summary>
/// fastText's unigram table for negatives (<see cref="WordVectorTrainer.CreateNegativeTable"/>: word w fills
/// ⌈√count_w · 10⁷ / Σ√count⌉ consecutive entries, words in id order) without storing its 10⁷ entries: entry j is the
/// word w with start_w ≤ j &lt; start_{w+1}. A coarse index gives the word at the first entry of each block of 512
/// entries, and the answer is at most a few words further on. <see cref="WordAt"/> returns exactly the table's
/// entry j, so a draw j = uniform [0, <see cref="Size"/>) picks the same word as fastText's
/// <c>negatives_[uniform(rng)]</c>, while the lookup reads two arrays of vocabulary size (a few hundred kB, kept in
/// cache) instead of a random entry of a 40 MB table (a DRAM miss per negative).
/// </summary>
internal sealed class NegativeSampler
{
    private const int BlockShift = 9;
    private readonly int[] _starts; // (nwords + 1) first table entry of each word, then the table size
    private readonly int[] _blockWord; // (blocks + 1) the word holding entry b << BlockShift; the last word at the end

    private NegativeSampler(int[] starts, int[] blockWord)
    {
        _starts = starts;
        _blockWord = blockWord;
    }

    /// <summary>Number of entries of the table this sampler stands for.</summary>
    public int Size => _starts[^1];

    /// <summary>Builds the sampler from the entry count of each word (the table's run lengths, each ≥ 0).</summary>
    public static NegativeSampler FromCounts(ReadOnlySpan<long> entries)
    {
        var starts = new int[entries.Length + 1];
        long at = 0;
        for (var w = 0; w < entries.Length; w++)
        {
            starts[w] = (int)at;
            at += entries[w];
        }

        starts[^1] = checked((int)at);
        var blocks = (int)((at + (1 << BlockShift) - 1) >> BlockShift);
        var blockWord = new int[blocks + 1];
        var word = 0;
        for (var b = 0; b < blocks; b++)
        {
            var first = (long)b << BlockShift;
            while (starts[word + 1] <= first)
            {
                word++;
            }

            blockWord[b] = word;
        }

        blockWord[blocks] = Math.Max(0, entries.Length - 1);
        return new NegativeSampler(starts, blockWord);
    }

    /// <summary>The word at entry <paramref name="j"/> (0 ≤ j &lt; <see cref="Size"/>) of the table.</summary>
    public int WordAt(int j)
    {
        var b = j >> BlockShift;
        var lo = _blockWord[b];
        var hi = _blockWord[b + 1]; // the answer lies in [lo, hi]
        if (hi - lo > 8)
        {
            while (lo < hi)
            {
                var mid = (int)((uint)(lo + hi + 1) >> 1);
                if (_starts[mid] <= j)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            return lo;
        }

        while (_starts[lo + 1] <= j)
        {
            lo++;
        }

        return lo;
    }
}
