using System.Globalization;
using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Reads the fields of a <c>tokenizer.json</c> with their JSON path, so that a wrong or missing value becomes
/// one <see cref="TokenizerFormatException"/> naming the file and the path (e.g. <c>model.merges[17]</c>).</summary>
internal sealed class JsonSource(string fileName)
{
    /// <summary>The file name used in messages.</summary>
    public string FileName { get; } = fileName;

    /// <summary>An exception naming the file and <paramref name="path"/>.</summary>
    public TokenizerFormatException Error(string path, string message) => new(FileName, null, $"{path}: {message}");

    /// <summary>The element must be an object.</summary>
    public JsonElement Object(JsonElement element, string path)
        => element.ValueKind == JsonValueKind.Object ? element : throw Error(path, $"expected an object, found {Kind(element)}.");

    /// <summary>The element must be an array.</summary>
    public JsonElement Array(JsonElement element, string path)
        => element.ValueKind == JsonValueKind.Array ? element : throw Error(path, $"expected an array, found {Kind(element)}.");

    /// <summary>A required property of an object.</summary>
    public JsonElement Required(JsonElement obj, string name, string path)
        => obj.TryGetProperty(name, out var value) ? value : throw Error(path, $"the required field \"{name}\" is missing.");

    /// <summary>An optional property (absent or null → false).</summary>
    public static bool TryGet(JsonElement obj, string name, out JsonElement value)
        => obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>A required string property.</summary>
    public string String(JsonElement obj, string name, string path) => AsString(Required(obj, name, path), $"{path}.{name}");

    /// <summary>An optional string property (absent or null → <paramref name="fallback"/>).</summary>
    public string? OptionalString(JsonElement obj, string name, string path, string? fallback = null)
        => TryGet(obj, name, out var v) ? AsString(v, $"{path}.{name}") : fallback;

    /// <summary>An optional boolean property.</summary>
    public bool Bool(JsonElement obj, string name, string path, bool fallback)
    {
        if (!TryGet(obj, name, out var v))
        {
            return fallback;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error($"{path}.{name}", $"expected true or false, found {Kind(v)}."),
        };
    }

    /// <summary>An optional non-negative integer property.</summary>
    public int Int(JsonElement obj, string name, string path, int fallback)
        => TryGet(obj, name, out var v) ? AsInt(v, $"{path}.{name}") : fallback;

    /// <summary>The element as a string.</summary>
    public string AsString(JsonElement element, string path)
        => element.ValueKind == JsonValueKind.String ? element.GetString()! : throw Error(path, $"expected a string, found {Kind(element)}.");

    /// <summary>The element as a non-negative 32-bit integer.</summary>
    public int AsInt(JsonElement element, string path)
        => element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var i) && i >= 0 ? i
            : throw Error(path, $"expected a non-negative integer, found {Kind(element)}.");

    /// <summary>The element as a finite double.</summary>
    public double AsDouble(JsonElement element, string path)
        => element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var d) && double.IsFinite(d) ? d
            : throw Error(path, $"expected a number, found {Kind(element)}.");

    /// <summary>The "type" of a component object.</summary>
    public string Type(JsonElement element, string path) => String(Object(element, path), "type", path);

    /// <summary>A short description of a JSON value for messages.</summary>
    public static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => Excerpt("the string " + JsonSerializer.Serialize(element.GetString())),
        JsonValueKind.Number => "the number " + element.GetRawText(),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => string.Create(CultureInfo.InvariantCulture, $"an array of {element.GetArrayLength()}"),
        JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        _ => "null",
    };

    /// <summary>At most 80 characters of a value, for one-line messages.</summary>
    public static string Excerpt(string s) => s.Length <= 80 ? s : string.Concat(s.AsSpan(0, 80), "…");

    /// <summary>A path with an index: <c>path[i]</c>.</summary>
    public static string At(string path, int index) => string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]");
}
