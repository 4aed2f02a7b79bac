namespace EmbedSharp.Tokenization;

/// <summary>Operations shared by every <see cref="ITokenizer"/>.</summary>
public static class TokenizerExtensions
{
    /// <summary>Encodes many texts on <paramref name="maxDegreeOfParallelism"/> threads (default: all cores); the result
    /// at index i is <c>Encode(texts[i])</c>, whatever the thread count.</summary>
    public static TokenEncoding[] EncodeBatch(this ITokenizer tokenizer, IReadOnlyList<string> texts, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(texts);
        var results = new TokenEncoding[texts.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        Parallel.For(0, texts.Count, options, i => results[i] = tokenizer.Encode(texts[i]));
        return results;
    }

    /// <summary>The tokenizer's vocabulary as a <see cref="Vocabulary"/> (same ids), e.g. to build an embedding table or
    /// to align it with pretrained vectors (<c>VocabularyAligner</c>).</summary>
    /// <exception cref="ArgumentException">Two ids share one token string.</exception>
    public static Vocabulary ToVocabulary(this ITokenizer tokenizer) => new(tokenizer.Tokens());

    /// <summary>The vocabulary as token strings in id order (id i is element i).</summary>
    public static string[] Tokens(this ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var tokens = new string[tokenizer.VocabSize];
        for (var i = 0; i < tokens.Length; i++)
        {
            tokens[i] = tokenizer.IdToToken(i);
        }

        return tokens;
    }
}
