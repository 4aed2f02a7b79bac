using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>Sequence</c> normalizer: its <c>normalizers</c> in order.</summary>
internal sealed class SequenceNormalizer : Normalizer
{
    private readonly Normalizer[] steps;

    public SequenceNormalizer(JsonSource json, JsonElement element, string path)
    {
        var list = json.Array(json.Required(element, "normalizers", path), $"{path}.normalizers");
        steps = new Normalizer[list.GetArrayLength()];
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            steps[i] = Parse(json, item, JsonSource.At($"{path}.normalizers", i));
            i++;
        }
    }

    public override Piece Normalize(PieceBuffer buffer, Piece piece, EncodeScratch scratch)
    {
        foreach (var step in steps)
        {
            piece = step.Normalize(buffer, piece, scratch);
        }

        return piece;
    }
}
