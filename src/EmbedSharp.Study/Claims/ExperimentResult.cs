using System.Globalization;
using EmbedSharp.Study.Statistics;

namespace EmbedSharp.Study.Claims;

/// <summary>One arm over its seeds.</summary>
/// <param name="Arm">The arm's name.</param>
/// <param name="Label">The arm's label.</param>
/// <param name="Series">The method, for experiments over a size; null otherwise.</param>
/// <param name="X">The size, for experiments over a size; null otherwise.</param>
/// <param name="Runs">Runs (seeds).</param>
/// <param name="Diverged">Runs whose metric is not finite; such an arm is never the best and has no interval.</param>
/// <param name="Metric">Mean and 95 % interval of the final metric over the seeds; null when a run diverged.</param>
/// <param name="ReachedTarget">Runs whose curve reached the experiment's target.</param>
/// <param name="ReachedTargetAtMean">Mean x (step) at which those runs reached it, or null.</param>
/// <param name="WallSecondsMean">Mean wall time of a run.</param>
/// <param name="Extra">Mean over the seeds of each extra measurement.</param>
public sealed record ArmSummary(string Arm, string Label, string? Series, double? X, int Runs, int Diverged, SeedSummary? Metric,
    int ReachedTarget, double? ReachedTargetAtMean, double WallSecondsMean, IReadOnlyDictionary<string, double> Extra);

/// <summary>An arm against the best arm of its group: arm − best over the same seeds (paired), with its 95 % interval.</summary>
/// <param name="Arm">The arm.</param>
/// <param name="Best">The best arm of the group.</param>
/// <param name="Difference">arm − best (positive = higher metric than the best).</param>
public sealed record VersusBest(string Arm, string Best, Difference Difference);

/// <summary>The arms of one group (one size, or the whole experiment): which is best, which are tied with it, and how far
/// each other arm is from it.</summary>
/// <param name="X">The size, or null for an experiment without sizes.</param>
/// <param name="Best">The arm with the best mean among those that did not diverge.</param>
/// <param name="TiedWithBest">Arms (the best first) whose paired difference to the best holds 0.</param>
/// <param name="Comparisons">Every other arm that did not diverge, against the best.</param>
/// <param name="DivergedArms">Arms with a diverged run.</param>
public sealed record GroupAnalysis(double? X, string Best, IReadOnlyList<string> TiedWithBest, IReadOnlyList<VersusBest> Comparisons,
    IReadOnlyList<string> DivergedArms);

/// <summary>An experiment's runs and what they say.</summary>
public sealed record ExperimentResult
{
    /// <summary>The experiment.</summary>
    public required ExperimentSpec Spec { get; init; }

    /// <summary>Every run, by arm then seed.</summary>
    public required IReadOnlyList<ArmRun> Runs { get; init; }

    /// <summary>One summary per arm, in the spec's order.</summary>
    public required IReadOnlyList<ArmSummary> Arms { get; init; }

    /// <summary>One analysis per group (per size, or one for the whole experiment).</summary>
    public required IReadOnlyList<GroupAnalysis> Groups { get; init; }

    /// <summary>Whether the data support the experiment's claim, in a sentence with the effect size and its interval.</summary>
    public required string Verdict { get; init; }

    /// <summary>What to use, in a sentence computed from the data (ties named as ties).</summary>
    public required string Recommendation { get; init; }

    /// <summary>Summarises the runs of <paramref name="spec"/> and analyses each group with the tie rule; the verdict and
    /// recommendation are the generic ones (<see cref="DescribeGroup"/>) unless the caller replaces them.</summary>
    /// <exception cref="ArgumentException">A run is missing.</exception>
    public static ExperimentResult Analyze(ExperimentSpec spec, IReadOnlyList<ArmRun> runs)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(runs);
        var byArm = spec.Arms.ToDictionary(a => a.Name, a => spec.Seeds.Select(s => runs.FirstOrDefault(r => r.Arm == a.Name && r.Seed == s)
            ?? throw new ArgumentException($"Experiment {spec.Id} has no run of {a.Name} seed {s}.", nameof(runs))).ToList());
        var summaries = spec.Arms.Select(a => Summarize(a, byArm[a.Name])).ToList();
        var groups = spec.Arms.GroupBy(a => a.X).Select(g => AnalyzeGroup(g.Key, [.. g], byArm, spec.LowerIsBetter)).ToList();
        var result = new ExperimentResult { Spec = spec, Runs = runs, Arms = summaries, Groups = groups, Verdict = "", Recommendation = "" };
        var (verdict, recommendation) = DescribeGroup(result, groups[^1]);
        return result with { Verdict = verdict, Recommendation = recommendation };
    }

    /// <summary>The summary of an arm by name.</summary>
    /// <exception cref="KeyNotFoundException">No such arm.</exception>
    public ArmSummary Arm(string name) => Arms.FirstOrDefault(a => a.Arm == name) ?? throw new KeyNotFoundException($"Experiment {Spec.Id} has no arm '{name}'.");

    /// <summary>The metric values of an arm, one per seed (in the spec's seed order).</summary>
    public IReadOnlyList<double> Values(string arm) => [.. Spec.Seeds.Select(s => Runs.First(r => r.Arm == arm && r.Seed == s).Metric)];

    /// <summary>The generic sentences for one group: the verdict says whether any arm differs from the best beyond the
    /// noise (the claim "the choice matters"), with the largest such difference; the recommendation names the best,
    /// its interval, the arms tied with it and those worse beyond the noise.</summary>
    public static (string Verdict, string Recommendation) DescribeGroup(ExperimentResult result, GroupAnalysis group)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(group);
        var spec = result.Spec;
        var best = result.Arm(group.Best);
        var n = spec.Seeds.Count;
        var worse = group.Comparisons.Where(c => !c.Difference.IsTie).OrderByDescending(c => Math.Abs(c.Difference.Mean)).ToList();
        var ties = group.TiedWithBest.Skip(1).Select(a => result.Arm(a).Label).ToList();
        var recommendation = $"Use {best.Label}: {spec.Metric} {Format(best.Metric!.Mean, spec)} {spec.Unit} (95 % interval {Format(best.Metric.Low, spec)} to {Format(best.Metric.High, spec)}, {n} seeds).";
        if (ties.Count > 0)
        {
            recommendation += $" {Join(ties)} {(ties.Count == 1 ? "is" : "are")} tied with it: the interval of the difference holds 0, so {(ties.Count == 1 ? "it is" : "they are")} as good a choice on this evidence.";
        }

        if (worse.Count > 0)
        {
            recommendation += " Worse beyond the noise: " + string.Join("; ", worse.Select(c => $"{result.Arm(c.Arm).Label} by {Format(Math.Abs(c.Difference.Mean), spec)} [{Format(Math.Abs(c.Difference.Low), spec)}, {Format(Math.Abs(c.Difference.High), spec)}]")) + ".";
        }

        if (group.DivergedArms.Count > 0)
        {
            recommendation += $" Diverged: {Join([.. group.DivergedArms.Select(a => result.Arm(a).Label)])}.";
        }

        string verdict;
        if (worse.Count > 0)
        {
            var w = worse[0];
            verdict = $"Supported: the choice matters here. {result.Arm(w.Arm).Label} is {Format(Math.Abs(w.Difference.Mean), spec)} {spec.Unit} worse than {best.Label} "
                + $"(95 % interval of the paired difference {Format(Math.Abs(w.Difference.Low), spec)} to {Format(Math.Abs(w.Difference.High), spec)}, {n} seeds); {worse.Count} of {group.Comparisons.Count} other arms differ from the best beyond the noise.";
        }
        else if (group.DivergedArms.Count > 0)
        {
            verdict = $"Supported only through divergence: {Join([.. group.DivergedArms.Select(a => result.Arm(a).Label)])} diverged; every arm that trained is within the noise of the best.";
        }
        else
        {
            var largest = group.Comparisons.OrderByDescending(c => Math.Abs(c.Difference.Mean)).FirstOrDefault();
            verdict = largest is null
                ? "Only one arm: nothing to compare."
                : $"Not supported at this budget: every arm is within the noise of the best (largest difference {Format(Math.Abs(largest.Difference.Mean), spec)} {spec.Unit}, {result.Arm(largest.Arm).Label}, interval {Format(largest.Difference.Low, spec)} to {Format(largest.Difference.High, spec)}, {n} seeds).";
        }

        return (verdict, recommendation);
    }

    /// <summary>A metric value with as many decimals as the experiment's unit needs (three for losses, one for percentages).</summary>
    public static string Format(double value, ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (double.IsInfinity(value))
        {
            return value > 0 ? "∞" : "−∞";
        }

        return value.ToString(spec.Unit == "%" ? "0.0" : "0.000", CultureInfo.InvariantCulture);
    }

    private static string Join(IReadOnlyList<string> items) => items.Count switch
    {
        0 => "",
        1 => items[0],
        _ => string.Join(", ", items.Take(items.Count - 1)) + " and " + items[^1],
    };

    private static ArmSummary Summarize(ArmSpec arm, IReadOnlyList<ArmRun> runs)
    {
        var diverged = runs.Count(r => r.Diverged);
        var reached = runs.Where(r => r.ReachedTargetAt is not null).Select(r => r.ReachedTargetAt!.Value).ToList();
        var extra = runs.SelectMany(r => r.Extra.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .ToDictionary(k => k, k => runs.Where(r => r.Extra.ContainsKey(k)).Average(r => r.Extra[k]));
        return new ArmSummary(arm.Name, arm.Label, arm.Series, arm.X, runs.Count, diverged,
            diverged == 0 ? SeedStatistics.Summarize([.. runs.Select(r => r.Metric)]) : null,
            reached.Count, reached.Count > 0 ? reached.Average() : null, runs.Average(r => r.WallSeconds), extra);
    }

    private static GroupAnalysis AnalyzeGroup(double? x, IReadOnlyList<ArmSpec> arms, Dictionary<string, List<ArmRun>> byArm, bool lowerIsBetter)
    {
        var diverged = arms.Where(a => byArm[a.Name].Any(r => r.Diverged)).Select(a => a.Name).ToList();
        var trained = arms.Where(a => !diverged.Contains(a.Name)).ToList();
        if (trained.Count == 0)
        {
            return new GroupAnalysis(x, arms[0].Name, [], [], diverged);
        }

        var values = trained.Select(a => (IReadOnlyList<double>)[.. byArm[a.Name].Select(r => r.Metric)]).ToList();
        var tied = SeedStatistics.TiedWithBest(values, lowerIsBetter);
        var best = tied[0];
        var comparisons = trained.Select((a, i) => (a, i)).Where(t => t.i != best)
            .Select(t => new VersusBest(t.a.Name, trained[best].Name, SeedStatistics.PairedDifference(values[t.i], values[best])))
            .ToList();
        return new GroupAnalysis(x, trained[best].Name, [.. tied.Select(i => trained[i].Name)], comparisons, diverged);
    }
}
