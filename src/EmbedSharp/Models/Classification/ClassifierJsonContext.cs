using System.Text.Json.Serialization;

namespace EmbedSharp.Models.Classification;

/// <summary>Source-generated JSON for the classifier file's metadata (arrays of strings).</summary>
[JsonSerializable(typeof(string[]))]
internal sealed partial class ClassifierJsonContext : JsonSerializerContext
{
}
