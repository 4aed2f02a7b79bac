using System.Text.Json.Serialization;

namespace EmbedSharp.Study.Claims;

/// <summary>Source-generated JSON metadata for the claims study's run files and results (snake_case names; NaN and
/// ±Infinity as strings).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    UseStringEnumConverter = true,
    WriteIndented = true)]
[JsonSerializable(typeof(ArmRun))]
[JsonSerializable(typeof(ClaimsResults))]
internal sealed partial class ClaimsJsonContext : JsonSerializerContext
{
}
