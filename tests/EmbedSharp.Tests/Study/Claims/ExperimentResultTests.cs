using EmbedSharp.Study.Claims;

namespace EmbedSharp.Tests.Study.Claims;

/// <summary>The analysis behind every verdict: the best arm, the arms tied with it by the paired interval, the worse
/// ones with their effect, diverged arms set apart, and groups per size.</summary>
public sealed class ExperimentResultTests
{
    private static ExperimentResult Analyze(ExperimentSpec spec, Func<string, int, double> metric) =>
        ExperimentResult.Analyze(spec, [.. spec.Arms.SelectMany(a => spec.Seeds.Select(s => ExperimentRunnerTests.Run(spec, a, s, metric(a.Name, s))))]);

    [Fact]
    public void A_clear_loser_is_worse_beyond_the_noise_and_a_close_arm_is_a_tie()
    {
        var spec = ExperimentRunnerTests.Spec();
        // arm0 best; arm1 = arm0 + noise that changes sign; arm2 = arm0 + 1 every seed.
        double[] noise = [0.05, -0.04, 0.02];
        var result = Analyze(spec, (arm, seed) => arm switch { "arm0" => 3 + (0.1 * seed), "arm1" => 3 + (0.1 * seed) + noise[seed], _ => 4 + (0.1 * seed) + (0.01 * seed) });
        var group = Assert.Single(result.Groups);
        Assert.Equal("arm0", group.Best);
        Assert.Equal(["arm0", "arm1"], group.TiedWithBest);
        var loser = group.Comparisons.Single(c => c.Arm == "arm2");
        Assert.False(loser.Difference.IsTie);
        Assert.Equal(1.01, loser.Difference.Mean, 9);
        Assert.StartsWith("Supported", result.Verdict, StringComparison.Ordinal);
        Assert.Contains("Use Arm 0", result.Recommendation, StringComparison.Ordinal);
        Assert.Contains("Arm 1 is tied with it", result.Recommendation, StringComparison.Ordinal);
        Assert.Contains("Arm 2 by 1.010", result.Recommendation, StringComparison.Ordinal);
        Assert.Equal(3, result.Arm("arm2").Runs);
        Assert.Equal(1.0, result.Arm("arm2").Extra["x"], 9); // mean of the seeds 0, 1, 2
    }

    [Fact]
    public void When_every_arm_is_within_the_noise_the_claim_is_not_supported()
    {
        var spec = ExperimentRunnerTests.Spec();
        double[][] values = [[3.0, 3.2, 2.9], [3.1, 3.0, 3.05], [2.95, 3.15, 3.0]];
        var result = Analyze(spec, (arm, seed) => values[arm[3] - '0'][seed]);
        Assert.StartsWith("Not supported", result.Verdict, StringComparison.Ordinal);
        Assert.Equal(3, result.Groups[0].TiedWithBest.Count);
    }

    [Fact]
    public void A_diverged_arm_is_never_best_and_is_named()
    {
        var spec = ExperimentRunnerTests.Spec();
        var result = Analyze(spec, (arm, seed) => arm == "arm0" ? (seed == 1 ? double.NaN : 1) : arm == "arm1" ? 3 + (0.01 * seed) : 5 + (0.02 * seed));
        var group = result.Groups[0];
        Assert.Equal("arm1", group.Best);
        Assert.Equal(["arm0"], group.DivergedArms);
        Assert.Null(result.Arm("arm0").Metric);
        Assert.Equal(1, result.Arm("arm0").Diverged);
        Assert.Contains("Diverged: Arm 0", result.Recommendation, StringComparison.Ordinal);
    }

    [Fact]
    public void Arms_with_sizes_are_analysed_per_size()
    {
        var spec = ExperimentRunnerTests.Spec() with
        {
            LowerIsBetter = false,
            Unit = "%",
            Arms = [new("a-n10", "A", "A", 10), new("b-n10", "B", "B", 10), new("a-n100", "A", "A", 100), new("b-n100", "B", "B", 100)],
        };
        var result = Analyze(spec, (arm, seed) => arm switch { "a-n10" => 60 + seed, "b-n10" => 80 + seed, "a-n100" => 90 + (seed * 0.5), _ => 90 + (seed == 1 ? 0.3 : -0.2) });
        Assert.Equal([10.0, 100.0], result.Groups.Select(g => g.X!.Value));
        Assert.Equal("b-n10", result.Groups[0].Best);
        Assert.False(result.Groups[0].Comparisons.Single().Difference.IsTie);
        Assert.Equal(2, result.Groups[1].TiedWithBest.Count);
        Assert.Equal("80.0", ExperimentResult.Format(80, spec));
    }
}
