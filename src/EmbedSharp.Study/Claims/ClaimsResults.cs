using System.Text.Json;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Study.Claims;

/// <summary>The answer to one of the study's questions, drawn from one or more experiments.</summary>
/// <param name="Id">Short id (<c>init</c>, <c>position</c>, <c>tokenization</c>, <c>pretrained</c>).</param>
/// <param name="Title">The question as a reader asks it.</param>
/// <param name="Experiments">The ids of the experiments that answer it, in display order.</param>
/// <param name="Answer">The recommendation, computed from the data (ties named as ties).</param>
/// <param name="Caveats">What the answer does not cover, or where the quick and full settings disagree; may be empty.</param>
public sealed record QuestionAnswer(string Id, string Title, IReadOnlyList<string> Experiments, string Answer, string Caveats);

/// <summary>Everything the claims study's <c>results.json</c> holds.</summary>
public sealed record ClaimsResults
{
    /// <summary>Format version of results.json.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The preset (quick or full).</summary>
    public required StudyPreset Preset { get; init; }

    /// <summary>The machine the runs were made on (cores, OS, .NET), for the report.</summary>
    public required string Machine { get; init; }

    /// <summary>Wall time of the whole study in this process (resumed runs cost nothing).</summary>
    public double WallSeconds { get; init; }

    /// <summary>The questions and their answers, in display order.</summary>
    public required IReadOnlyList<QuestionAnswer> Questions { get; init; }

    /// <summary>Every experiment with its runs and analysis.</summary>
    public required IReadOnlyList<ExperimentResult> Experiments { get; init; }

    /// <summary>The experiment by id.</summary>
    /// <exception cref="KeyNotFoundException">No such experiment.</exception>
    public ExperimentResult Experiment(string id) => Experiments.FirstOrDefault(e => e.Spec.Id == id) ?? throw new KeyNotFoundException($"No experiment '{id}'.");

    /// <summary>Writes results.json atomically.</summary>
    public static void Write(string path, ClaimsResults results) =>
        AtomicFile.Write(path, s => JsonSerializer.Serialize(s, results, ClaimsJsonContext.Default.ClaimsResults));

    /// <summary>Reads results.json.</summary>
    /// <exception cref="InvalidDataException">The file is not a claims results file (names the path).</exception>
    public static ClaimsResults Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize(stream, ClaimsJsonContext.Default.ClaimsResults)
                ?? throw new InvalidDataException($"{path}: empty results file.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a claims study results file: {e.Message}", e);
        }
    }
}
