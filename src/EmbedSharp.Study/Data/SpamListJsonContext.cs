using System.Text.Json.Serialization;

namespace EmbedSharp.Study.Data;

/// <summary>Source-generated JSON metadata for <c>data/file_list.json</c> (an array of strings).</summary>
[JsonSerializable(typeof(string[]))]
internal sealed partial class SpamListJsonContext : JsonSerializerContext
{
}
