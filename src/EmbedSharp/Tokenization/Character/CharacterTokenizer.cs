using System.Globalization;
using System.Text;

namespace EmbedSharp.Tokenization.Character;

/// <summary>
/// One token per code point (or per grapheme cluster) over a <see cref="Vocabulary"/>; characters it lacks become
/// <c>&lt;unk&gt;</c>. <see cref="Decode"/> concatenates the token strings, so <c>Decode(Encode(x).Ids) == x</c> when
/// every character is in the vocabulary.
/// </summary>
public sealed class CharacterTokenizer : ITokenizer
{
    /// <summary>Creates a tokenizer over <paramref name="vocabulary"/>, which must hold <see cref="Vocabulary.Unk"/>.</summary>
    /// <exception cref="ArgumentException">The vocabulary has no <c>&lt;unk&gt;</c>.</exception>
    public CharacterTokenizer(Vocabulary vocabulary, CharacterUnit unit = CharacterUnit.CodePoint)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (vocabulary.UnknownId < 0)
        {
            throw new ArgumentException($"The vocabulary has no {Vocabulary.Unk} token.", nameof(vocabulary));
        }

        Vocabulary = vocabulary;
        Unit = unit;
    }

    /// <summary>The token ↔ id map.</summary>
    public Vocabulary Vocabulary { get; }

    /// <summary>Code points or grapheme clusters.</summary>
    public CharacterUnit Unit { get; }

    /// <inheritdoc/>
    public int VocabSize => Vocabulary.Count;

    /// <summary>The UTF-16 length of the character that starts at <paramref name="index"/>.</summary>
    public static int NextLength(ReadOnlySpan<char> text, int index, CharacterUnit unit) =>
        unit == CharacterUnit.Grapheme ? StringInfo.GetNextTextElementLength(text[index..])
            : char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]) ? 2 : 1;

    /// <summary>The characters of <paramref name="text"/>, in order.</summary>
    public static IEnumerable<string> Split(string text, CharacterUnit unit = CharacterUnit.CodePoint)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (var i = 0; i < text.Length;)
        {
            var n = NextLength(text, i, unit);
            yield return text.Substring(i, n);
            i += n;
        }
    }

    /// <summary>Builds a vocabulary of the characters in <paramref name="texts"/> (<see cref="Vocabulary.Build"/>:
    /// specials <c>&lt;pad&gt; &lt;unk&gt;</c> first, then by descending count).</summary>
    public static Vocabulary BuildVocabulary(IEnumerable<string> texts, CharacterUnit unit = CharacterUnit.CodePoint, int minCount = 1, int? maxSize = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return Vocabulary.Build(texts.SelectMany(t => Split(t, unit)), minCount, maxSize);
    }

    /// <inheritdoc/>
    public TokenEncoding Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length);
        var spans = new List<TokenSpan>(text.Length);
        var lookup = Vocabulary;
        for (var i = 0; i < text.Length;)
        {
            var n = NextLength(text, i, Unit);
            ids.Add(lookup.Encode(text.Substring(i, n)));
            spans.Add(new TokenSpan(i, n));
            i += n;
        }

        var idArray = ids.ToArray();
        return new TokenEncoding(idArray, [.. idArray.Select(id => Vocabulary[id])], [.. spans]);
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var sb = new StringBuilder(ids.Length);
        foreach (var id in ids)
        {
            sb.Append(IdToToken(id));
        }

        return sb.ToString();
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
