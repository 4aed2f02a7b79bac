using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>Replace</c> normalizer (also a decoder step): every match of <c>pattern</c> (a literal
/// <c>String</c> or an Oniguruma <c>Regex</c>) becomes <c>content</c>.</summary>
internal sealed class ReplaceNormalizer : Normalizer
{
    public ReplaceNormalizer(JsonSource json, JsonElement element, string path)
    {
        Pattern = ReadPattern(json, element, path);
        Content = json.String(element, "content", path);
    }

    public OnigurumaRegex Pattern { get; }

    public string Content { get; }

    /// <summary>Reads a <c>pattern</c> field: <c>{"String": s}</c> or <c>{"Regex": r}</c>.</summary>
    public static OnigurumaRegex ReadPattern(JsonSource json, JsonElement element, string path)
    {
        var pattern = json.Object(json.Required(element, "pattern", path), $"{path}.pattern");
        try
        {
            if (JsonSource.TryGet(pattern, "String", out var s))
            {
                return OnigurumaRegex.Literal(json.AsString(s, $"{path}.pattern.String"));
            }

            if (JsonSource.TryGet(pattern, "Regex", out var r))
            {
                return new OnigurumaRegex(json.AsString(r, $"{path}.pattern.Regex"));
            }
        }
        catch (ArgumentException e)
        {
            throw json.Error($"{path}.pattern", "the regular expression cannot be used: " + e.Message);
        }

        throw json.Error($"{path}.pattern", "expected {\"String\": …} or {\"Regex\": …}.");
    }

    public override Piece Normalize(PieceBuffer buffer, Piece piece, EncodeScratch scratch)
    {
        var matches = scratch.Matches;
        Pattern.Find(buffer.Text(piece), matches);
        return matches.Count == 0 ? piece : buffer.Replace(piece, matches, Content);
    }
}
