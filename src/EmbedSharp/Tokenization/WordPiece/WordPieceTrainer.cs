namespace EmbedSharp.Tokenization.WordPiece;

/// <summary>
/// Builds a WordPiece vocabulary by counting merges (the method of HF's <c>WordPieceTrainer</c>, which runs BPE with
/// the <c>##</c> prefix): the corpus is cut into words by <see cref="BertPreTokenizer"/>, each word is spelt as its first
/// character followed by <c>##</c>-prefixed characters, and the most frequent adjacent pair is merged (<c>a + ##b →
/// ab</c>, <c>##a + ##b → ##ab</c>) until the vocabulary holds <c>vocabSize</c> tokens or no pair occurs
/// <c>minPairCount</c> times. Ties: ordinally smaller left token, then right token. The vocabulary is
/// <see cref="SpecialTokens"/>, then the alphabet (ordinal order), then the merged tokens in merge order.
/// </summary>
public static class WordPieceTrainer
{
    /// <summary>BERT's special tokens, ids 0–4: [PAD] [UNK] [CLS] [SEP] [MASK].</summary>
    public static IReadOnlyList<string> SpecialTokens { get; } = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    /// <summary>Trains on <paramref name="lines"/>; the result tokenizes with the same <paramref name="lowerCase"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">vocabSize smaller than the specials, or minPairCount &lt; 1.</exception>
    public static WordPieceTokenizer Train(IEnumerable<string> lines, int vocabSize, bool lowerCase = true, long minPairCount = 2,
        int maxInputCharsPerWord = 100, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, SpecialTokens.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(minPairCount, 1);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var normalized = BertPreTokenizer.Normalize(line, lowerCase, lowerCase);
            var buffer = normalized.Text.ToString();
            foreach (var (start, length) in normalized.Words)
            {
                var word = buffer.Substring(start, length);
                counts[word] = counts.GetValueOrDefault(word) + 1;
            }
        }

        var spelled = new List<(string[] Chars, long Count)>(counts.Count);
        var alphabet = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (word, count) in counts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var chars = new List<string>(word.Length);
            foreach (var rune in word.EnumerateRunes())
            {
                chars.Add(chars.Count == 0 ? rune.ToString() : WordPieceTokenizer.ContinuationPrefix + rune);
            }

            if (chars.Count > maxInputCharsPerWord)
            {
                continue; // such words tokenize to [UNK] whatever the vocabulary
            }

            alphabet.UnionWith(chars);
            spelled.Add(([.. chars], count));
        }

        var symbols = new List<string>(SpecialTokens);
        symbols.AddRange(alphabet.Where(a => !SpecialTokens.Contains(a)));
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < symbols.Count; i++)
        {
            ids[symbols[i]] = i;
        }

        var words = spelled.Select(w => (w.Chars.Select(c => ids[c]).ToArray(), w.Count)).ToList();
        var trainer = new PairMergeTrainer(symbols, words);
        trainer.Run(vocabSize, minPairCount, static (a, b) => a + (b.StartsWith(WordPieceTokenizer.ContinuationPrefix, StringComparison.Ordinal) ? b[WordPieceTokenizer.ContinuationPrefix.Length..] : b), cancellationToken);
        var tokens = trainer.Symbols.Count > vocabSize ? trainer.Symbols.Take(vocabSize) : trainer.Symbols;
        return new WordPieceTokenizer([.. tokens], lowerCase);
    }
}
