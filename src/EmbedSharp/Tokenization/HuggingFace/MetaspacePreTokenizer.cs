using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>
/// Hugging Face <c>Metaspace</c> pre-tokenizer: spaces become <c>replacement</c> (default ▁); then, by
/// <c>prepend_scheme</c>, a replacement is put before a piece that does not start with one: <c>always</c>, <c>first</c>
/// (only the piece that starts the input) or <c>never</c> (old files: <c>add_prefix_space</c> true → always); with
/// <c>split</c> (default true) the piece is cut before each replacement character.
/// </summary>
internal sealed class MetaspacePreTokenizer : PreTokenizer
{
    private readonly string replacement;
    private readonly Prepend scheme;
    private readonly bool split;

    public MetaspacePreTokenizer(JsonSource json, JsonElement element, string path)
    {
        (replacement, scheme) = Read(json, element, path);
        split = json.Bool(element, "split", path, true);
    }

    /// <summary>When the replacement is put before a piece.</summary>
    public enum Prepend
    {
        Always,
        First,
        Never,
    }

    /// <summary>The replacement character.</summary>
    public string Replacement => replacement;

    /// <summary>Reads <c>replacement</c> and the prepend scheme (shared with the Metaspace decoder).</summary>
    public static (string Replacement, Prepend Scheme) Read(JsonSource json, JsonElement element, string path)
    {
        var replacement = json.OptionalString(element, "replacement", path, "\u2581")!;
        var runes = replacement.EnumerateRunes();
        if (!runes.MoveNext() || runes.Current.Utf16SequenceLength != replacement.Length)
        {
            throw json.Error($"{path}.replacement", "expected one character.");
        }

        var scheme = json.OptionalString(element, "prepend_scheme", path) switch
        {
            null => json.Bool(element, "add_prefix_space", path, true) ? Prepend.Always : Prepend.Never,
            "always" => Prepend.Always,
            "first" => Prepend.First,
            "never" => Prepend.Never,
            var other => throw json.Error($"{path}.prepend_scheme", $"\"{JsonSource.Excerpt(other)}\" is not one of always, first, never."),
        };
        return (replacement, scheme);
    }

    protected override void Split(PieceBuffer buffer, Piece piece, EncodeScratch scratch, List<Piece> output)
    {
        var matches = scratch.Matches;
        matches.Clear();
        var text = buffer.Text(piece);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == ' ')
            {
                matches.Add((i, i + 1));
            }
        }

        if (matches.Count > 0)
        {
            piece = buffer.Replace(piece, matches, replacement);
        }

        var startsWith = buffer.Text(piece).StartsWith(replacement, StringComparison.Ordinal);
        if (!startsWith && (scheme == Prepend.Always || (scheme == Prepend.First && buffer.SourceSpan(piece.Start, piece.End).Start == 0)))
        {
            piece = PrependNormalizer.Prepend(buffer, piece, replacement);
        }

        if (!split)
        {
            if (piece.Length > 0)
            {
                output.Add(piece);
            }

            return;
        }

        var segments = scratch.Segments;
        segments.Clear();
        var t = buffer.Text(piece);
        var last = 0;
        for (var i = 0; i < t.Length;)
        {
            var at = t[i..].IndexOf(replacement, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            at += i;
            if (last < at)
            {
                segments.Add((last, at, false));
            }

            segments.Add((at, at + replacement.Length, true));
            last = i = at + replacement.Length;
        }

        if (last < t.Length)
        {
            segments.Add((last, t.Length, false));
        }

        Apply(piece, segments, SplitBehavior.MergedWithNext, output);
    }
}
