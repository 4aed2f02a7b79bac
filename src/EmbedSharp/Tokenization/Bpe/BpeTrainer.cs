using System.Text;

namespace EmbedSharp.Tokenization.Bpe;

/// <summary>
/// Trains GPT-2-style byte-level BPE: the corpus is cut by <see cref="Gpt2PreTokenizer"/>, pieces are counted, and
/// starting from the 256 byte tokens (in <see cref="ByteLevel.BytesInVocabularyOrder"/>) the most frequent adjacent
/// pair (counted over all piece occurrences) is merged, repeatedly, until <c>vocabSize</c> tokens exist or no pair
/// occurs <c>minPairCount</c> times. Ties go to the pair whose left token is ordinally smaller, then whose right one
/// is. Deterministic: the result depends only on the corpus and the arguments.
/// </summary>
public static class BpeTrainer
{
    /// <summary>Trains on <paramref name="lines"/> (each encoded independently, as <see cref="ByteLevelBpeTokenizer"/>
    /// will encode them).</summary>
    /// <exception cref="ArgumentOutOfRangeException">vocabSize &lt; 256 or minPairCount &lt; 1.</exception>
    public static ByteLevelBpeTokenizer Train(IEnumerable<string> lines, int vocabSize, long minPairCount = 2, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, 256);
        ArgumentOutOfRangeException.ThrowIfLessThan(minPairCount, 1);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var line in lines)
        {
            var text = line.AsSpan();
            for (var start = 0; start < text.Length;)
            {
                var end = Gpt2PreTokenizer.NextPieceEnd(text, start);
                var piece = text[start..end];
                lookup[piece] = lookup.TryGetValue(piece, out var c) ? c + 1 : 1;
                start = end;
            }
        }

        var order = ByteLevel.BytesInVocabularyOrder;
        var symbols = new List<string>(Math.Min(vocabSize, 1 << 16));   // grows with the merges found, not the size asked for
        var idOfByte = new int[256];
        for (var i = 0; i < order.Count; i++)
        {
            idOfByte[order[i]] = i;
            symbols.Add(ByteLevel.ToChar(order[i]).ToString());
        }

        var words = new List<(int[], long)>(counts.Count);
        foreach (var (piece, count) in counts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var bytes = Encoding.UTF8.GetBytes(piece);
            var ids = new int[bytes.Length];
            for (var i = 0; i < bytes.Length; i++)
            {
                ids[i] = idOfByte[bytes[i]];
            }

            words.Add((ids, count));
        }

        var trainer = new PairMergeTrainer(symbols, words);
        var merges = trainer.Run(vocabSize, minPairCount, static (a, b) => a + b, cancellationToken);
        return new ByteLevelBpeTokenizer([.. trainer.Symbols], [.. merges.Select(m => (trainer.Symbols[m.Left], trainer.Symbols[m.Right]))]);
    }
}
