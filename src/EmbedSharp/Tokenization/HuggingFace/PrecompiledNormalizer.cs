using System.Globalization;
using System.Text;
using System.Text.Json;
using EmbedSharp.Tokenization.SentencePiece;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>
/// Hugging Face <c>Precompiled</c> normalizer: SentencePiece's compiled character map (<c>precompiled_charsmap</c>,
/// base64) applied as Hugging Face applies it: per extended grapheme cluster, a cluster shorter than 6 UTF-8 bytes is
/// replaced whole by the rule of its shortest matching prefix; otherwise each character by its own rule. A longer or
/// shorter replacement keeps alignments the way <c>transform</c> does (extra characters are inserted at the end,
/// missing ones removed after the last).
/// </summary>
internal sealed class PrecompiledNormalizer : Normalizer
{
    private readonly PrecompiledCharsMap? map;

    public PrecompiledNormalizer(JsonSource json, JsonElement element, string path)
    {
        var base64 = json.OptionalString(element, "precompiled_charsmap", path) ?? "";
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw json.Error($"{path}.precompiled_charsmap", "is not valid base64.");
        }

        try
        {
            map = PrecompiledCharsMap.Open(blob, json.FileName);
        }
        catch (SentencePieceModelException e)
        {
            throw json.Error($"{path}.precompiled_charsmap", e.Message);
        }
    }

    public override Piece Normalize(PieceBuffer buffer, Piece piece, EncodeScratch scratch)
    {
        if (map is null)
        {
            return piece;
        }

        var changes = scratch.Changes;
        changes.Clear();
        var modified = false;
        Span<byte> utf8 = stackalloc byte[8];
        var text = buffer.Text(piece);
        for (var i = 0; i < text.Length;)
        {
            var length = StringInfo.GetNextTextElementLength(text[i..]);
            var grapheme = text.Slice(i, length);
            if (Encoding.UTF8.GetByteCount(grapheme) < 6)
            {
                var n = Encoding.UTF8.GetBytes(grapheme, utf8);
                if (map.FirstPrefix(utf8[..n], out var replacement))
                {
                    modified = true;
                    AddReplacement(changes, CountChars(grapheme), replacement);
                    i += length;
                    continue;
                }
            }

            for (var k = 0; k < grapheme.Length;)
            {
                Rune.DecodeFromUtf16(grapheme[k..], out var rune, out var width);
                var n = rune.EncodeToUtf8(utf8);
                if (map.FirstPrefix(utf8[..n], out var replacement))
                {
                    modified = true;
                    AddReplacement(changes, 1, replacement);
                }
                else
                {
                    changes.Add((width == 2 ? rune.Value : grapheme[k], 0));
                }

                k += width;
            }

            i += length;
        }

        return modified ? buffer.Transform(piece, changes, 0) : piece;
    }

    private static int CountChars(ReadOnlySpan<char> text)
    {
        var n = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            n++;
        }

        return n;
    }

    private static void AddReplacement(List<(int CodePoint, int Change)> changes, int oldCount, ReadOnlySpan<byte> replacement)
    {
        var first = changes.Count;
        foreach (var rune in Encoding.UTF8.GetString(replacement).EnumerateRunes())
        {
            changes.Add((rune.Value, 0));
        }

        var diff = changes.Count - first - oldCount;
        if (diff > 0)
        {
            for (var k = changes.Count - diff; k < changes.Count; k++)
            {
                changes[k] = (changes[k].CodePoint, 1);
            }
        }
        else if (diff < 0 && changes.Count > 0)
        {
            changes[^1] = (changes[^1].CodePoint, changes[^1].Change + diff);
        }
    }
}
