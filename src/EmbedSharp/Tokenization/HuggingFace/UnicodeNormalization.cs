using System.Text;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>
/// The Unicode normalization forms NFD, NFKD, NFC and NFKC (UAX #15) from generated tables, for hosts that run with
/// InvariantGlobalization (where <see cref="string.Normalize()"/> does not apply them). Each output code point
/// remembers the input character it came from, as Hugging Face's <c>NormalizedString::nfc</c> etc. keep alignments:
/// a decomposed character's parts all point at it, a composite points at its starter.
/// </summary>
internal static partial class UnicodeNormalization
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    /// <summary>Normalizes <paramref name="input"/>: appends each output code point and the UTF-16 index in the input
    /// of the character it came from to <paramref name="output"/> (cleared first).</summary>
    public static void Normalize(ReadOnlySpan<char> input, bool compatibility, bool compose, List<(int CodePoint, int Source)> output)
    {
        output.Clear();
        for (var i = 0; i < input.Length;)
        {
            Rune.DecodeFromUtf16(input[i..], out var rune, out var width);
            Decompose(rune.Value, compatibility, i, output);
            i += width;
        }

        Reorder(output);
        if (compose)
        {
            Compose(output);
        }
    }

    /// <summary>The canonical combining class of <paramref name="codePoint"/>.</summary>
    public static int CombiningClass(int codePoint)
    {
        if (codePoint < 0x300)
        {
            return 0;
        }

        var at = CombiningKeys.BinarySearch(codePoint);
        return at < 0 ? 0 : CombiningValues[at];
    }

    private static void Decompose(int cp, bool compatibility, int source, List<(int, int)> output)
    {
        var s = cp - SBase;
        if ((uint)s < SCount)
        {
            output.Add((LBase + (s / NCount), source));
            output.Add((VBase + (s % NCount / TCount), source));
            if (s % TCount != 0)
            {
                output.Add((TBase + (s % TCount), source));
            }

            return;
        }

        var at = cp < 0xA0 ? -1 : DecompositionKeys.BinarySearch(cp);
        var value = at < 0 ? null : compatibility ? CompatibilityValues[at] : CanonicalValues[at];
        if (value is null)
        {
            output.Add((cp, source));
            return;
        }

        foreach (var r in value.EnumerateRunes())
        {
            output.Add((r.Value, source));
        }
    }

    /// <summary>Canonical ordering: a stable sort by combining class of every run of non-starters.</summary>
    private static void Reorder(List<(int CodePoint, int Source)> text)
    {
        for (var i = 1; i < text.Count; i++)
        {
            var cc = CombiningClass(text[i].CodePoint);
            if (cc == 0)
            {
                continue;
            }

            var j = i;
            while (j > 0)
            {
                var previous = CombiningClass(text[j - 1].CodePoint);
                if (previous == 0 || previous <= cc)
                {
                    break;
                }

                (text[j - 1], text[j]) = (text[j], text[j - 1]);
                j--;
            }
        }
    }

    /// <summary>Canonical composition (UAX #15 §1.3): each character is combined with the last starter when nothing
    /// between them blocks it.</summary>
    private static void Compose(List<(int CodePoint, int Source)> text)
    {
        if (text.Count < 2)
        {
            return;
        }

        var starter = -1;
        var lastClass = -1;
        var write = 0;
        for (var read = 0; read < text.Count; read++)
        {
            var (cp, source) = text[read];
            var cc = CombiningClass(cp);
            if (starter >= 0 && (lastClass < cc || (lastClass == 0 && write == starter + 1)))
            {
                var composite = Composite(text[starter].CodePoint, cp);
                if (composite >= 0)
                {
                    text[starter] = (composite, text[starter].Source);
                    continue;
                }
            }

            if (cc == 0)
            {
                starter = write;
                lastClass = 0;
            }
            else
            {
                lastClass = cc;
            }

            text[write++] = (cp, source);
        }

        text.RemoveRange(write, text.Count - write);
    }

    private static int Composite(int first, int second)
    {
        var l = first - LBase;
        if ((uint)l < LCount)
        {
            var v = second - VBase;
            return (uint)v < VCount ? SBase + (((l * VCount) + v) * TCount) : -1;
        }

        var s = first - SBase;
        if ((uint)s < SCount && s % TCount == 0)
        {
            var t = second - TBase;
            return t is > 0 and < TCount ? first + t : -1;
        }

        var at = CompositionKeys.BinarySearch(((long)first << 21) | (uint)second);
        return at < 0 ? -1 : CompositionValues[at];
    }
}
