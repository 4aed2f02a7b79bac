using System.Globalization;

namespace EmbedSharp.Study;

/// <summary>
/// Writes the study's summary as plain sentences computed from the runs: the accuracy range, which schemes reached the
/// target loss first, symmetric starts (all rows equal), large initial norms, divergence, frozen versus fine-tuned
/// pretrained vectors and the seed-to-seed spread. A sentence appears only when the data supports it.
/// </summary>
public static class StudySummary
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The summary sentences for <paramref name="runs"/> ranked as <paramref name="ranking"/>.</summary>
    public static IReadOnlyList<string> Generate(StudySetup setup, IReadOnlyList<RunResult> runs, IReadOnlyList<SchemeAggregate> ranking)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(ranking);
        var s = new List<string>();
        if (ranking.Count == 0)
        {
            s.Add("No run has finished yet.");
            return s;
        }

        var best = ranking[0];
        var worst = ranking[^1];
        var seeds = ranking.Max(r => r.Runs);
        s.Add(F($"{ranking.Count} initialisations × {seeds} seed{(seeds == 1 ? "" : "s")}, {setup.Epochs} epochs each: final test accuracy ranges from {P(worst.AccuracyMean)} ({worst.Label}) to {P(best.AccuracyMean)} ({best.Label})."));

        // Ties at the top: schemes within twice the typical seed-to-seed spread of the best.
        if (ranking.Count > 1)
        {
            var typical = Median(ranking.Where(r => r.Runs > 1).Select(r => r.AccuracyStd));
            var band = Math.Max(2 * (double.IsNaN(typical) ? 0 : typical), 0.002);
            var close = ranking.Where(r => best.AccuracyMean - r.AccuracyMean <= band).ToList();
            if (close.Count > 1)
            {
                s.Add(F($"{close.Count} of {ranking.Count} schemes end within {Pts(band)} of the best, twice the typical seed-to-seed spread ({Names(close, 6)}): at this budget their final accuracies are not distinguishable."));
            }
        }

        Convergence(setup, ranking, s);
        TableMovement(runs, ranking, s);
        Symmetric(setup, runs, ranking, s);
        LargeNorms(runs, ranking, s);
        Diverged(ranking, s);
        Pretrained(runs, ranking, s);

        var noisiest = ranking.Where(r => r.Runs > 1).OrderByDescending(r => r.AccuracyStd).FirstOrDefault();
        if (noisiest is not null && noisiest.AccuracyStd > 0)
        {
            s.Add(F($"The largest seed-to-seed spread is {noisiest.Label}'s (accuracy {P(noisiest.AccuracyMin)}–{P(noisiest.AccuracyMax)}, std {Pts(noisiest.AccuracyStd)})."));
        }

        return s;
    }

    private static void Convergence(StudySetup setup, IReadOnlyList<SchemeAggregate> ranking, List<string> s)
    {
        var reached = ranking.Where(r => r.StepsToTargetMean is not null).OrderBy(r => r.StepsToTargetMean).ToList();
        var never = ranking.Where(r => r.ReachedTarget == 0).ToList();
        if (reached.Count > 0)
        {
            var first = reached.Take(3).Select(r => F($"{r.Label} ({r.StepsToTargetMean:0} steps)"));
            s.Add(F($"Fastest to a training loss of {setup.TargetLoss:0.###}: {string.Join(", ", first)}."));
            if (reached.Count > 3)
            {
                var slowest = reached[^1];
                s.Add(F($"The slowest scheme that got there, {slowest.Label}, needed {slowest.StepsToTargetMean / reached[0].StepsToTargetMean:0.0}× as many steps as the fastest."));
            }
        }

        if (never.Count > 0)
        {
            s.Add(F($"{Names(never, 8)} never reached a training loss of {setup.TargetLoss:0.###} within {setup.Epochs} epochs."));
        }
    }

    private static void TableMovement(IReadOnlyList<RunResult> runs, IReadOnlyList<SchemeAggregate> ranking, List<string> s)
    {
        var trained = runs.Where(r => r.EmbeddingTrained).ToList();
        if (trained.Count == 0)
        {
            return;
        }

        var moved = trained.GroupBy(r => r.Scheme)
            .Select(g => (Scheme: g.Key, Change: g.Average(r => Math.Abs(r.FinalTable.MeanRowNorm - r.InitialTable.MeanRowNorm))))
            .OrderByDescending(x => x.Change).First();
        var medianStart = Median(trained.Select(r => r.InitialTable.MeanRowNorm).Where(v => v > 0));
        if (medianStart > 0 && moved.Change < 0.5 * medianStart)
        {
            var label = ranking.First(r => r.Scheme == moved.Scheme).Label;
            s.Add(F($"The embedding tables moved little: the largest change of the mean row norm during training was {moved.Change:0.000} ({label}), against a median starting norm of {medianStart:0.000}; the output layer does most of the learning, so each scheme's starting scale largely persists to the end."));
        }
    }

    private static void Symmetric(StudySetup setup, IReadOnlyList<RunResult> runs, IReadOnlyList<SchemeAggregate> ranking, List<string> s)
    {
        var symmetric = runs.Where(r => r.InitialTable.DistinctRows == 1 && r.EmbeddingTrained).GroupBy(r => r.Scheme).ToList();
        if (symmetric.Count == 0)
        {
            return;
        }

        var others = runs.Where(r => r.InitialTable.DistinctRows > 1 && r.Steps.Count > 0).ToList();
        foreach (var g in symmetric)
        {
            var agg = ranking.First(r => r.Scheme == g.Key);
            var finalDistinct = g.Min(r => r.FinalTable.DistinctRows);
            var text = F($"{agg.Label} starts with every embedding row equal, so every e-mail maps to the same vector and the first predictions ignore the input");
            if (setup.OutputInit == OutputLayerInit.Torch)
            {
                text += "; the table's gradient W·(p − y) differs between words only because the output layer W was initialised at random, and that alone breaks the symmetry";
            }
            else
            {
                text += "; with the output layer W also starting at zero, nothing but the data can break the symmetry";
            }

            text += finalDistinct > 1
                ? F($" (after training the table has {(finalDistinct >= 1000 ? "1000+" : finalDistinct.ToString(Inv))} distinct rows)")
                : " (and the rows never separated: the table received no input-dependent gradient)";
            if (others.Count > 0 && g.All(r => r.Steps.Count > 0))
            {
                var mine = g.Average(r => r.Steps[0].Loss);
                var theirs = Median(others.Select(r => r.Steps[0].Loss));
                text += F($"; its first logged loss was {mine:0.000} against a median of {theirs:0.000} for the random starts");
            }

            s.Add(text + F($", and it ended at {P(agg.AccuracyMean)} (rank {agg.Rank} of {ranking.Count})."));
        }
    }

    private static void LargeNorms(IReadOnlyList<RunResult> runs, IReadOnlyList<SchemeAggregate> ranking, List<string> s)
    {
        var byScheme = runs.Where(r => !r.Scheme.StartsWith("pretrained", StringComparison.Ordinal))
            .GroupBy(r => r.Scheme).ToDictionary(g => g.Key, g => g.Average(r => r.InitialTable.MeanRowNorm));
        if (byScheme.Count < 3)
        {
            return;
        }

        var median = Median(byScheme.Values.Where(v => v > 0));
        var first = true;
        foreach (var (scheme, norm) in byScheme.OrderByDescending(kv => kv.Value))
        {
            if (!(median > 0 && norm > 4 * median))
            {
                break;
            }

            var agg = ranking.First(r => r.Scheme == scheme);
            var medianSteps = Median(ranking.Where(r => r.StepsToTargetMean is not null).Select(r => r.StepsToTargetMean!.Value));
            var firstLoss = Median(ranking.Select(r => r.FirstLossMean));
            var text = F($"{agg.Label} starts with rows of norm {norm:0.00}, {norm / median:0}× the median scheme's {median:0.000}");
            var effects = new List<string>();
            if (agg.FirstLossMean > 1.2 * firstLoss)
            {
                effects.Add(F($"its first logged loss was {agg.FirstLossMean:0.000} (median {firstLoss:0.000}): large random rows make confident, wrong first predictions"));
            }

            if (agg.StepsToTargetMean is null)
            {
                effects.Add("it never reached the target loss");
            }
            else if (medianSteps > 0 && agg.StepsToTargetMean > 1.1 * medianSteps)
            {
                effects.Add(F($"it needed {agg.StepsToTargetMean / medianSteps:0.0}× the median steps to reach the target loss"));
            }

            var medianAccuracy = Median(ranking.Select(r => r.AccuracyMean));
            if (agg.AccuracyMean < medianAccuracy - Math.Max(2 * agg.AccuracyStd, 0.005))
            {
                effects.Add(F($"it ended {Pts(medianAccuracy - agg.AccuracyMean)} below the median scheme"));
            }

            if (agg.DivergedRuns > 0)
            {
                effects.Add(F($"{agg.DivergedRuns} of its runs diverged"));
            }

            if (effects.Count == 0 && !first)
            {
                continue; // only the largest start is mentioned when size made no visible difference
            }

            first = false;
            text += effects.Count > 0
                ? "; " + string.Join("; ", effects)
                : "; at this learning rate that did not slow it down";
            s.Add(text + F($" (final accuracy {P(agg.AccuracyMean)}, rank {agg.Rank})."));
        }
    }

    private static void Diverged(IReadOnlyList<SchemeAggregate> ranking, List<string> s)
    {
        var diverged = ranking.Where(r => r.DivergedRuns > 0).ToList();
        if (diverged.Count > 0)
        {
            s.Add(F($"Runs diverged (NaN or infinite loss) for {string.Join(", ", diverged.Select(r => F($"{r.Label} ({r.DivergedRuns} of {r.Runs})")))}."));
        }
    }

    private static void Pretrained(IReadOnlyList<RunResult> runs, IReadOnlyList<SchemeAggregate> ranking, List<string> s)
    {
        var frozen = ranking.FirstOrDefault(r => r.Scheme == EmbeddingInit.PretrainedFrozen.Name);
        var tuned = ranking.FirstOrDefault(r => r.Scheme == EmbeddingInit.PretrainedFinetuned.Name);
        var coverage = runs.Where(r => r.PretrainedCoverage is not null).Select(r => r.PretrainedCoverage!.Value).DefaultIfEmpty(double.NaN).First();
        var cov = double.IsNaN(coverage) ? "" : F($" (they cover {P(coverage)} of the vocabulary; the other rows follow the aligner's policy)");
        if (frozen is not null && tuned is not null)
        {
            var diff = tuned.AccuracyMean - frozen.AccuracyMean;
            var verdict = Math.Abs(diff) < 0.002 ? "made no real difference" : diff > 0 ? F($"gained {Pts(diff)}") : F($"lost {Pts(-diff)}");
            s.Add(F($"Pretrained vectors frozen reached {P(frozen.AccuracyMean)} and fine-tuned {P(tuned.AccuracyMean)}{cov}: fine-tuning {verdict}."));
        }
        else if ((frozen ?? tuned) is { } one)
        {
            s.Add(F($"{one.Label} reached {P(one.AccuracyMean)}{cov}, rank {one.Rank} of {ranking.Count}."));
        }

        var bestRandom = ranking.FirstOrDefault(r => !r.Scheme.StartsWith("pretrained", StringComparison.Ordinal));
        var bestPretrained = ranking.FirstOrDefault(r => r.Scheme.StartsWith("pretrained", StringComparison.Ordinal));
        if (bestRandom is not null && bestPretrained is not null)
        {
            var d = bestPretrained.AccuracyMean - bestRandom.AccuracyMean;
            s.Add(Math.Abs(d) < 0.002
                ? F($"The best pretrained scheme and the best random one ({bestRandom.Label}) end level ({P(bestPretrained.AccuracyMean)} and {P(bestRandom.AccuracyMean)}).")
                : F($"The best pretrained scheme ends {Pts(Math.Abs(d))} {(d > 0 ? "above" : "below")} the best random one ({bestRandom.Label}, {P(bestRandom.AccuracyMean)})."));
        }
    }

    private static string Names(IEnumerable<SchemeAggregate> rows, int max)
    {
        var list = rows.ToList();
        var names = string.Join(", ", list.Take(max).Select(r => r.Label));
        return list.Count > max ? F($"{names} and {list.Count - max} more") : names;
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).OrderBy(x => x).ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }

    private static string P(double fraction) => (fraction * 100).ToString("0.0", Inv) + "%";

    private static string Pts(double fraction) => (fraction * 100).ToString("0.0", Inv) + " points";

    private static string F(FormattableString s) => s.ToString(Inv);
}
