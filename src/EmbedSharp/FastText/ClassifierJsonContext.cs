using System.Text.Json.Serialization;

namespace EmbedSharp.FastText;

/// <summary>Source-generated JSON for the classifier file's metadata (arrays of strings).</summary>
[JsonSerializable(typeof(string[]))]
internal sealed partial class ClassifierJsonContext : JsonSerializerContext
{
}
