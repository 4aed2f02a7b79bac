using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EmbedSharp.Tokenization.Bpe;

/// <summary>
/// GPT-2's pre-tokenisation: the text is cut by
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>, every character landing in
/// exactly one piece. <see cref="NextPieceEnd"/> is a hand-written scanner of that pattern over code points (so a
/// letter outside the BMP counts as \p{L}, as in Python's <c>regex</c>; .NET's Regex sees its two surrogates) and
/// allocates nothing; <see cref="Pattern"/> is the same pattern as a source-generated Regex (UTF-16 semantics), kept
/// as the readable definition and for cross-checks.
/// </summary>
public static partial class Gpt2PreTokenizer
{
    /// <summary>The GPT-2 pattern as a source-generated .NET Regex (identical pieces on text without supplementary
    /// letters or digits).</summary>
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.CultureInvariant)]
    public static partial Regex Pattern();

    /// <summary>The pieces of <paramref name="text"/> as UTF-16 spans, in order and covering it exactly.</summary>
    public static List<TokenSpan> Split(ReadOnlySpan<char> text)
    {
        var pieces = new List<TokenSpan>();
        for (var start = 0; start < text.Length;)
        {
            var end = NextPieceEnd(text, start);
            pieces.Add(new TokenSpan(start, end - start));
            start = end;
        }

        return pieces;
    }

    /// <summary>The end (exclusive) of the piece that starts at <paramref name="start"/> (&lt; text.Length).</summary>
    public static int NextPieceEnd(ReadOnlySpan<char> text, int start)
    {
        var c = text[start];
        if (c == '\'' && start + 1 < text.Length)
        {
            var n = text[start + 1];
            if (n is 's' or 't' or 'm' or 'd')
            {
                return start + 2;
            }

            if (start + 2 < text.Length && ((n == 'r' && text[start + 2] == 'e') || (n == 'v' && text[start + 2] == 'e') || (n == 'l' && text[start + 2] == 'l')))
            {
                return start + 3;
            }
        }

        var kind = KindAt(text, start, out var width);
        if (c == ' ' && start + 1 < text.Length)
        {
            var next = KindAt(text, start + 1, out var nextWidth);
            if (next != CharKind.Space)
            {
                return RunEnd(text, start + 1 + nextWidth, next);
            }
        }

        if (kind != CharKind.Space)
        {
            return RunEnd(text, start + width, kind);
        }

        // \s+(?!\S) then \s+: a whitespace run followed by text gives back its last character (when it has two or more).
        var end = RunEnd(text, start + width, CharKind.Space);
        return end == text.Length || end - start == 1 ? end : end - 1; // whitespace characters are all in the BMP
    }

    private enum CharKind
    {
        Letter,
        Number,
        Space,
        Other,
    }

    private static int RunEnd(ReadOnlySpan<char> text, int position, CharKind kind)
    {
        while (position < text.Length && KindAt(text, position, out var width) == kind)
        {
            position += width;
        }

        return position;
    }

    private static CharKind KindAt(ReadOnlySpan<char> text, int index, out int width)
    {
        var c = text[index];
        if (c < 128)
        {
            width = 1;
            return char.IsAsciiLetter(c) ? CharKind.Letter : char.IsAsciiDigit(c) ? CharKind.Number
                : c is ' ' or (>= '\t' and <= '\r') ? CharKind.Space : CharKind.Other;
        }

        if (Rune.DecodeFromUtf16(text[index..], out var rune, out width) != OperationStatus.Done)
        {
            return CharKind.Other; // a lone surrogate (category Cs)
        }

        if (Rune.IsWhiteSpace(rune))
        {
            return CharKind.Space;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharKind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CharKind.Number,
            _ => CharKind.Other,
        };
    }
}
