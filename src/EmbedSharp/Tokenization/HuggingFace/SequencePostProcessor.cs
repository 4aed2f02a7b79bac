using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>Sequence</c> post-processor: its <c>processors</c> in order.</summary>
internal sealed class SequencePostProcessor : PostProcessor
{
    private readonly PostProcessor[] steps;

    public SequencePostProcessor(JsonSource json, JsonElement element, string path, Func<string, int> tokenToId)
    {
        var list = json.Array(json.Required(element, "processors", path), $"{path}.processors");
        steps = new PostProcessor[list.GetArrayLength()];
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            steps[i] = Parse(json, item, JsonSource.At($"{path}.processors", i), tokenToId);
            i++;
        }
    }

    public override int AddedTokens => steps.Sum(step => step.AddedTokens);

    public override void Process(EncodeScratch scratch, bool addSpecialTokens)
    {
        foreach (var step in steps)
        {
            step.Process(scratch, addSpecialTokens);
        }
    }
}
