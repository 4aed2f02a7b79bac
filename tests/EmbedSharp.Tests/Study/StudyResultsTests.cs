using EmbedSharp.Study;

namespace EmbedSharp.Tests.Study;

public sealed class StudyResultsTests
{
    [Fact]
    public void Ranking_orders_by_mean_accuracy_and_uses_the_sample_std()
    {
        var runs = new[]
        {
            SyntheticStudy.Run("zeros", 0, 500, 0.80),
            SyntheticStudy.Run("zeros", 1, 500, 0.80), // seed adds 0.002 to the accuracy
            SyntheticStudy.Run("uniform", 0, 500, 0.90),
            SyntheticStudy.Run("uniform", 1, 500, 0.90),
        };
        var ranking = StudyResults.Rank(runs, 0.2);
        Assert.Equal(["uniform", "zeros"], ranking.Select(r => r.Scheme));
        Assert.Equal([1, 2], ranking.Select(r => r.Rank));
        var zeros = ranking[1];
        Assert.Equal(2, zeros.Runs);
        Assert.Equal(0.801, zeros.AccuracyMean, 12);
        Assert.Equal(Math.Sqrt(2 * 0.001 * 0.001), zeros.AccuracyStd, 12); // n − 1 in the denominator
        Assert.Equal(0.8, zeros.AccuracyMin, 12);
        Assert.Equal(0.802, zeros.AccuracyMax, 12);
        Assert.Equal("zeros_", zeros.Label);
    }

    [Fact]
    public void Steps_to_target_is_the_first_logged_step_at_or_below_the_target()
    {
        var run = SyntheticStudy.Run("uniform", 0, tau: 500, finalAccuracy: 0.9);
        var expected = run.Steps.First(s => s.Loss <= 0.3).Step;
        Assert.Equal(expected, run.StepsToReach(0.3));
        Assert.Null(run.StepsToReach(0.01));
        var never = SyntheticStudy.Run("xavier-uniform", 0, tau: 500, finalAccuracy: 0.9, floor: 0.5);
        var ranking = StudyResults.Rank([never], 0.2);
        Assert.Null(ranking[0].StepsToTargetMean);
        Assert.Equal(0, ranking[0].ReachedTarget);
    }

    [Fact]
    public void Ties_in_accuracy_are_broken_by_steps_to_target()
    {
        var slow = SyntheticStudy.Run("normal", 0, tau: 3000, finalAccuracy: 0.9);
        var fast = SyntheticStudy.Run("uniform", 0, tau: 300, finalAccuracy: 0.9);
        Assert.Equal(["uniform", "normal"], StudyResults.Rank([slow, fast], 0.2).Select(r => r.Scheme));
    }

    [Fact]
    public void Diverged_runs_are_counted_and_their_nan_accuracy_counts_as_zero()
    {
        var bad = SyntheticStudy.Run("normal", 0, tau: 300, finalAccuracy: 0.9, diverge: true);
        Assert.True(bad.Diverged);
        var ranking = StudyResults.Rank([bad], 0.2);
        Assert.Equal(1, ranking[0].DivergedRuns);
        Assert.False(SyntheticStudy.Run("normal", 0, 300, 0.9).Diverged);
        var nanAccuracy = bad with { Epochs = [.. bad.Epochs.Select(e => e with { TestAccuracy = double.NaN })] };
        Assert.Equal(0, StudyResults.Rank([nanAccuracy], 0.2)[0].AccuracyMean);
    }

    [Fact]
    public void Scheme_names_parse_back_and_unknown_names_list_the_valid_ones()
    {
        foreach (var scheme in EmbeddingInit.All)
        {
            Assert.Equal(scheme, EmbeddingInit.Parse(scheme.Name));
        }

        Assert.Equal(EmbeddingInit.XavierUniform, EmbeddingInit.Parse(" XAVIER_uniform "));
        Assert.Equal([EmbeddingInit.Zeros, EmbeddingInit.Sparse], EmbeddingInit.ParseList("zeros, sparse,zeros"));
        var e = Assert.Throws<ArgumentException>(() => EmbeddingInit.Parse("glorot"));
        Assert.Contains("'glorot'", e.Message, StringComparison.Ordinal);
        Assert.Contains("pretrained-finetuned", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => EmbeddingInit.ParseList(" , "));
        Assert.Equal(14, EmbeddingInit.All.Count);
    }

    [Fact]
    public void Fills_draw_what_the_matching_init_call_draws()
    {
        var a = new EmbedSharp.Numerics.FloatTensor(50, 8);
        var b = new EmbedSharp.Numerics.FloatTensor(50, 8);
        EmbeddingInit.NormalSmall.Fill(a, new EmbedSharp.Randomness.Generator(3UL));
        EmbedSharp.Initialization.Init.Normal(b, new EmbedSharp.Randomness.Generator(3UL), 0, 0.02);
        Assert.True(a.AsSpan().SequenceEqual(b.AsSpan()));
        EmbeddingInit.TruncNormal.Fill(a, new EmbedSharp.Randomness.Generator(3UL));
        Assert.All(a.AsSpan().ToArray(), v => Assert.InRange(v, -0.04f, 0.04f));
        EmbeddingInit.Constant.Fill(a, new EmbedSharp.Randomness.Generator(3UL));
        Assert.All(a.AsSpan().ToArray(), v => Assert.Equal(0.01f, v));
        Assert.Throws<ArgumentException>(() => EmbeddingInit.PretrainedFrozen.Fill(a, new EmbedSharp.Randomness.Generator(3UL)));
    }

    [Fact]
    public void Options_are_validated_with_the_value_named()
    {
        InitStudyOptions.Quick().Validate();
        InitStudyOptions.Full().Validate();
        var e = Assert.Throws<ArgumentException>(() => (InitStudyOptions.Quick() with { Epochs = 0 }).Validate());
        Assert.Contains("0", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => (InitStudyOptions.Quick() with { Seeds = [1, 1] }).Validate());
        Assert.Throws<ArgumentException>(() => (InitStudyOptions.Quick() with { TestFraction = 1 }).Validate());
        Assert.Throws<ArgumentException>(() => (InitStudyOptions.Quick() with { Schemes = [] }).Validate());
    }
}
