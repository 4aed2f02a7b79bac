using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>A Hugging Face post-processor: adds special tokens (when asked) and adjusts offsets of one encoding.</summary>
internal abstract class PostProcessor
{
    /// <summary>Processes the encoding held in <paramref name="scratch"/> (ids, token strings, spans, special mask).</summary>
    public abstract void Process(EncodeScratch scratch, bool addSpecialTokens);

    /// <summary>How many special tokens <see cref="Process"/> adds to one sequence (Hugging Face's
    /// <c>added_tokens(is_pair=false)</c>), so truncation leaves room for them.</summary>
    public abstract int AddedTokens { get; }

    /// <summary>Reads the <c>post_processor</c> object at <paramref name="path"/>.</summary>
    public static PostProcessor Parse(JsonSource json, JsonElement element, string path, Func<string, int> tokenToId)
    {
        var type = json.Type(element, path);
        return type switch
        {
            "TemplateProcessing" => new TemplatePostProcessor(json, element, path),
            "BertProcessing" => new WrapPostProcessor(json, element, path, roberta: false),
            "RobertaProcessing" => new WrapPostProcessor(json, element, path, roberta: true),
            "ByteLevel" => new ByteLevelPostProcessor(json.Bool(element, "trim_offsets", path, true), json.Bool(element, "add_prefix_space", path, true)),
            "Sequence" => new SequencePostProcessor(json, element, path, tokenToId),
            _ => throw json.Error($"{path}.type", $"the post-processor type \"{JsonSource.Excerpt(type)}\" is not supported (supported: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence)."),
        };
    }

    /// <summary>Inserts one special token at <paramref name="index"/> with an empty span.</summary>
    protected static void Insert(EncodeScratch scratch, int index, int id, string token)
    {
        scratch.Ids.Insert(index, id);
        scratch.TokenStrings.Insert(index, token);
        scratch.Spans.Insert(index, new TokenSpan(0, 0));
        scratch.SpecialMask.Insert(index, 1);
    }

    /// <summary>Reads a <c>[token, id]</c> pair.</summary>
    protected static (string Token, int Id) ReadPair(JsonSource json, JsonElement element, string name, string path)
    {
        var pair = json.Array(json.Required(element, name, path), $"{path}.{name}");
        if (pair.GetArrayLength() != 2)
        {
            throw json.Error($"{path}.{name}", "expected [token, id].");
        }

        return (json.AsString(pair[0], $"{path}.{name}[0]"), json.AsInt(pair[1], $"{path}.{name}[1]"));
    }
}
