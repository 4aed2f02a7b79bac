namespace EmbedSharp.Study;

/// <summary>What the study was run on, recorded beside the results.</summary>
public sealed record StudySetup
{
    /// <summary>The preset (quick or full).</summary>
    public StudyPreset Preset { get; init; }

    /// <summary>A one-line description of the data (corpus, split sizes).</summary>
    public string Data { get; init; } = "";

    /// <summary>Training examples.</summary>
    public int TrainCount { get; init; }

    /// <summary>Test examples.</summary>
    public int TestCount { get; init; }

    /// <summary>Classes.</summary>
    public int ClassCount { get; init; }

    /// <summary>Vocabulary size V (rows of the embedding table).</summary>
    public int VocabularySize { get; init; }

    /// <summary>Embedding dimension D.</summary>
    public int Dim { get; init; }

    /// <summary>Epochs per run.</summary>
    public int Epochs { get; init; }

    /// <summary>Initial learning rate.</summary>
    public double LearningRate { get; init; }

    /// <summary>Steps averaged per logged loss.</summary>
    public int LogEvery { get; init; }

    /// <summary>The loss for "steps to target".</summary>
    public double TargetLoss { get; init; }

    /// <summary>The seeds.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [];

    /// <summary>How the output layer started.</summary>
    public OutputLayerInit OutputInit { get; init; }

    /// <summary>Where the pretrained vectors came from (a path, or the SOTU skip-gram training).</summary>
    public string? Vectors { get; init; }
}

/// <summary>One scheme over all its seeds, and its place in the ranking.</summary>
/// <param name="Rank">1 = best: highest mean final accuracy, ties broken by fewer steps to the target loss, then time.</param>
/// <param name="Scheme">The scheme's name.</param>
/// <param name="Label">The scheme's label (the torch call).</param>
/// <param name="Runs">Runs (seeds) aggregated.</param>
/// <param name="AccuracyMean">Mean final test accuracy.</param>
/// <param name="AccuracyStd">Sample standard deviation (n − 1) of the final test accuracy; 0 for one run.</param>
/// <param name="AccuracyMin">Lowest final test accuracy.</param>
/// <param name="AccuracyMax">Highest final test accuracy.</param>
/// <param name="TestLossMean">Mean final test loss.</param>
/// <param name="FirstLossMean">Mean of the first logged training loss.</param>
/// <param name="FinalTrainLossMean">Mean training loss of the last epoch.</param>
/// <param name="StepsToTargetMean">Mean steps to reach the target loss over the runs that reached it (null if none did).</param>
/// <param name="ReachedTarget">How many runs reached the target loss.</param>
/// <param name="WallSecondsMean">Mean wall time of a run.</param>
/// <param name="DivergedRuns">Runs whose loss became NaN or infinite.</param>
public sealed record SchemeAggregate(
    int Rank,
    string Scheme,
    string Label,
    int Runs,
    double AccuracyMean,
    double AccuracyStd,
    double AccuracyMin,
    double AccuracyMax,
    double TestLossMean,
    double FirstLossMean,
    double FinalTrainLossMean,
    double? StepsToTargetMean,
    int ReachedTarget,
    double WallSecondsMean,
    int DivergedRuns);

/// <summary>Everything <c>results.json</c> holds: the setup, every run, the ranked aggregates and the generated summary.</summary>
public sealed record StudyResults
{
    /// <summary>Format version of results.json.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The setup.</summary>
    public required StudySetup Setup { get; init; }

    /// <summary>Every run, ordered by scheme (as in the options), then seed.</summary>
    public required IReadOnlyList<RunResult> Runs { get; init; }

    /// <summary>One entry per scheme, best first.</summary>
    public required IReadOnlyList<SchemeAggregate> Ranking { get; init; }

    /// <summary>The generated summary, one sentence per entry.</summary>
    public required IReadOnlyList<string> Summary { get; init; }

    /// <summary>Builds the ranking and the summary from the runs.</summary>
    public static StudyResults Create(StudySetup setup, IReadOnlyList<RunResult> runs)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(runs);
        var ranking = Rank(runs, setup.TargetLoss);
        return new StudyResults
        {
            Setup = setup,
            Runs = runs,
            Ranking = ranking,
            Summary = StudySummary.Generate(setup, runs, ranking),
        };
    }

    /// <summary>Aggregates the runs per scheme and ranks the schemes: highest mean final accuracy first, then fewer
    /// steps to the target loss (schemes that never reach it last), then less time. Diverged runs count with accuracy as
    /// recorded (a NaN accuracy counts as 0).</summary>
    public static IReadOnlyList<SchemeAggregate> Rank(IReadOnlyList<RunResult> runs, double targetLoss)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var rows = new List<SchemeAggregate>();
        foreach (var group in runs.GroupBy(r => r.Scheme, StringComparer.Ordinal))
        {
            var list = group.ToList();
            var acc = list.Select(r => double.IsFinite(r.FinalAccuracy) ? r.FinalAccuracy : 0.0).ToArray();
            var mean = acc.Average();
            var std = acc.Length > 1 ? Math.Sqrt(acc.Sum(a => (a - mean) * (a - mean)) / (acc.Length - 1)) : 0.0;
            var reached = list.Select(r => r.StepsToReach(targetLoss)).Where(s => s is not null).Select(s => (double)s!.Value).ToArray();
            var label = TryLabel(group.Key);
            rows.Add(new SchemeAggregate(
                0, group.Key, label, list.Count, mean, std, acc.Min(), acc.Max(),
                list.Select(r => r.Epochs.Count > 0 ? r.Epochs[^1].TestLoss : double.NaN).Average(),
                list.Select(r => r.Steps.Count > 0 ? r.Steps[0].Loss : double.NaN).Average(),
                list.Select(r => r.Epochs.Count > 0 ? r.Epochs[^1].TrainLoss : double.NaN).Average(),
                reached.Length > 0 ? reached.Average() : null,
                reached.Length,
                list.Average(r => r.WallSeconds),
                list.Count(r => r.Diverged)));
        }

        var ordered = rows
            .OrderByDescending(r => Math.Round(r.AccuracyMean, 6))
            .ThenBy(r => r.StepsToTargetMean ?? double.PositiveInfinity)
            .ThenBy(r => r.WallSecondsMean)
            .ThenBy(r => r.Scheme, StringComparer.Ordinal)
            .ToList();
        return ordered.Select((r, i) => r with { Rank = i + 1 }).ToList();
    }

    private static string TryLabel(string name)
    {
        try
        {
            return EmbeddingInit.Parse(name).Label;
        }
        catch (ArgumentException)
        {
            return name;
        }
    }
}
