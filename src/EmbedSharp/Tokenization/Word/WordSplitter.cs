using System.Text;

namespace EmbedSharp.Tokenization.Word;

/// <summary>
/// Splits text into lower-case words: a word is a maximal run of Unicode letters, digits, combining marks and
/// apostrophes (<c>'</c> and the typographic <c>’</c>, which is written as <c>'</c>), with apostrophes stripped from
/// both ends; every other character separates. Lower-casing is culture-invariant. "Don't stop!" → ["don't", "stop"];
/// "'quoted'" → ["quoted"]; "e-mail 2x" → ["e", "mail", "2x"].
/// </summary>
/// <remarks><see cref="Enumerate"/> walks the spans of the words without allocating; <see cref="Tokenize"/> allocates
/// one string per word.</remarks>
public static class WordSplitter
{
    /// <summary>The words of <paramref name="text"/>, lower-cased, in order.</summary>
    public static List<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<string>();
        AddTokens(text, words);
        return words;
    }

    /// <summary>Appends the words of <paramref name="text"/> (lower-cased) to <paramref name="destination"/>.</summary>
    public static void AddTokens(ReadOnlySpan<char> text, List<string> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        foreach (var range in Enumerate(text))
        {
            destination.Add(ToWord(text[range]));
        }
    }

    /// <summary>The word ranges of <paramref name="text"/> (apostrophes at the ends already excluded; not lower-cased).</summary>
    public static WordEnumerator Enumerate(ReadOnlySpan<char> text) => new(text);

    /// <summary>Lower-cases a word span (invariant) and writes typographic apostrophes as <c>'</c>.</summary>
    public static string ToWord(ReadOnlySpan<char> word) =>
        word.Length <= 256 ? Lower(word, stackalloc char[word.Length]) : Lower(word, new char[word.Length]);

    private static string Lower(ReadOnlySpan<char> word, Span<char> buffer)
    {
        word.ToLowerInvariant(buffer);
        buffer.Replace('\u2019', '\'');
        return new string(buffer);
    }

    /// <summary>Whether the rune belongs inside a word (letter, digit or combining mark).</summary>
    internal static bool IsWordRune(Rune r)
    {
        if (Rune.IsLetterOrDigit(r))
        {
            return true;
        }

        var c = Rune.GetUnicodeCategory(r);
        return c is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark
            or System.Globalization.UnicodeCategory.LetterNumber;
    }

    internal static bool IsApostrophe(Rune r) => r.Value is '\'' or '\u2019';

    /// <summary>Enumerates the word ranges of a text without allocating (a <c>ref struct</c> for <c>foreach</c>).</summary>
    public ref struct WordEnumerator
    {
        private readonly ReadOnlySpan<char> _text;
        private int _position;

        internal WordEnumerator(ReadOnlySpan<char> text)
        {
            _text = text;
            _position = 0;
            Current = default;
        }

        /// <summary>The range of the current word in the text.</summary>
        public Range Current { get; private set; }

        /// <summary>Returns this enumerator (for <c>foreach</c>).</summary>
        public readonly WordEnumerator GetEnumerator() => this;

        /// <summary>Moves to the next word; false at the end of the text.</summary>
        public bool MoveNext()
        {
            var text = _text;
            while (_position < text.Length)
            {
                // Skip to the first word rune (a run may begin with apostrophes, which are stripped).
                Rune.DecodeFromUtf16(text[_position..], out var r, out var n);
                if (!IsWordRune(r))
                {
                    _position += n;
                    continue;
                }

                var start = _position;
                var end = _position + n; // end of the last word rune
                var p = end;
                while (p < text.Length)
                {
                    Rune.DecodeFromUtf16(text[p..], out r, out n);
                    if (IsWordRune(r))
                    {
                        p += n;
                        end = p;
                    }
                    else if (IsApostrophe(r))
                    {
                        p += n;
                    }
                    else
                    {
                        break;
                    }
                }

                _position = p;
                Current = start..end;
                return true;
            }

            return false;
        }
    }
}
