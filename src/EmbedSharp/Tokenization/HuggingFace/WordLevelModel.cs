using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>WordLevel</c> model: a piece is its vocabulary id, or <c>unk_token</c>.</summary>
internal sealed class WordLevelModel : Model
{
    private readonly int unkId;
    private readonly string unkToken;

    public WordLevelModel(JsonSource json, JsonElement element, string path)
        : this(json, element, path, ReadVocab(json, element, path))
    {
    }

    private WordLevelModel(JsonSource json, JsonElement element, string path, (Dictionary<string, int> Vocab, string?[] Tokens) v)
        : base(v.Vocab, v.Tokens)
    {
        unkToken = json.OptionalString(element, "unk_token", path, "<unk>")!;
        unkId = Vocab.TryGetValue(unkToken, out var id) ? id : -1;
    }

    public override void Tokenize(ReadOnlySpan<char> piece, List<ModelToken> output)
    {
        if (Lookup.TryGetValue(piece, out var id))
        {
            output.Add(new ModelToken(id, 0, piece.Length));
        }
        else if (unkId >= 0)
        {
            output.Add(new ModelToken(unkId, 0, piece.Length));
        }
        else
        {
            throw new InvalidOperationException($"WordLevel: \"{JsonSource.Excerpt(piece.ToString())}\" is not in the vocabulary and the unk token \"{unkToken}\" is missing (Hugging Face fails the same way).");
        }
    }
}
