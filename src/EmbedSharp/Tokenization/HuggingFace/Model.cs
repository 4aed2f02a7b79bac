using System.Globalization;
using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>A Hugging Face model: a vocabulary and the way one pre-tokenized piece becomes tokens.</summary>
internal abstract class Model
{
    /// <summary>The most ids past the vocabulary's entry count a file may use (ids need not be dense, but an array
    /// indexed by id is allocated).</summary>
    private const int MaxIdSlack = 1 << 20;

    protected Model(Dictionary<string, int> vocab, string?[] tokens)
    {
        Vocab = vocab;
        Tokens = tokens;
        Lookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The vocabulary: token → id.</summary>
    public Dictionary<string, int> Vocab { get; }

    /// <summary>id → token (null for an id no token has).</summary>
    public string?[] Tokens { get; }

    /// <summary>Span lookups into <see cref="Vocab"/>.</summary>
    protected Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> Lookup { get; }

    /// <summary>Appends the tokens of one piece (units relative to it).</summary>
    public abstract void Tokenize(ReadOnlySpan<char> piece, List<ModelToken> output);

    /// <summary>Reads the <c>model</c> object.</summary>
    public static Model Parse(JsonSource json, JsonElement element, string path)
    {
        json.Object(element, path);
        var type = JsonSource.TryGet(element, "type", out var t) ? json.AsString(t, $"{path}.type") : Infer(element);
        return type switch
        {
            "BPE" => new BpeModel(json, element, path),
            "WordPiece" => new WordPieceModel(json, element, path),
            "WordLevel" => new WordLevelModel(json, element, path),
            "Unigram" => new UnigramModel(json, element, path),
            _ => throw json.Error($"{path}.type", $"the model type \"{JsonSource.Excerpt(type)}\" is not supported (supported: BPE, WordPiece, WordLevel, Unigram)."),
        };
    }

    /// <summary>Hugging Face guesses an untyped model from its fields.</summary>
    private static string Infer(JsonElement element)
        => element.TryGetProperty("merges", out _) ? "BPE"
            : element.TryGetProperty("continuing_subword_prefix", out _) ? "WordPiece"
            : element.TryGetProperty("vocab", out var v) && v.ValueKind == JsonValueKind.Array ? "Unigram" : "WordLevel";

    /// <summary>Reads a <c>vocab</c> object of token → id.</summary>
    protected static (Dictionary<string, int> Vocab, string?[] Tokens) ReadVocab(JsonSource json, JsonElement element, string path)
    {
        var obj = json.Object(json.Required(element, "vocab", path), $"{path}.vocab");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        var max = -1;
        foreach (var property in obj.EnumerateObject())
        {
            var id = json.AsInt(property.Value, $"{path}.vocab[{JsonSerializer.Serialize(JsonSource.Excerpt(property.Name))}]");
            vocab[property.Name] = id;
            max = Math.Max(max, id);
        }

        if (max >= vocab.Count + MaxIdSlack)
        {
            throw json.Error($"{path}.vocab", string.Create(CultureInfo.InvariantCulture, $"the id {max} is far beyond the {vocab.Count} entries (at most {MaxIdSlack} ids may be unused)."));
        }

        var tokens = new string?[max + 1];
        foreach (var (token, id) in vocab)
        {
            // Two tokens with one id: Hugging Face's reverse map keeps one of them; keep the first in file order.
            tokens[id] ??= token;
        }

        return (vocab, tokens);
    }

    /// <summary>The id of a required token named by a field, or an error naming the field.</summary>
    protected static int RequireToken(JsonSource json, Dictionary<string, int> vocab, string token, string path)
        => vocab.TryGetValue(token, out var id) ? id : throw json.Error(path, $"the token \"{JsonSource.Excerpt(token)}\" is not in the vocabulary.");
}
