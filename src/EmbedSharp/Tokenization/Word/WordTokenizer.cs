using System.Text.RegularExpressions;

namespace EmbedSharp.Tokenization.Word;

/// <summary>
/// Whole words over a <see cref="Vocabulary"/> (unknown words → <c>&lt;unk&gt;</c>), found by fastText's whitespace rule
/// or a regular expression. <see cref="Decode"/> joins the tokens with single spaces.
/// </summary>
public sealed partial class WordTokenizer : ITokenizer
{
    private readonly Regex _pattern;

    /// <summary>Creates a tokenizer over <paramref name="vocabulary"/>, which must hold <see cref="Vocabulary.Unk"/>.</summary>
    /// <param name="vocabulary">The words.</param>
    /// <param name="splitting">Whitespace (fastText) or a regular expression.</param>
    /// <param name="pattern">The regular expression for <see cref="WordSplitting.Regex"/> (default <see cref="DefaultPattern"/>).</param>
    /// <exception cref="ArgumentException">The vocabulary has no <c>&lt;unk&gt;</c>.</exception>
    public WordTokenizer(Vocabulary vocabulary, WordSplitting splitting = WordSplitting.Whitespace, Regex? pattern = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (vocabulary.UnknownId < 0)
        {
            throw new ArgumentException($"The vocabulary has no {Vocabulary.Unk} token.", nameof(vocabulary));
        }

        Vocabulary = vocabulary;
        Splitting = splitting;
        _pattern = pattern ?? DefaultPattern();
    }

    /// <summary>Words and runs of punctuation: <c>\w+|[^\w\s]+</c>.</summary>
    [GeneratedRegex(@"\w+|[^\w\s]+", RegexOptions.CultureInvariant)]
    public static partial Regex DefaultPattern();

    /// <summary>The token ↔ id map.</summary>
    public Vocabulary Vocabulary { get; }

    /// <summary>How words are found.</summary>
    public WordSplitting Splitting { get; }

    /// <inheritdoc/>
    public int VocabSize => Vocabulary.Count;

    /// <summary>Whether fastText treats <paramref name="c"/> as a word separator.</summary>
    public static bool IsFastTextSpace(char c) => c is ' ' or '\n' or '\r' or '\t' or '\v' or '\f' or '\0';

    /// <summary>The spans of the words of <paramref name="text"/>.</summary>
    public List<TokenSpan> SplitSpans(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var spans = new List<TokenSpan>();
        if (Splitting == WordSplitting.Regex)
        {
            foreach (var m in _pattern.EnumerateMatches(text))
            {
                if (m.Length > 0)
                {
                    spans.Add(new TokenSpan(m.Index, m.Length));
                }
            }

            return spans;
        }

        for (var i = 0; i < text.Length;)
        {
            while (i < text.Length && IsFastTextSpace(text[i]))
            {
                i++;
            }

            var start = i;
            while (i < text.Length && !IsFastTextSpace(text[i]))
            {
                i++;
            }

            if (i > start)
            {
                spans.Add(new TokenSpan(start, i - start));
            }
        }

        return spans;
    }

    /// <summary>Builds a vocabulary of the words in <paramref name="texts"/> as split by a tokenizer of this
    /// <paramref name="splitting"/> (<see cref="Vocabulary.Build"/>: <c>&lt;pad&gt; &lt;unk&gt;</c> first).</summary>
    public static Vocabulary BuildVocabulary(IEnumerable<string> texts, WordSplitting splitting = WordSplitting.Whitespace, Regex? pattern = null, int minCount = 1, int? maxSize = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var splitter = new WordTokenizer(new Vocabulary([Vocabulary.Unk]), splitting, pattern);
        return Vocabulary.Build(texts.SelectMany(t => splitter.SplitSpans(t).Select(s => t.Substring(s.Start, s.Length))), minCount, maxSize);
    }

    /// <inheritdoc/>
    public TokenEncoding Encode(string text)
    {
        var spans = SplitSpans(text);
        var ids = new int[spans.Count];
        var tokens = new string[spans.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = Vocabulary.Encode(text.Substring(spans[i].Start, spans[i].Length));
            tokens[i] = Vocabulary[ids[i]];
        }

        return new TokenEncoding(ids, tokens, [.. spans]);
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var parts = new string[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            parts[i] = IdToToken(ids[i]);
        }

        return string.Join(' ', parts);
    }

    /// <inheritdoc/>
    public string IdToToken(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, Vocabulary.Count);
        return Vocabulary[id];
    }

    /// <inheritdoc/>
    public int TokenToId(string token) => Vocabulary.IndexOf(token);
}
