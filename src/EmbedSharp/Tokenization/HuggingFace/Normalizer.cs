using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>A Hugging Face normalizer: rewrites one piece of text, keeping each new unit's input alignment.</summary>
internal abstract class Normalizer
{
    /// <summary>Normalizes <paramref name="piece"/>; returns the new range (or the same one when nothing changed).</summary>
    public abstract Piece Normalize(PieceBuffer buffer, Piece piece, EncodeScratch scratch);

    /// <summary>Reads the <c>normalizer</c> object at <paramref name="path"/>.</summary>
    public static Normalizer Parse(JsonSource json, JsonElement element, string path)
    {
        var type = json.Type(element, path);
        return type switch
        {
            "Sequence" => new SequenceNormalizer(json, element, path),
            "NFC" => new UnicodeFormNormalizer(compatibility: false, compose: true),
            "NFD" => new UnicodeFormNormalizer(compatibility: false, compose: false),
            "NFKC" => new UnicodeFormNormalizer(compatibility: true, compose: true),
            "NFKD" => new UnicodeFormNormalizer(compatibility: true, compose: false),
            "Lowercase" => new LowercaseNormalizer(),
            "Strip" => new StripNormalizer(json.Bool(element, "strip_left", path, true), json.Bool(element, "strip_right", path, true)),
            "StripAccents" => new StripAccentsNormalizer(),
            "Replace" => new ReplaceNormalizer(json, element, path),
            "Prepend" => new PrependNormalizer(json.String(element, "prepend", path)),
            "Precompiled" => new PrecompiledNormalizer(json, element, path),
            "BertNormalizer" => new BertNormalizer(json, element, path),
            _ => throw json.Error($"{path}.type", $"the normalizer type \"{JsonSource.Excerpt(type)}\" is not supported (supported: Sequence, NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Replace, Prepend, Precompiled, BertNormalizer)."),
        };
    }
}
