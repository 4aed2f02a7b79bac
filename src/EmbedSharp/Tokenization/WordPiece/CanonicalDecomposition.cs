using System.Text;

namespace EmbedSharp.Tokenization.WordPiece;

/// <summary>Canonical decomposition (NFD) of one code point from the generated table of <see cref="UnicodeNormalization"/>,
/// so accent stripping works the same under InvariantGlobalization (where <see cref="string.Normalize()"/> does not
/// decompose) and on every host.</summary>
internal static class CanonicalDecomposition
{
    private const int HangulBase = 0xAC00, HangulCount = 11172, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int VCount = 21, TCount = 28;

    /// <summary>Appends the NFD of <paramref name="rune"/> to <paramref name="destination"/>, leaving out the
    /// non-spacing marks (Mn) when <paramref name="dropMarks"/>: BERT's <c>_run_strip_accents</c> on one code point.</summary>
    public static void Append(Rune rune, bool dropMarks, StringBuilder destination)
    {
        var cp = rune.Value;
        var s = cp - HangulBase;
        if ((uint)s < HangulCount)
        {
            destination.Append((char)(LBase + (s / (VCount * TCount))));
            destination.Append((char)(VBase + (s % (VCount * TCount) / TCount)));
            if (s % TCount != 0)
            {
                destination.Append((char)(TBase + (s % TCount)));
            }

            return;
        }

        var decomposition = UnicodeNormalization.Decomposition(cp, compatibility: false);
        if (decomposition is null)
        {
            if (!(dropMarks && Rune.GetUnicodeCategory(rune) == System.Globalization.UnicodeCategory.NonSpacingMark))
            {
                AppendRune(rune, destination);
            }

            return;
        }

        foreach (var r in decomposition.EnumerateRunes())
        {
            if (!(dropMarks && Rune.GetUnicodeCategory(r) == System.Globalization.UnicodeCategory.NonSpacingMark))
            {
                AppendRune(r, destination);
            }
        }
    }

    private static void AppendRune(Rune rune, StringBuilder destination)
    {
        if (rune.IsBmp)
        {
            destination.Append((char)rune.Value);
        }
        else
        {
            Span<char> pair = stackalloc char[2];
            rune.EncodeToUtf16(pair);
            destination.Append(pair);
        }
    }
}
