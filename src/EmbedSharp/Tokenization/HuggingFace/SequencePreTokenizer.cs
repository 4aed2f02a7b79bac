using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>Sequence</c> pre-tokenizer: its <c>pretokenizers</c> in order.</summary>
internal sealed class SequencePreTokenizer : PreTokenizer
{
    private readonly PreTokenizer[] steps;

    public SequencePreTokenizer(JsonSource json, JsonElement element, string path)
    {
        var list = json.Array(json.Required(element, "pretokenizers", path), $"{path}.pretokenizers");
        steps = new PreTokenizer[list.GetArrayLength()];
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            steps[i] = Parse(json, item, JsonSource.At($"{path}.pretokenizers", i));
            i++;
        }
    }

    public override void PreTokenize(PieceBuffer buffer, List<Piece> pieces, EncodeScratch scratch)
    {
        foreach (var step in steps)
        {
            step.PreTokenize(buffer, pieces, scratch);
        }
    }

    protected override void Split(PieceBuffer buffer, Piece piece, EncodeScratch scratch, List<Piece> output)
        => throw new InvalidOperationException("A sequence splits through its steps.");
}
