using System.Globalization;

namespace EmbedSharp.Tokenization.SentencePiece;

/// <summary>
/// The Unicode script of a character, as far as <see cref="UnigramTrainer"/> needs it (a piece may not mix scripts,
/// spm_train's <c>--split_by_unicode_script</c>). An approximation of Unicode's Scripts.txt from the general category
/// and the block: marks are Inherited (they take the script before them); digits, punctuation, symbols and spaces are
/// Common (a script of its own, as in SentencePiece; U+00B5 µ too); letters get the script of their block, with
/// Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic, Hangul and Han (Hiragana, Katakana and U+30FC merged into Han,
/// as SentencePiece does) spelled out and any other block standing for one script of its own.
/// </summary>
internal static class UnicodeScripts
{
    /// <summary>No script yet (the start of a piece).</summary>
    public const int Any = -1;

    /// <summary>A combining mark: the script of the character before it.</summary>
    public const int Inherited = -2;

    public const int Common = 0;
    public const int Latin = 1;
    public const int Greek = 2;
    public const int Cyrillic = 3;
    public const int Armenian = 4;
    public const int Hebrew = 5;
    public const int Arabic = 6;
    public const int Han = 7;
    public const int Hangul = 8;

    /// <summary>The script class of code point <paramref name="cp"/>.</summary>
    public static int Of(int cp)
    {
        if (cp == 0x30FC)
        {
            return Han;   // the Katakana long vowel mark is Common in Unicode, Han for SentencePiece
        }

        switch (CharUnicodeInfo.GetUnicodeCategory(cp))
        {
            case UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark:
                return Inherited;
            case UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber:
                return cp == 0xB5 ? Common : OfLetter(cp);
            default:
                return Common;
        }
    }

    private static int OfLetter(int cp) => cp switch
    {
        < 0x2B0 => Latin,
        < 0x300 => cp is <= 0x2B8 or (>= 0x2E0 and <= 0x2E4) ? Latin : Common,
        >= 0x370 and < 0x400 => Greek,
        >= 0x400 and < 0x530 => Cyrillic,
        >= 0x530 and < 0x590 => Armenian,
        >= 0x590 and < 0x600 => Hebrew,
        >= 0x600 and < 0x700 or >= 0x750 and < 0x780 or >= 0x8A0 and < 0x900 => Arabic,
        >= 0x1100 and < 0x1200 => Hangul,
        >= 0x1C80 and < 0x1C90 => Cyrillic,
        >= 0x1D00 and < 0x1DC0 => Latin,
        >= 0x1E00 and < 0x1F00 => Latin,
        >= 0x1F00 and < 0x2000 => Greek,
        >= 0x2070 and < 0x20A0 => Latin,
        >= 0x2100 and < 0x2150 => Common,
        >= 0x2C60 and < 0x2C80 => Latin,
        >= 0x2DE0 and < 0x2E00 => Cyrillic,
        >= 0x2E80 and < 0x2FE0 => Han,
        >= 0x3000 and < 0x3040 => Han,
        >= 0x3040 and < 0x3100 => Han,
        >= 0x3130 and < 0x3190 => Hangul,
        >= 0x31F0 and < 0x3200 => Han,
        >= 0x3400 and < 0xA000 => Han,
        >= 0xA640 and < 0xA6A0 => Cyrillic,
        >= 0xA720 and < 0xA800 => Latin,
        >= 0xA960 and < 0xA980 => Hangul,
        >= 0xAB30 and < 0xAB70 => Latin,
        >= 0xAC00 and < 0xD800 => Hangul,
        >= 0xF900 and < 0xFB00 => Han,
        >= 0xFB00 and < 0xFB07 => Latin,
        >= 0xFB1D and < 0xFB50 => Hebrew,
        >= 0xFB50 and < 0xFE00 or >= 0xFE70 and < 0xFF00 => Arabic,
        >= 0xFF21 and < 0xFF5B => Latin,
        >= 0xFF66 and < 0xFFA0 => Han,
        >= 0xFFA0 and < 0xFFE0 => Hangul,
        >= 0x20000 and < 0x40000 => Han,
        _ => 16 + (cp >> 7),   // another script: one class per 128-code-point block
    };
}
