namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>The character classes Hugging Face's tokenizers applies (probed from the library itself; see
/// tools/unicode/make_hf_unicode_tables.js): they follow its own Unicode 8 tables, not .NET's.</summary>
internal static partial class HuggingFaceUnicode
{
    /// <summary>Removed by the StripAccents normalizer (Hugging Face's <c>is_combining_mark</c>: Mn, Mc and Me, so
    /// Devanagari's spacing vowel signs go too).</summary>
    public static bool IsCombiningMark(int cp) => cp >= 0x300 && In(CombiningMarksRanges, cp);

    /// <summary>Removed by BertNormalizer's <c>strip_accents</c> (Hugging Face's <c>is_mark_nonspacing</c>: Mn only).</summary>
    public static bool IsNonSpacingMark(int cp) => cp >= 0x300 && In(NonSpacingMarksRanges, cp);

    /// <summary>Removed by BertNormalizer's <c>clean_text</c>: NUL, U+FFFD and its control/other characters.</summary>
    public static bool IsBertDropped(int cp) => In(BertDroppedRanges, cp);

    /// <summary>Turned into a space by BertNormalizer's <c>clean_text</c>.</summary>
    public static bool IsBertWhitespace(int cp) => In(BertWhitespaceRanges, cp);

    /// <summary>Isolated by BertPreTokenizer and the Punctuation pre-tokenizer (ASCII punctuation and P*).</summary>
    public static bool IsPunctuation(int cp) => In(PunctuationRanges, cp);

    private static bool In(ReadOnlySpan<int> ranges, int cp)
    {
        // ranges holds first/last pairs in ascending order: find the last range starting at or before cp.
        int lo = 0, hi = (ranges.Length / 2) - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (ranges[2 * mid] <= cp)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return hi >= 0 && cp <= ranges[(2 * hi) + 1];
    }
}
