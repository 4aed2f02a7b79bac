using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>BertProcessing</c> (<c>[CLS] A [SEP]</c>) and <c>RobertaProcessing</c> (<c>&lt;s&gt; A
/// &lt;/s&gt;</c>, trimming byte-level offsets first when <c>trim_offsets</c>, as its ByteLevel processor does).</summary>
internal sealed class WrapPostProcessor : PostProcessor
{
    private readonly (string Token, int Id) cls;
    private readonly (string Token, int Id) sep;
    private readonly ByteLevelPostProcessor? trim;

    public WrapPostProcessor(JsonSource json, JsonElement element, string path, bool roberta)
    {
        cls = ReadPair(json, element, "cls", path);
        sep = ReadPair(json, element, "sep", path);
        if (roberta && json.Bool(element, "trim_offsets", path, true))
        {
            trim = new ByteLevelPostProcessor(true, json.Bool(element, "add_prefix_space", path, true));
        }
    }

    public override int AddedTokens => 2;

    public override void Process(EncodeScratch scratch, bool addSpecialTokens)
    {
        trim?.Process(scratch, addSpecialTokens);
        if (addSpecialTokens)
        {
            Insert(scratch, 0, cls.Id, cls.Token);
            Insert(scratch, scratch.Ids.Count, sep.Id, sep.Token);
        }
    }
}
