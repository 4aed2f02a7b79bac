using System.Globalization;
using System.Text;

namespace EmbedSharp.Tokenization.WordPiece;

/// <summary>
/// BERT's basic tokenizer (torchtext <c>BERTTokenizer</c>, HF <c>BertNormalizer</c> + <c>BertPreTokenizer</c>): drops
/// U+0000, U+FFFD and control characters (categories C* except tab, LF, CR); whitespace (tab, LF, CR, space, Zs, and
/// the line and paragraph separators U+2028/U+2029, which Python's <c>str.split</c> and Rust's <c>char::is_whitespace</c>
/// both split on) separates words; when lower-casing, each code point is lower-cased (simple invariant mapping; U+0130 → "i̇");
/// when stripping accents, each code point is NFD-decomposed and its non-spacing marks (Mn) dropped; CJK ideographs
/// and punctuation (ASCII 33–47, 58–64, 91–96, 123–126, and Unicode P*) become one-character words.
/// </summary>
public static class BertPreTokenizer
{
    /// <summary>Splits <paramref name="text"/> into normalised words with the UTF-16 span each came from.</summary>
    public static List<(string Word, TokenSpan Span)> Split(string text, bool lowerCase = true, bool? stripAccents = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = Normalize(text, lowerCase, stripAccents ?? lowerCase);
        var words = new List<(string, TokenSpan)>(normalized.Words.Count);
        foreach (var (start, length) in normalized.Words)
        {
            words.Add((normalized.Text.ToString(start, length), normalized.SourceSpan(start, start + length)));
        }

        return words;
    }

    /// <summary>Whether BERT counts <paramref name="codePoint"/> as punctuation.</summary>
    public static bool IsPunctuation(int codePoint) =>
        codePoint is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126
        || (codePoint >= 128 && CharUnicodeInfo.GetUnicodeCategory(codePoint) is UnicodeCategory.ConnectorPunctuation
            or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
            or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation);

    /// <summary>Whether <paramref name="codePoint"/> is in BERT's CJK ideograph blocks (split into single tokens).</summary>
    public static bool IsCjk(int codePoint) =>
        codePoint is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;

    /// <summary>Whether BERT's clean step drops <paramref name="codePoint"/>: NUL, U+FFFD, and C* except \t \n \r.</summary>
    public static bool IsDropped(int codePoint) =>
        codePoint is 0 or 0xFFFD
        || (codePoint is not ('\t' or '\n' or '\r') && CharUnicodeInfo.GetUnicodeCategory(codePoint) is UnicodeCategory.Control
            or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate);

    /// <summary>Whether <paramref name="codePoint"/> separates words: \t \n \r, space, Zs, and U+2028/U+2029 (Zl, Zp:
    /// the Python BertTokenizer keeps them through its clean step and <c>str.split</c> splits on them; Hugging Face's
    /// Rust BertNormalizer makes them spaces).</summary>
    public static bool IsWhitespace(int codePoint) =>
        codePoint is ' ' or '\t' or '\n' or '\r' || (codePoint >= 128 && CharUnicodeInfo.GetUnicodeCategory(codePoint)
            is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);

    /// <summary>Normalises <paramref name="text"/> into one buffer of words, with each buffer character's source span.</summary>
    internal static NormalizedText Normalize(string text, bool lowerCase, bool stripAccents, bool trackSources = true)
    {
        var result = new NormalizedText(text.Length, trackSources);
        var sb = result.Text;
        var scratch = new StringBuilder(8);
        var wordStart = -1;
        for (var i = 0; i < text.Length;)
        {
            var c = text[i];
            if (c < 128)
            {
                // ASCII fast path: no decomposition, punctuation by table.
                if (c is ' ' or '\t' or '\n' or '\r')
                {
                    result.EndWord(ref wordStart);
                }
                else if (c < 32 || c == 127)
                {
                    // control: dropped
                }
                else if (IsPunctuation(c))
                {
                    result.EndWord(ref wordStart);
                    result.Append(c, i, 1);
                    result.Words.Add((sb.Length - 1, 1));
                }
                else
                {
                    if (wordStart < 0)
                    {
                        wordStart = sb.Length;
                    }

                    result.Append(lowerCase ? char.ToLowerInvariant(c) : c, i, 1);
                }

                i++;
                continue;
            }

            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var width) != System.Buffers.OperationStatus.Done)
            {
                i += width; // a lone surrogate: category Cs, dropped
                continue;
            }

            var cp = rune.Value;
            if (IsDropped(cp))
            {
                i += width;
                continue;
            }

            if (IsWhitespace(cp))
            {
                result.EndWord(ref wordStart);
                i += width;
                continue;
            }

            scratch.Clear();
            if (lowerCase)
            {
                var lower = cp == 0x130 ? "i\u0307" : Rune.ToLowerInvariant(rune).ToString();
                foreach (var r in lower.EnumerateRunes())
                {
                    if (stripAccents)
                    {
                        CanonicalDecomposition.Append(r, dropMarks: true, scratch);
                    }
                    else
                    {
                        scratch.Append(r.ToString());
                    }
                }
            }
            else if (stripAccents)
            {
                CanonicalDecomposition.Append(rune, dropMarks: true, scratch);
            }
            else
            {
                scratch.Append(text, i, width);
            }

            for (var k = 0; k < scratch.Length;)
            {
                var kw = char.IsHighSurrogate(scratch[k]) && k + 1 < scratch.Length ? 2 : 1;
                var rcp = kw == 2 ? char.ConvertToUtf32(scratch[k], scratch[k + 1]) : scratch[k];
                if (IsCjk(rcp) || IsPunctuation(rcp))
                {
                    result.EndWord(ref wordStart);
                    for (var q = 0; q < kw; q++)
                    {
                        result.Append(scratch[k + q], i, width);
                    }

                    result.Words.Add((sb.Length - kw, kw));
                }
                else
                {
                    if (wordStart < 0)
                    {
                        wordStart = sb.Length;
                    }

                    for (var q = 0; q < kw; q++)
                    {
                        result.Append(scratch[k + q], i, width);
                    }
                }

                k += kw;
            }

            i += width;
        }

        result.EndWord(ref wordStart);
        return result;
    }

    /// <summary>Normalised words in one buffer; <see cref="SourceStart"/>/<see cref="SourceEnd"/> give each buffer
    /// character's span in the input.</summary>
    internal sealed class NormalizedText(int capacity, bool trackSources = true)
    {
        public StringBuilder Text { get; } = new(capacity);

        /// <summary>Empty when the sources are not tracked (ids-only encoding).</summary>
        public List<int> SourceStart { get; } = new(trackSources ? capacity : 0);

        public List<int> SourceEnd { get; } = new(trackSources ? capacity : 0);

        public List<(int Start, int Length)> Words { get; } = [];

        public TokenSpan SourceSpan(int start, int end) => new(SourceStart[start], SourceEnd[end - 1] - SourceStart[start]);

        public void Append(char c, int sourceStart, int sourceLength)
        {
            Text.Append(c);
            if (trackSources)
            {
                SourceStart.Add(sourceStart);
                SourceEnd.Add(sourceStart + sourceLength);
            }
        }

        public void EndWord(ref int wordStart)
        {
            if (wordStart >= 0 && Text.Length > wordStart)
            {
                Words.Add((wordStart, Text.Length - wordStart));
            }

            wordStart = -1;
        }
    }
}
