using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>Split</c> pre-tokenizer: the matches of <c>pattern</c> (literal <c>String</c> or Oniguruma
/// <c>Regex</c>, see <see cref="OnigurumaRegex"/>) are the delimiters, handled by <c>behavior</c>; <c>invert</c> swaps
/// matches and gaps.</summary>
internal sealed class SplitPreTokenizer : PreTokenizer
{
    private readonly OnigurumaRegex pattern;
    private readonly SplitBehavior behavior;
    private readonly bool invert;

    public SplitPreTokenizer(JsonSource json, JsonElement element, string path)
    {
        pattern = ReplaceNormalizer.ReadPattern(json, element, path);
        behavior = ReadBehavior(json, element, path, null);
        invert = json.Bool(element, "invert", path, false);
    }

    /// <summary>Reads <c>behavior</c> (required unless <paramref name="fallback"/> is given).</summary>
    public static SplitBehavior ReadBehavior(JsonSource json, JsonElement element, string path, SplitBehavior? fallback)
    {
        var name = fallback is null ? json.String(element, "behavior", path) : json.OptionalString(element, "behavior", path);
        return name switch
        {
            null => fallback!.Value,
            "Removed" => SplitBehavior.Removed,
            "Isolated" => SplitBehavior.Isolated,
            "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
            "MergedWithNext" => SplitBehavior.MergedWithNext,
            "Contiguous" => SplitBehavior.Contiguous,
            _ => throw json.Error($"{path}.behavior", $"\"{JsonSource.Excerpt(name)}\" is not a split behavior (Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)."),
        };
    }

    protected override void Split(PieceBuffer buffer, Piece piece, EncodeScratch scratch, List<Piece> output)
    {
        pattern.Find(buffer.Text(piece), scratch.Matches);
        Segments(scratch.Matches, piece.Length, invert, scratch.Segments);
        Apply(piece, scratch.Segments, behavior, output);
    }
}
