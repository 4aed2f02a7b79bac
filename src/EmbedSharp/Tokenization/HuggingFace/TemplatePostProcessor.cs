using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>TemplateProcessing</c>: the <c>single</c> template's items in order, <c>Sequence A</c> being
/// the encoding and each <c>SpecialToken</c> the ids and tokens <c>special_tokens</c> lists for it (empty spans). Pair
/// templates are read but not used (one text is encoded at a time).</summary>
internal sealed class TemplatePostProcessor : PostProcessor
{
    private readonly List<(int[] Ids, string[] Tokens)?> items = [];

    public TemplatePostProcessor(JsonSource json, JsonElement element, string path)
    {
        var specials = new Dictionary<string, (int[], string[])>(StringComparer.Ordinal);
        if (JsonSource.TryGet(element, "special_tokens", out var map))
        {
            foreach (var property in json.Object(map, $"{path}.special_tokens").EnumerateObject())
            {
                var at = $"{path}.special_tokens.{property.Name}";
                var ids = json.Array(json.Required(property.Value, "ids", at), $"{at}.ids");
                var tokens = json.Array(json.Required(property.Value, "tokens", at), $"{at}.tokens");
                if (ids.GetArrayLength() != tokens.GetArrayLength())
                {
                    throw json.Error(at, "ids and tokens differ in length.");
                }

                specials[property.Name] = (
                    [.. ids.EnumerateArray().Select((e, i) => json.AsInt(e, JsonSource.At($"{at}.ids", i)))],
                    [.. tokens.EnumerateArray().Select((e, i) => json.AsString(e, JsonSource.At($"{at}.tokens", i)))]);
            }
        }

        var single = json.Array(json.Required(element, "single", path), $"{path}.single");
        var k = 0;
        foreach (var item in single.EnumerateArray())
        {
            var at = JsonSource.At($"{path}.single", k++);
            json.Object(item, at);
            if (JsonSource.TryGet(item, "Sequence", out _))
            {
                items.Add(null);
            }
            else if (JsonSource.TryGet(item, "SpecialToken", out var special))
            {
                var id = json.String(special, "id", $"{at}.SpecialToken");
                items.Add(specials.TryGetValue(id, out var found) ? found
                    : throw json.Error($"{at}.SpecialToken.id", $"\"{JsonSource.Excerpt(id)}\" is not in special_tokens."));
            }
            else
            {
                throw json.Error(at, "expected {\"Sequence\": …} or {\"SpecialToken\": …}.");
            }
        }
    }

    public override int AddedTokens => items.Sum(item => item is { } special ? special.Ids.Length : 0);

    public override void Process(EncodeScratch scratch, bool addSpecialTokens)
    {
        if (!addSpecialTokens)
        {
            return;
        }

        var position = 0;
        var sequenceLength = scratch.Ids.Count;
        foreach (var item in items)
        {
            if (item is not { } special)
            {
                position += sequenceLength;
                continue;
            }

            for (var i = 0; i < special.Ids.Length; i++)
            {
                Insert(scratch, position++, special.Ids[i], special.Tokens[i]);
            }
        }
    }
}
