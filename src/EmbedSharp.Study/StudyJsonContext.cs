using System.Text.Json.Serialization;

namespace EmbedSharp.Study;

/// <summary>Source-generated JSON metadata for run files and results.json (snake_case names; NaN and ±Infinity as strings).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    UseStringEnumConverter = true,
    WriteIndented = true)]
[JsonSerializable(typeof(RunResult))]
[JsonSerializable(typeof(StudyResults))]
internal sealed partial class StudyJsonContext : JsonSerializerContext
{
}
