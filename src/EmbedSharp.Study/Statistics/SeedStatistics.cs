using MathNet.Numerics.Distributions;

namespace EmbedSharp.Study.Statistics;

/// <summary>A metric over seeds: n runs, their mean, sample standard deviation (n − 1) and the two-sided 95 % Student-t
/// interval of the mean, mean ± t(0.975, n − 1)·s/√n. With one run the interval is unbounded (no spread is known).</summary>
public sealed record SeedSummary(int Count, double Mean, double StdDev, double Low, double High)
{
    /// <summary>Half the interval's width.</summary>
    public double HalfWidth => (High - Low) / 2;
}

/// <summary>The difference a − b of two settings: its mean, 95 % interval and whether that interval holds 0 (a tie: the
/// data cannot tell the two apart at this confidence). <see cref="Paired"/>: over the same seeds (differences per seed);
/// otherwise Welch's unequal-variance interval.</summary>
public sealed record Difference(double Mean, double Low, double High, bool Paired)
{
    /// <summary>True when the interval contains 0.</summary>
    public bool IsTie => Low <= 0 && High >= 0;
}

/// <summary>
/// The statistics the study's verdicts rest on: intervals of a mean over seeds, and differences between settings,
/// paired when the runs share seeds (the same data order and split), so that seed-to-seed noise common to both cancels.
/// Student's t quantiles come from Math.NET Numerics.
/// </summary>
public static class SeedStatistics
{
    /// <summary>Confidence level of every interval: 95 %, two-sided.</summary>
    public const double Level = 0.95;

    /// <summary>The two-sided 95 % quantile t(0.975, df) of Student's t with <paramref name="df"/> degrees of freedom
    /// (∞ for df ≤ 0).</summary>
    public static double TQuantile(double df) =>
        df > 0 ? StudentT.InvCDF(0, 1, df, 1 - ((1 - Level) / 2)) : double.PositiveInfinity;

    /// <summary>Mean, sample standard deviation and 95 % interval of <paramref name="values"/> (one per seed).</summary>
    /// <exception cref="ArgumentException">No values, or a value that is not finite.</exception>
    public static SeedSummary Summarize(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Check(values, nameof(values));
        var n = values.Count;
        var mean = values.Average();
        var sd = n > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1)) : 0;
        var half = n > 1 ? TQuantile(n - 1) * sd / Math.Sqrt(n) : double.PositiveInfinity;
        return new SeedSummary(n, mean, sd, mean - half, mean + half);
    }

    /// <summary>a − b over paired runs (entry i of both used seed i): the interval of the mean per-seed difference.</summary>
    /// <exception cref="ArgumentException">The lists differ in length, are empty, or hold a value that is not finite.</exception>
    public static Difference PairedDifference(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count)
        {
            throw new ArgumentException($"Paired runs need as many values on each side; got {a.Count} and {b.Count}.", nameof(b));
        }

        var d = Summarize([.. a.Zip(b, (x, y) => x - y)]);
        return new Difference(d.Mean, d.Low, d.High, Paired: true);
    }

    /// <summary>a − b from independent runs: Welch's interval, (ā − b̄) ± t(0.975, ν)·√(s²ₐ/nₐ + s²_b/n_b) with the
    /// Welch–Satterthwaite ν. Unbounded when either side has one run.</summary>
    /// <exception cref="ArgumentException">A side is empty or holds a value that is not finite.</exception>
    public static Difference WelchDifference(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var sa = Summarize(a);
        var sb = Summarize(b);
        var mean = sa.Mean - sb.Mean;
        if (sa.Count < 2 || sb.Count < 2)
        {
            return new Difference(mean, double.NegativeInfinity, double.PositiveInfinity, Paired: false);
        }

        var va = sa.StdDev * sa.StdDev / sa.Count;
        var vb = sb.StdDev * sb.StdDev / sb.Count;
        var se = Math.Sqrt(va + vb);
        if (se == 0)
        {
            return new Difference(mean, mean, mean, Paired: false);
        }

        var df = (va + vb) * (va + vb) / ((va * va / (sa.Count - 1)) + (vb * vb / (sb.Count - 1)));
        var half = TQuantile(df) * se;
        return new Difference(mean, mean - half, mean + half, Paired: false);
    }

    /// <summary>The settings that cannot be told apart from the best one: the best is the one with the highest mean
    /// (lowest when <paramref name="lowerIsBetter"/>); every other joins it when its paired difference to the best holds 0.
    /// Returns the indices of that group, the best first, then by mean.</summary>
    /// <param name="runs">Per setting, one value per seed; every setting must have the same seeds in the same order.</param>
    /// <param name="lowerIsBetter">True for a loss, false for an accuracy.</param>
    /// <exception cref="ArgumentException">No settings, or settings with different numbers of runs.</exception>
    public static IReadOnlyList<int> TiedWithBest(IReadOnlyList<IReadOnlyList<double>> runs, bool lowerIsBetter)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0)
        {
            throw new ArgumentException("No settings to compare.", nameof(runs));
        }

        var sign = lowerIsBetter ? -1 : 1;
        var order = Enumerable.Range(0, runs.Count).OrderByDescending(i => sign * runs[i].Average()).ToArray();
        var best = order[0];
        return [best, .. order.Skip(1).Where(i => PairedDifference(runs[best], runs[i]).IsTie)];
    }

    private static void Check(IReadOnlyList<double> values, string name)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("No values: a summary needs at least one run.", name);
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException($"Value {i} is {values[i]}: every run's metric must be finite.", name);
            }
        }
    }
}
