using EmbedSharp.Study;

namespace EmbedSharp.Tests.Study;

public sealed class StudySummaryTests
{
    private static readonly StudyResults Results = SyntheticStudy.Full();

    private static string Sentence(string start) =>
        Results.Summary.FirstOrDefault(s => s.StartsWith(start, StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"No sentence starts with '{start}'. Summary:\n{string.Join("\n", Results.Summary)}");

    [Fact]
    public void The_first_sentence_gives_the_accuracy_range_with_the_best_and_worst_scheme()
    {
        var first = Results.Summary[0];
        Assert.StartsWith("14 initialisations × 2 seeds, 4 epochs each", first, StringComparison.Ordinal);
        Assert.Contains("90.1% (normal_(0, 1) (torch default))", first, StringComparison.Ordinal);
        Assert.Contains("97.6% (pretrained, fine-tuned)", first, StringComparison.Ordinal);
    }

    [Fact]
    public void The_fastest_schemes_are_named_in_order_of_steps_to_target()
    {
        var fastest = Sentence("Fastest to a training loss of 0.2:");
        var kaiming = fastest.IndexOf("kaiming_uniform_", StringComparison.Ordinal);
        var tuned = fastest.IndexOf("pretrained, fine-tuned", StringComparison.Ordinal);
        Assert.True(kaiming > 0 && tuned > kaiming, fastest);
    }

    [Fact]
    public void A_scheme_that_never_reaches_the_target_is_named()
    {
        Assert.Contains("xavier_uniform_, normal_(0, 1) (torch default) never reached a training loss of 0.2 within 4 epochs.", Results.Summary);
    }

    [Fact]
    public void Symmetric_starts_are_explained_through_the_output_layer_with_the_data()
    {
        var zeros = Sentence("zeros_ starts with every embedding row equal");
        Assert.Contains("output layer", zeros, StringComparison.Ordinal);
        Assert.Contains("1000+ distinct rows", zeros, StringComparison.Ordinal);
        Assert.Contains("its first logged loss was", zeros, StringComparison.Ordinal);
        Assert.Contains(Results.Summary, s => s.StartsWith("constant_(0.01) starts with every embedding row equal", StringComparison.Ordinal));
        Assert.DoesNotContain(Results.Summary, s => s.StartsWith("uniform_(-0.1, 0.1) starts with every", StringComparison.Ordinal));
    }

    [Fact]
    public void Large_initial_norms_are_reported_with_their_effect()
    {
        var normal = Sentence("normal_(0, 1) (torch default) starts with rows of norm 4.00");
        Assert.Contains("first logged loss", normal, StringComparison.Ordinal);
        Assert.Contains("it never reached the target loss", normal, StringComparison.Ordinal);
    }

    [Fact]
    public void Frozen_and_fine_tuned_pretrained_vectors_are_compared()
    {
        var s = Sentence("Pretrained vectors frozen reached 94.1% and fine-tuned 97.6%");
        Assert.Contains("62.0% of the vocabulary", s, StringComparison.Ordinal);
        Assert.Contains("fine-tuning gained 3.5 points", s, StringComparison.Ordinal);
    }

    [Fact]
    public void Sentences_follow_the_data_not_a_template()
    {
        // Same schemes, but now nothing is symmetric, no norm stands out and every run reaches the target.
        var runs = EmbeddingInit.All.Take(5).Select((s, i) => SyntheticStudy.Run(s.Name, 0, 300 + (50 * i), 0.9 + (0.01 * i))).ToList();
        var summary = StudyResults.Create(SyntheticStudy.Setup(), runs).Summary;
        Assert.DoesNotContain(summary, s => s.Contains("every embedding row equal", StringComparison.Ordinal));
        Assert.DoesNotContain(summary, s => s.Contains("starts with rows of norm", StringComparison.Ordinal));
        Assert.DoesNotContain(summary, s => s.Contains("never reached", StringComparison.Ordinal));
        Assert.DoesNotContain(summary, s => s.Contains("Pretrained", StringComparison.Ordinal));
        Assert.Contains(summary, s => s.StartsWith("Fastest to a training loss of 0.2: zeros_", StringComparison.Ordinal));
    }

    [Fact]
    public void Divergence_is_reported()
    {
        var runs = new[] { SyntheticStudy.Run("normal", 0, 300, 0.6, diverge: true), SyntheticStudy.Run("uniform", 0, 300, 0.9) };
        var summary = StudyResults.Create(SyntheticStudy.Setup(), runs).Summary;
        Assert.Contains("Runs diverged (NaN or infinite loss) for normal_(0, 1) (torch default) (1 of 1).", summary);
    }
}
