using System.Text;

namespace EmbedSharp.Tokenization;

/// <summary>
/// The Unicode normalization forms NFD, NFKD, NFC and NFKC (UAX #15) from generated tables, for hosts that run with
/// InvariantGlobalization (where <see cref="string.Normalize()"/> does not apply them), written as the change stream
/// Hugging Face's <c>NormalizedString::nfc</c> etc. feed to <c>transform</c> (its fork
/// <c>unicode-normalization-alignments</c>): each character's decomposition gives its first code point change 0 and
/// the others 1 (inserted); canonical reordering moves changes with their code points; a composition adds the
/// absorbed code point's change − 1 to the composite's. WordPiece's accent stripping reads the same canonical
/// decompositions (<see cref="Decomposition"/>).
/// </summary>
internal static partial class UnicodeNormalization
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    /// <summary>Normalizes <paramref name="input"/> into <paramref name="output"/> (cleared first): each output code
    /// point with its change (see the class remarks).</summary>
    public static void Normalize(ReadOnlySpan<char> input, bool compatibility, bool compose, List<(int CodePoint, int Change)> output)
    {
        output.Clear();
        for (var i = 0; i < input.Length;)
        {
            Rune.DecodeFromUtf16(input[i..], out var rune, out var width);
            var first = output.Count;
            Decompose(char.IsSurrogate(input[i]) && width == 1 ? input[i] : rune.Value, compatibility, output);
            for (var k = first + 1; k < output.Count; k++)
            {
                output[k] = (output[k].CodePoint, 1);
            }

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

    /// <summary>The full compatibility (NFKD) or canonical (NFD) decomposition of <paramref name="codePoint"/>, or null
    /// when it has none; Hangul syllables are left to the caller's arithmetic (null here).</summary>
    public static string? Decomposition(int codePoint, bool compatibility)
    {
        var at = codePoint < 0xA0 ? -1 : DecompositionKeys.BinarySearch(codePoint);
        if (at < 0)
        {
            return null;
        }

        if (compatibility)
        {
            return CompatibilityValues[at];
        }

        return CanonicalKinds[at] switch
        {
            0 => null,
            1 => CompatibilityValues[at],
            _ => CanonicalExceptionValues[CanonicalExceptionKeys.BinarySearch(codePoint)],
        };
    }

    private static void Decompose(int cp, bool compatibility, List<(int, int)> output)
    {
        var s = cp - SBase;
        if ((uint)s < SCount)
        {
            output.Add((LBase + (s / NCount), 0));
            output.Add((VBase + (s % NCount / TCount), 0));
            if (s % TCount != 0)
            {
                output.Add((TBase + (s % TCount), 0));
            }

            return;
        }

        var value = Decomposition(cp, compatibility);
        if (value is null)
        {
            output.Add((cp, 0));
            return;
        }

        foreach (var r in value.EnumerateRunes())
        {
            output.Add((r.Value, 0));
        }
    }

    /// <summary>Canonical ordering: a stable sort by combining class of every run of non-starters.</summary>
    private static void Reorder(List<(int CodePoint, int Change)> text)
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

    /// <summary>Canonical composition (UAX #15 §1.3) as a stream: a starter waits as the composee; a following code
    /// point that is not blocked and composes with it replaces it (changes added, minus one); blocked or
    /// non-composing non-starters wait in a buffer written after the composee.</summary>
    private static void Compose(List<(int CodePoint, int Change)> text)
    {
        var output = new List<(int, int)>(text.Count);
        var buffer = new List<(int, int)>();
        (int CodePoint, int Change)? composee = null;
        var lastClass = -1;
        foreach (var (cp, change) in text)
        {
            var cc = CombiningClass(cp);
            if (composee is not { } k)
            {
                if (cc != 0)
                {
                    output.Add((cp, change));
                }
                else
                {
                    composee = (cp, change);
                }

                continue;
            }

            if (lastClass < 0 || lastClass < cc)
            {
                var composite = Composite(k.CodePoint, cp);
                if (composite >= 0)
                {
                    composee = (composite, k.Change + change - 1);
                    continue;
                }
            }

            if (lastClass < 0 && cc == 0)
            {
                output.Add(k);
                composee = (cp, change);
            }
            else if (lastClass >= 0 && lastClass >= cc && cc == 0)
            {
                output.Add(k);
                output.AddRange(buffer);
                buffer.Clear();
                composee = (cp, change);
                lastClass = -1;
            }
            else
            {
                buffer.Add((cp, change));
                lastClass = cc;
            }
        }

        if (composee is { } last)
        {
            output.Add(last);
        }

        output.AddRange(buffer);
        text.Clear();
        text.AddRange(output);
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
