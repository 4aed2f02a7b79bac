using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Vectors;
using EmbedSharp.Vectors.Alignment;

namespace EmbedSharp.Tests.Vectors.Alignment;

public sealed class OovInitTests
{
    private static WordVectors Pretrained() =>
        new(["a", "b", "c"], FloatTensor.FromArray([0.5f, -1f, 2f, 0.25f, 3f, -0.75f, 1f, 1.5f, -2f, 0f, 0.125f, 4f], 3, 4));

    [Fact]
    public void Named_policies_hold_their_scheme_and_keep_their_report_names()
    {
        Assert.Equal(InitSpec.Normal(), OovInit.PretrainedNormal.Scheme);
        Assert.True(OovInit.PretrainedNormal.MatchesPretrainedStatistics);
        Assert.Equal("normal(pretrained mean, pretrained std)", OovInit.PretrainedNormal.Name);
        Assert.Equal(InitSpec.Zeros, OovInit.Zeros.Scheme);
        Assert.Equal("zeros", OovInit.Zeros.Name);
        Assert.Equal(InitSpec.Normal(0, 1), OovInit.Normal().Scheme);
        Assert.Equal("normal(0, 1)", OovInit.Normal().Name);
        Assert.Equal(InitSpec.Uniform(-0.1, 0.1), OovInit.Uniform(-0.1, 0.1).Scheme);
        Assert.Equal("uniform(-0.1, 0.1)", OovInit.Uniform(-0.1, 0.1).Name);
        Assert.Equal(InitSpec.TruncNormal(0, 0.02, -0.04, 0.04), OovInit.TruncNormal(0, 0.02, -0.04, 0.04).Scheme);
        Assert.Equal("trunc_normal(0, 0.02, -0.04, 0.04)", OovInit.TruncNormal(0, 0.02, -0.04, 0.04).Name);
        Assert.Equal(OovInit.Normal(0, 0.5), OovInit.Normal(0, 0.5));
        Assert.False(OovInit.Normal().MatchesPretrainedStatistics);
        Assert.Equal("xavier-uniform(gain=2)", OovInit.From(InitSpec.XavierUniform(2)).Name);
        Assert.Throws<NotSupportedException>(() => OovInit.From(InitSpec.FastText));
    }

    [Fact]
    public void Missing_rows_get_the_specs_draws_on_an_n_by_d_block()
    {
        var spec = InitSpec.XavierUniform(1.5);
        var result = VocabularyAligner.Align(["a", "x", "b", "y", "z"], Pretrained(), new Generator(9UL),
            new AlignmentOptions { OovInit = OovInit.From(spec), PaddingToken = null });
        var block = spec.Apply(new FloatTensor(3, 4), new Generator(9UL));
        Assert.Equal(block.Row(0).ToArray(), result.Weights.Row(1).ToArray());
        Assert.Equal(block.Row(1).ToArray(), result.Weights.Row(3).ToArray());
        Assert.Equal(block.Row(2).ToArray(), result.Weights.Row(4).ToArray());
        Assert.Contains("xavier-uniform(gain=1.5)", result.Report.Format(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_draws_normal_with_the_pretrained_statistics()
    {
        var pretrained = Pretrained();
        var result = VocabularyAligner.Align(["x", "a", "y"], pretrained, new Generator(4UL), new AlignmentOptions { PaddingToken = null });
        var (mean, std) = VocabularyAligner.Statistics(pretrained);
        var block = Init.Normal(new FloatTensor(2, 4), new Generator(4UL), mean, std);
        Assert.Equal(block.Row(0).ToArray(), result.Weights.Row(0).ToArray());
        Assert.Equal(block.Row(1).ToArray(), result.Weights.Row(2).ToArray());
    }
}
