using System.Buffers;
using System.Text.RegularExpressions;

namespace EmbedSharp.Tokenization.Word;

/// <summary>
/// Whole words over a <see cref="Vocabulary"/> (unknown words → <c>&lt;unk&gt;</c>), found by one of the
/// <see cref="WordSplitting"/> rules: fastText's whitespace, a regular expression, or lower-case letters and digits.
/// <see cref="Decode"/> joins the tokens with single spaces. The static members split text without a vocabulary:
/// <see cref="Split(string, WordSplitting, Regex?)"/> gives the words, <see cref="EnumerateSpans"/> their ranges
/// without allocating.
/// </summary>
public sealed partial class WordTokenizer : ITokenizer
{
    /// <summary>fastText's word separators (<c>Dictionary::readWord</c>), the one definition that the
    /// <see cref="WordSplitting.Whitespace"/> rule on text and fastText's training-file reader on bytes both use.</summary>
    internal const string FastTextSpaceCharacters = " \n\r\t\v\f\0";

    internal static readonly SearchValues<char> FastTextSpaces = SearchValues.Create(FastTextSpaceCharacters);

    private readonly Regex _pattern;

    /// <summary>Creates a tokenizer over <paramref name="vocabulary"/>, which must hold <see cref="Vocabulary.Unk"/>.</summary>
    /// <param name="vocabulary">The words.</param>
    /// <param name="splitting">The rule that finds words (default fastText's whitespace).</param>
    /// <param name="pattern">The regular expression for <see cref="WordSplitting.Regex"/> (default <see cref="DefaultPattern"/>).</param>
    /// <exception cref="ArgumentException">The vocabulary has no <c>&lt;unk&gt;</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="splitting"/> is not a <see cref="WordSplitting"/> member.</exception>
    public WordTokenizer(Vocabulary vocabulary, WordSplitting splitting = WordSplitting.Whitespace, Regex? pattern = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        CheckSplitting(splitting);
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

    /// <summary>Whether fastText treats <paramref name="c"/> as a word separator (space, \n, \r, \t, \v, \f or \0).</summary>
    public static bool IsFastTextSpace(char c) => FastTextSpaces.Contains(c);

    /// <summary>The words of <paramref name="text"/> under <paramref name="splitting"/>, in order (lower-cased under
    /// <see cref="WordSplitting.LowerCaseAlphanumeric"/>).</summary>
    /// <param name="text">The text.</param>
    /// <param name="splitting">The rule.</param>
    /// <param name="pattern">The regular expression for <see cref="WordSplitting.Regex"/> (default <see cref="DefaultPattern"/>); ignored otherwise.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="splitting"/> is not a <see cref="WordSplitting"/> member.</exception>
    public static List<string> Split(string text, WordSplitting splitting = WordSplitting.Whitespace, Regex? pattern = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<string>();
        Split(text, words, splitting, pattern);
        return words;
    }

    /// <summary>Appends the words of <paramref name="text"/> under <paramref name="splitting"/> to
    /// <paramref name="destination"/>, in order; returns how many.</summary>
    /// <param name="text">The text.</param>
    /// <param name="destination">The list the words are added to.</param>
    /// <param name="splitting">The rule.</param>
    /// <param name="pattern">The regular expression for <see cref="WordSplitting.Regex"/> (default <see cref="DefaultPattern"/>); ignored otherwise.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="splitting"/> is not a <see cref="WordSplitting"/> member.</exception>
    public static int Split(ReadOnlySpan<char> text, List<string> destination, WordSplitting splitting = WordSplitting.Whitespace, Regex? pattern = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var count = 0;
        foreach (var range in EnumerateSpans(text, splitting, pattern))
        {
            destination.Add(ToWord(text[range], splitting));
            count++;
        }

        return count;
    }

    /// <summary>The ranges of the words of <paramref name="text"/> under <paramref name="splitting"/>, without
    /// allocating. Under <see cref="WordSplitting.LowerCaseAlphanumeric"/> a range covers the word as written (apostrophes
    /// at its ends excluded, not lower-cased); <see cref="ToWord(ReadOnlySpan{char}, Span{char}, WordSplitting)"/> writes the word.</summary>
    /// <param name="text">The text.</param>
    /// <param name="splitting">The rule.</param>
    /// <param name="pattern">The regular expression for <see cref="WordSplitting.Regex"/> (default <see cref="DefaultPattern"/>); ignored otherwise.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="splitting"/> is not a <see cref="WordSplitting"/> member.</exception>
    public static WordSpanEnumerator EnumerateSpans(ReadOnlySpan<char> text, WordSplitting splitting = WordSplitting.Whitespace, Regex? pattern = null) =>
        new(text, splitting, pattern);

    /// <summary>The word that the span <paramref name="word"/> of a text stands for under <paramref name="splitting"/>:
    /// under <see cref="WordSplitting.LowerCaseAlphanumeric"/> lower-cased (invariant) with <c>’</c> written as
    /// <c>'</c>; under the other rules the same characters.</summary>
    public static string ToWord(ReadOnlySpan<char> word, WordSplitting splitting)
    {
        CheckSplitting(splitting);
        if (splitting != WordSplitting.LowerCaseAlphanumeric)
        {
            return new string(word);
        }

        return word.Length <= 256 ? LowerCase(word, stackalloc char[word.Length]) : LowerCase(word, new char[word.Length]);
    }

    /// <summary>Writes the word that the span <paramref name="word"/> stands for under <paramref name="splitting"/> (as
    /// <see cref="ToWord(ReadOnlySpan{char}, WordSplitting)"/>) into <paramref name="destination"/> without allocating;
    /// returns its length, which is always <c>word.Length</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="word"/>.</exception>
    public static int ToWord(ReadOnlySpan<char> word, Span<char> destination, WordSplitting splitting)
    {
        CheckSplitting(splitting);
        if (destination.Length < word.Length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} characters; the word has {word.Length}.", nameof(destination));
        }

        var target = destination[..word.Length];
        if (splitting == WordSplitting.LowerCaseAlphanumeric)
        {
            word.ToLowerInvariant(target);
            target.Replace('\u2019', '\'');
        }
        else
        {
            word.CopyTo(target);
        }

        return word.Length;
    }

    /// <summary>The spans of the words of <paramref name="text"/>.</summary>
    public List<TokenSpan> SplitSpans(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var spans = new List<TokenSpan>();
        foreach (var range in EnumerateSpans(text, Splitting, _pattern))
        {
            var start = range.Start.Value;
            spans.Add(new TokenSpan(start, range.End.Value - start));
        }

        return spans;
    }

    /// <summary>Builds a vocabulary of the words in <paramref name="texts"/> under <paramref name="splitting"/>
    /// (<see cref="Vocabulary.Build"/>: <c>&lt;pad&gt; &lt;unk&gt;</c> first).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="splitting"/> is not a <see cref="WordSplitting"/> member.</exception>
    public static Vocabulary BuildVocabulary(IEnumerable<string> texts, WordSplitting splitting = WordSplitting.Whitespace, Regex? pattern = null, int minCount = 1, int? maxSize = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        CheckSplitting(splitting);
        return Vocabulary.Build(texts.SelectMany(t => Split(t, splitting, pattern)), minCount, maxSize);
    }

    /// <inheritdoc/>
    public TokenEncoding Encode(string text)
    {
        var spans = SplitSpans(text);
        var ids = new int[spans.Count];
        var tokens = new string[spans.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = Vocabulary.Encode(ToWord(text.AsSpan(spans[i].Start, spans[i].Length), Splitting));
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

    internal static void CheckSplitting(WordSplitting splitting)
    {
        if (splitting is not (WordSplitting.Whitespace or WordSplitting.Regex or WordSplitting.LowerCaseAlphanumeric))
        {
            throw new ArgumentOutOfRangeException(nameof(splitting), splitting, "Not a WordSplitting rule.");
        }
    }

    private static string LowerCase(ReadOnlySpan<char> word, Span<char> buffer)
    {
        ToWord(word, buffer, WordSplitting.LowerCaseAlphanumeric);
        return new string(buffer);
    }
}
