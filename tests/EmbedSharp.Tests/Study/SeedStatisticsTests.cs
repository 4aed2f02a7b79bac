using EmbedSharp.Study.Statistics;

namespace EmbedSharp.Tests.Study;

/// <summary>Intervals over seeds and the tie rule, against textbook values (two-sided 95 % Student-t quantiles as printed
/// in every t table) and hand-computed examples.</summary>
public sealed class SeedStatisticsTests
{
    [Theory]
    [InlineData(1, 12.7062)]
    [InlineData(2, 4.3027)]
    [InlineData(4, 2.7764)]
    [InlineData(9, 2.2622)]
    [InlineData(29, 2.0452)]
    [InlineData(1e9, 1.9600)]
    public void T_quantiles_match_the_tables(double df, double expected) =>
        Assert.Equal(expected, SeedStatistics.TQuantile(df), 4);

    [Fact]
    public void Summary_of_five_runs()
    {
        var s = SeedStatistics.Summarize([1, 2, 3, 4, 5]);
        Assert.Equal(5, s.Count);
        Assert.Equal(3, s.Mean, 12);
        Assert.Equal(Math.Sqrt(2.5), s.StdDev, 12);
        Assert.Equal(2.7764451 * Math.Sqrt(2.5) / Math.Sqrt(5), s.HalfWidth, 6); // t(0.975, 4)·s/√n = 1.96324
        Assert.Equal(3 - s.HalfWidth, s.Low, 12);
    }

    [Fact]
    public void One_run_has_an_unbounded_interval_and_bad_input_is_refused()
    {
        var s = SeedStatistics.Summarize([0.5]);
        Assert.Equal(0.5, s.Mean);
        Assert.True(double.IsInfinity(s.HalfWidth));
        Assert.Throws<ArgumentException>(() => SeedStatistics.Summarize([]));
        Assert.Throws<ArgumentException>(() => SeedStatistics.Summarize([1, double.NaN]));
        Assert.Throws<ArgumentException>(() => SeedStatistics.PairedDifference([1, 2], [1]));
    }

    [Fact]
    public void Paired_differences_tell_consistent_small_gaps_from_noise()
    {
        // Per-seed gaps 0.10, 0.11, 0.12: small but the same sign every time → not a tie.
        var consistent = SeedStatistics.PairedDifference([1.10, 2.11, 3.12], [1.0, 2.0, 3.0]);
        Assert.Equal(0.11, consistent.Mean, 10);
        Assert.Equal(4.3026527 * 0.01 / Math.Sqrt(3), (consistent.High - consistent.Low) / 2, 6);
        Assert.False(consistent.IsTie);
        Assert.True(consistent.Paired);

        // Gaps 0.1, 0.05, −0.2 around zero → a tie.
        var noise = SeedStatistics.PairedDifference([1.1, 2.05, 2.8], [1.0, 2.0, 3.0]);
        Assert.True(noise.IsTie);

        // The same values unpaired: the seed-to-seed spread (1, 2, 3) swamps the 0.11 gap.
        Assert.True(SeedStatistics.WelchDifference([1.10, 2.11, 3.12], [1.0, 2.0, 3.0]).IsTie);
    }

    [Fact]
    public void Welch_interval_uses_the_satterthwaite_degrees_of_freedom()
    {
        // a: mean 3, variance 2.5, n 5; b: mean 4, variance 4, n 3.
        var d = SeedStatistics.WelchDifference([1, 2, 3, 4, 5], [2, 4, 6]);
        var (va, vb) = (2.5 / 5, 4.0 / 3);
        var df = (va + vb) * (va + vb) / ((va * va / 4) + (vb * vb / 2)); // 3.5328
        Assert.Equal(3.5328, df, 4);
        Assert.Equal(-1, d.Mean, 12);
        Assert.Equal(SeedStatistics.TQuantile(df) * Math.Sqrt(va + vb), (d.High - d.Low) / 2, 9);
        Assert.False(d.Paired);
    }

    [Fact]
    public void The_group_tied_with_the_best_follows_the_metric_direction()
    {
        IReadOnlyList<double>[] accuracy =
        [
            [0.80, 0.82, 0.81], // 0: best
            [0.79, 0.815, 0.812], // 1: within noise of 0
            [0.70, 0.71, 0.705], // 2: clearly worse
        ];
        Assert.Equal([0, 1], SeedStatistics.TiedWithBest(accuracy, lowerIsBetter: false));
        IReadOnlyList<double>[] loss = [[3.0, 3.1, 3.05], [2.5, 2.52, 2.49], [2.9, 3.2, 3.0]];
        Assert.Equal([1], SeedStatistics.TiedWithBest(loss, lowerIsBetter: true));
    }
}
