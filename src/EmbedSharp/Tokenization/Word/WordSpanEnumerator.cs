using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EmbedSharp.Tokenization.Word;

/// <summary>
/// The ranges of the words of a text under one <see cref="WordSplitting"/> rule, in order, without allocating (a
/// <c>ref struct</c> for <c>foreach</c>; get one from <see cref="WordTokenizer.EnumerateSpans"/>). This is where each
/// rule is implemented; every other form (<see cref="WordTokenizer.Split(string, WordSplitting, Regex?)"/>,
/// <see cref="WordTokenizer.SplitSpans"/>, <see cref="WordTokenizer.Encode"/>) walks it. A range covers the word as it
/// stands in the text; <see cref="WordTokenizer.ToWord(ReadOnlySpan{char}, WordSplitting)"/> gives the word it stands
/// for (lower-cased under <see cref="WordSplitting.LowerCaseAlphanumeric"/>, else the same characters).
/// </summary>
public ref struct WordSpanEnumerator
{
    private readonly ReadOnlySpan<char> _text;
    private readonly WordSplitting _splitting;
    private Regex.ValueMatchEnumerator _matches;
    private int _position;

    internal WordSpanEnumerator(ReadOnlySpan<char> text, WordSplitting splitting, Regex? pattern)
    {
        WordTokenizer.CheckSplitting(splitting);
        _text = text;
        _splitting = splitting;
        _matches = splitting == WordSplitting.Regex ? (pattern ?? WordTokenizer.DefaultPattern()).EnumerateMatches(text) : default;
        _position = 0;
        Current = default;
    }

    /// <summary>The range of the current word in the text.</summary>
    public Range Current { get; private set; }

    /// <summary>Returns this enumerator (for <c>foreach</c>).</summary>
    public readonly WordSpanEnumerator GetEnumerator() => this;

    /// <summary>Moves to the next word; false at the end of the text.</summary>
    public bool MoveNext() => _splitting switch
    {
        WordSplitting.Whitespace => MoveNextWhitespace(),
        WordSplitting.Regex => MoveNextMatch(),
        _ => MoveNextAlphanumeric(),
    };

    /// <summary><see cref="WordSplitting.Whitespace"/>: the next maximal run of characters that are not fastText spaces.</summary>
    private bool MoveNextWhitespace()
    {
        var rest = _text[_position..];
        var skip = rest.IndexOfAnyExcept(WordTokenizer.FastTextSpaces);
        if (skip < 0)
        {
            _position = _text.Length;
            return false;
        }

        var start = _position + skip;
        var length = rest[skip..].IndexOfAny(WordTokenizer.FastTextSpaces);
        _position = length < 0 ? _text.Length : start + length;
        Current = start.._position;
        return true;
    }

    /// <summary><see cref="WordSplitting.Regex"/>: the next non-empty match.</summary>
    private bool MoveNextMatch()
    {
        while (_matches.MoveNext())
        {
            var m = _matches.Current;
            if (m.Length > 0)
            {
                Current = m.Index..(m.Index + m.Length);
                return true;
            }
        }

        return false;
    }

    /// <summary><see cref="WordSplitting.LowerCaseAlphanumeric"/>: the next maximal run of word runes and apostrophes,
    /// without the apostrophes at its ends.</summary>
    private bool MoveNextAlphanumeric()
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

    /// <summary>Whether the rune belongs inside a <see cref="WordSplitting.LowerCaseAlphanumeric"/> word (letter, digit,
    /// letter number or combining mark).</summary>
    private static bool IsWordRune(Rune r)
    {
        if (Rune.IsLetterOrDigit(r))
        {
            return true;
        }

        var c = Rune.GetUnicodeCategory(r);
        return c is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.LetterNumber;
    }

    private static bool IsApostrophe(Rune r) => r.Value is '\'' or '\u2019';
}
