using System.Globalization;
using EmbedSharp.Study.Statistics;

namespace EmbedSharp.Study.Claims;

/// <summary>The readings of the classifier experiments: verdict and recommendation sentences computed from the runs,
/// with every comparison a paired difference over the seeds (<see cref="SeedStatistics.PairedDifference"/>) and an
/// interval that holds 0 called a tie.</summary>
public static partial class ClassifierExperiments
{
    /// <summary>An initial table RMS at most this many times the run's RMS change counts as a small start.</summary>
    private const double SmallStart = 3;

    /// <summary>
    /// The learning curve's reading. Per size n (one <see cref="GroupAnalysis"/> per X): frozen − random, fine-tuned −
    /// random and frozen − fine-tuned as paired differences in percentage points with their 95 % intervals, each a tie
    /// or beyond the noise. Verdict: the claim's two halves — pretrained beats random beyond the noise at the smallest
    /// size and that gain (the better pretrained series at the smallest size, against random) shrinks beyond the noise
    /// from the smallest to the largest size; freezing beats fine-tuning beyond the noise only at small sizes (every
    /// size where it wins lies below every size where it loses, and not at the largest). Recommendation: below the
    /// first size after the last one where pretrained beats random, use pretrained (the series that wins, or either
    /// when they tie); from there on random is as good (tie) — or better, where it is.
    /// </summary>
    internal static ExperimentResult DescribeCurve(ExperimentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var spec = result.Spec;
        var rows = spec.Arms.Where(a => a.X is not null).Select(a => (int)a.X!.Value).Distinct().Order().Select(n => CurveRow.For(result, n)).ToList();
        if (rows.Count == 0)
        {
            return result;
        }

        var seeds = spec.Seeds.Count;
        var wins = rows.Where(r => r.PretrainedWins).ToList();
        var randomBetter = rows.Where(r => r.RandomWins).ToList();
        string recommendation;
        if (wins.Count == 0)
        {
            recommendation = $"Pretrained vectors did not beat random normal_(0, 1) beyond the noise at any size (n = {N(rows[0].N)} to {N(rows[^1].N)}, {SeedCount(seeds)}): random is as good (tie)"
                + (randomBetter.Count > 0 ? $", and better beyond the noise at n = {Sizes(randomBetter)}." : ".");
        }
        else
        {
            var lastWin = wins[^1].N;
            var after = rows.Where(r => r.N > lastWin).ToList();
            var first = wins[0];
            var variant = Variant(wins);
            var gain = $"at n = {N(first.N)} they beat random by {Interval(first.BestGain!)}";
            recommendation = after.Count == 0
                ? $"Use pretrained vectors ({variant}) at every size tested, up to n = {N(lastWin)}: {gain}."
                : $"Below ~{N(after[0].N)} labelled e-mails use pretrained vectors ({variant}): {gain}; from {N(after[0].N)} on random is as good (tie)"
                    + (randomBetter.Any(r => r.N > lastWin) ? $" or better (beyond the noise at n = {Sizes([.. randomBetter.Where(r => r.N > lastWin)])})." : ".");
            var gaps = rows.Where(r => r.N < lastWin && !r.PretrainedWins).ToList();
            if (gaps.Count > 0)
            {
                recommendation += $" At n = {Sizes(gaps)} the gain was within the noise (tie).";
            }
        }

        var verdict = ScarcityVerdict(result, rows) + " " + FreezingVerdict(rows) + " Per size (paired differences in points, 95 % intervals, " + SeedCount(seeds) + "): " + string.Join("; ", rows.Select(r => r.Describe(result))) + ".";
        return result with { Verdict = verdict, Recommendation = recommendation };
    }

    /// <summary>
    /// The contrast's reading: the spread of the arms' mean accuracies, how many differ from the best beyond the noise and
    /// by how much (supported when none does, or when every such difference is below <paramref name="negligiblePoints"/>),
    /// and why, with the measured mean e-mail length, the table's RMS change over the run and each arm's starting RMS
    /// (a start within 3× the change is overwritten by training, a larger one mostly kept); the recommendation is the generic one
    /// (<see cref="ExperimentResult.DescribeGroup"/>: the best, the arms tied with it, those worse beyond the noise).
    /// </summary>
    internal static ExperimentResult DescribeContrast(ExperimentResult result, double negligiblePoints)
    {
        ArgumentNullException.ThrowIfNull(result);
        var spec = result.Spec;
        var group = result.Groups[0];
        var (_, recommendation) = ExperimentResult.DescribeGroup(result, group);
        var trained = result.Arms.Where(a => a.Metric is not null).ToList();
        if (trained.Count == 0)
        {
            return result with { Verdict = "Every initialisation diverged: nothing to compare.", Recommendation = recommendation };
        }

        var best = result.Arm(group.Best);
        var worst = trained.MinBy(a => a.Metric!.Mean)!;
        var spread = best.Metric!.Mean - worst.Metric!.Mean;
        var beyond = group.Comparisons.Where(c => !c.Difference.IsTie).OrderByDescending(c => Math.Abs(c.Difference.Mean)).ToList();
        var seeds = spec.Seeds.Count;
        var range = $"the {trained.Count} means span {P(spread)} points ({worst.Label} {P(worst.Metric.Mean)} % to {best.Label} {P(best.Metric.Mean)} %, {SeedCount(seeds)})";
        string verdict;
        if (beyond.Count == 0)
        {
            verdict = $"Supported: the initialisation barely matters here — {range}, and every arm is tied with the best (each paired interval holds 0).";
        }
        else if (Math.Abs(beyond[0].Difference.Mean) < negligiblePoints)
        {
            verdict = $"Supported: the initialisation barely matters here — {range}; {beyond.Count} of {group.Comparisons.Count} differ from the best beyond the noise, but by at most {P(Math.Abs(beyond[0].Difference.Mean))} points (under {P(negligiblePoints)}).";
        }
        else
        {
            var w = beyond[0];
            verdict = $"Not supported: the initialisation matters even here — {result.Arm(w.Arm).Label} is {P(Math.Abs(w.Difference.Mean))} points below {best.Label} (95 % interval {P(Math.Abs(w.Difference.High))} to {P(Math.Abs(w.Difference.Low))}); {range}; {beyond.Count} of {group.Comparisons.Count} differ from the best beyond the noise.";
        }

        if (group.DivergedArms.Count > 0)
        {
            verdict += $" Diverged: {string.Join(", ", group.DivergedArms.Select(a => result.Arm(a).Label))}.";
        }

        var tokens = trained.Select(a => a.Extra.GetValueOrDefault("mean_tokens")).Average();
        var change = trained.Where(a => a.Extra.ContainsKey("table_rms_change") && a.Extra.ContainsKey("table_rms_initial")).ToList();
        if (change.Count > 0)
        {
            var moved = change.Average(a => a.Extra["table_rms_change"]);
            string Rms(ArmSummary a) => string.Create(CultureInfo.InvariantCulture, $"{a.Label} {a.Extra["table_rms_initial"]:0.000}");
            var small = change.Where(a => a.Extra["table_rms_initial"] <= SmallStart * moved).ToList();
            var large = change.Where(a => a.Extra["table_rms_initial"] > SmallStart * moved).ToList();
            verdict += string.Create(CultureInfo.InvariantCulture,
                $" Why: the hidden vector is the mean of an e-mail's rows ({tokens:0} tokens on average here), so each row's gradient is the hidden gradient divided by that length and the output layer, initialised alike in every arm, does most of the learning; the table's entries moved by an RMS of {moved:0.000} over the run (mean over arms).");
            if (small.Count > 0)
            {
                verdict += $" Starts within {SmallStart}× that scale (RMS {string.Join(", ", small.Select(Rms))}) end as what training wrote into them.";
            }

            if (large.Count > 0)
            {
                verdict += $" Starts far above it (RMS {string.Join(", ", large.Select(Rms))}) keep most of their starting values, which the output layer has to learn around.";
            }
        }

        return result with { Verdict = verdict, Recommendation = recommendation };
    }

    private static string ScarcityVerdict(ExperimentResult result, IReadOnlyList<CurveRow> rows)
    {
        var small = rows[0];
        if (small.BestGain is null)
        {
            return $"Not decided: a run at n = {N(small.N)} diverged.";
        }

        var series = small.BestIsFrozen ? "frozen" : "fine-tuned";
        if (!small.PretrainedWins)
        {
            return small.RandomWins
                ? $"Contradicted at the smallest size: random beat pretrained at n = {N(small.N)} ({series} {Interval(small.BestGain)})."
                : $"Not supported: at the smallest size, n = {N(small.N)}, pretrained ({series}) did not beat random beyond the noise ({Interval(small.BestGain)}, a tie).";
        }

        if (rows.Count == 1)
        {
            return $"Pretrained ({series}) beat random at n = {N(small.N)} by {Interval(small.BestGain)}; with one size there is no trend to test.";
        }

        var large = rows[^1];
        var prefix = small.BestIsFrozen ? "frozen" : "finetuned";
        var largeArm = string.Create(CultureInfo.InvariantCulture, $"{prefix}-n{large.N}");
        var smallArm = string.Create(CultureInfo.InvariantCulture, $"{prefix}-n{small.N}");
        var gainSmall = Gains(result, smallArm, $"random-n{small.N.ToString(CultureInfo.InvariantCulture)}");
        var gainLarge = Gains(result, largeArm, $"random-n{large.N.ToString(CultureInfo.InvariantCulture)}");
        if (gainSmall is null || gainLarge is null)
        {
            return $"Pretrained ({series}) beat random at n = {N(small.N)} by {Interval(small.BestGain)}; a run at n = {N(large.N)} diverged.";
        }

        var shrink = SeedStatistics.PairedDifference(gainSmall, gainLarge);
        var atLarge = SeedStatistics.PairedDifference(gainLarge, [.. gainLarge.Select(_ => 0.0)]);
        var facts = $"pretrained ({series}) beat random by {Interval(small.BestGain)} at n = {N(small.N)} and by {P(atLarge.Mean, signed: true)} points at n = {N(large.N)} ({(atLarge.IsTie ? "a tie" : "beyond the noise")}); the gain shrank by {Interval(shrink)}";
        return shrink.IsTie
            ? $"Partly supported: {facts}, within the noise, so \"most\" is not shown."
            : shrink.Mean > 0
                ? $"Supported: {facts}, beyond the noise."
                : $"Contradicted: {facts} — it grew, beyond the noise.";
    }

    private static string FreezingVerdict(IReadOnlyList<CurveRow> rows)
    {
        var wins = rows.Where(r => r.FrozenVsFinetuned is { IsTie: false, Mean: > 0 }).ToList();
        var losses = rows.Where(r => r.FrozenVsFinetuned is { IsTie: false, Mean: < 0 }).ToList();
        var lossText = losses.Count > 0 ? $"; fine-tuning beat it beyond the noise at n = {Sizes(losses)}" : "";
        if (wins.Count == 0)
        {
            return $"Freezing helps only with scarce data: not supported — freezing never beat fine-tuning beyond the noise{lossText}{(losses.Count < rows.Count ? $"; tie at n = {Sizes([.. rows.Where(r => !losses.Contains(r))])}" : "")}.";
        }

        var onlySmall = (losses.Count == 0 || wins[^1].N < losses[0].N) && (rows.Count == 1 || wins[^1].N < rows[^1].N);
        return onlySmall
            ? $"Freezing helps only with scarce data: supported — frozen beat fine-tuned beyond the noise at n = {Sizes(wins)} only{lossText}; elsewhere a tie."
            : $"Freezing helps only with scarce data: not supported — frozen beat fine-tuned beyond the noise at n = {Sizes(wins)}, including large sizes{lossText}.";
    }

    private static string Variant(IReadOnlyList<CurveRow> wins)
    {
        var frozen = wins.Where(r => r.FrozenVsFinetuned is { IsTie: false, Mean: > 0 }).ToList();
        var finetuned = wins.Where(r => r.FrozenVsFinetuned is { IsTie: false, Mean: < 0 }).ToList();
        return (frozen.Count, finetuned.Count) switch
        {
            (0, 0) => "frozen or fine-tuned: the two are tied",
            (_, 0) => frozen.Count == wins.Count ? "frozen, better than fine-tuned beyond the noise" : $"frozen, better than fine-tuned at n = {Sizes(frozen)}, tied elsewhere",
            (0, _) => finetuned.Count == wins.Count ? "fine-tuned, better than frozen beyond the noise" : $"fine-tuned, better than frozen at n = {Sizes(finetuned)}, tied elsewhere",
            _ => $"frozen at n = {Sizes(frozen)}, fine-tuned at n = {Sizes(finetuned)}",
        };
    }

    private static IReadOnlyList<double>? Gains(ExperimentResult result, string arm, string baseline)
    {
        var a = result.Values(arm);
        var b = result.Values(baseline);
        return a.Concat(b).All(double.IsFinite) ? [.. a.Zip(b, (x, y) => x - y)] : null;
    }

    private static Difference? Diff(ExperimentResult result, string a, string b)
    {
        var x = result.Values(a);
        var y = result.Values(b);
        return x.Concat(y).All(double.IsFinite) ? SeedStatistics.PairedDifference(x, y) : null;
    }

    private static string Interval(Difference d) => $"{P(d.Mean, signed: true)} points (95 % interval {P(d.Low, signed: true)} to {P(d.High, signed: true)})";

    private static string Reading(Difference? d) => d is null
        ? "not comparable (a run diverged)"
        : d.IsTie ? $"tie, {Interval(d)}" : $"{(d.Mean > 0 ? "better" : "worse")} beyond the noise, {Interval(d)}";

    private static string P(double value, bool signed = false)
    {
        if (double.IsInfinity(value))
        {
            return value > 0 ? (signed ? "+∞" : "∞") : "−∞";
        }

        var text = Math.Abs(value).ToString("0.0", CultureInfo.InvariantCulture);
        return value < 0 && text != "0.0" ? "−" + text : signed && text != "0.0" ? "+" + text : text;
    }

    private static string SeedCount(int seeds) => seeds == 1 ? "1 seed" : $"{seeds} seeds";

    private static string N(int n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Sizes(IReadOnlyList<CurveRow> rows) => string.Join(", ", rows.Select(r => N(r.N)));

    /// <summary>The three arms of one size and their paired differences.</summary>
    private sealed record CurveRow(int N, Difference? FrozenVsRandom, Difference? FinetunedVsRandom, Difference? FrozenVsFinetuned)
    {
        public static CurveRow For(ExperimentResult result, int n)
        {
            string Arm(string prefix) => string.Create(CultureInfo.InvariantCulture, $"{prefix}-n{n}");
            return new CurveRow(n, Diff(result, Arm("frozen"), Arm("random")), Diff(result, Arm("finetuned"), Arm("random")), Diff(result, Arm("frozen"), Arm("finetuned")));
        }

        /// <summary>Frozen or fine-tuned beats random beyond the noise.</summary>
        public bool PretrainedWins => FrozenVsRandom is { IsTie: false, Mean: > 0 } || FinetunedVsRandom is { IsTie: false, Mean: > 0 };

        /// <summary>Random beats both beyond the noise.</summary>
        public bool RandomWins => FrozenVsRandom is { IsTie: false, Mean: < 0 } && FinetunedVsRandom is { IsTie: false, Mean: < 0 };

        /// <summary>Whether the frozen series has the larger mean gain over random.</summary>
        public bool BestIsFrozen => FinetunedVsRandom is null || (FrozenVsRandom is not null && FrozenVsRandom.Mean >= FinetunedVsRandom.Mean);

        /// <summary>The gain of the better pretrained series over random, or null when a run diverged.</summary>
        public Difference? BestGain => FrozenVsRandom is null || FinetunedVsRandom is null ? null : BestIsFrozen ? FrozenVsRandom : FinetunedVsRandom;

        public string Describe(ExperimentResult result)
        {
            static string Short(string arm) => arm[..arm.LastIndexOf("-n", StringComparison.Ordinal)] switch
            {
                "finetuned" => "fine-tuned",
                var prefix => prefix,
            };

            string Acc(string prefix)
            {
                var m = result.Arm(string.Create(CultureInfo.InvariantCulture, $"{prefix}-n{N}")).Metric;
                return m is null ? "diverged" : P(m.Mean) + " %";
            }

            var group = result.Groups.FirstOrDefault(g => g.X == N);
            var best = group is null ? "" : $", best {Short(group.Best)}"
                + (group.TiedWithBest.Count > 1 ? $" (tied with {string.Join(" and ", group.TiedWithBest.Skip(1).Select(Short))})" : " (alone)");
            return $"n = {ClassifierExperiments.N(N)}: random {Acc("random")}, frozen {Acc("frozen")}, fine-tuned {Acc("finetuned")}{best}; frozen vs random {Reading(FrozenVsRandom)}; "
                + $"fine-tuned vs random {Reading(FinetunedVsRandom)}; frozen vs fine-tuned {Reading(FrozenVsFinetuned)}";
        }
    }
}
