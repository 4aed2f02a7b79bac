using EmbedSharp.Initialization;
using EmbedSharp.Nn;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Study;

namespace EmbedSharp.Tests.Study;

public sealed class EmbeddingInitTests
{
    /// <summary>Each arm's name, label and the torch.nn.init call it stood for before it held an InitSpec.</summary>
    private static readonly (EmbeddingInit Arm, string Name, string Label, Func<FloatTensor, Generator, FloatTensor>? Call)[] Arms =
    [
        (EmbeddingInit.Zeros, "zeros", "zeros_", (t, _) => Init.Zeros(t)),
        (EmbeddingInit.Constant, "constant", "constant_(0.01)", (t, _) => Init.Constant(t, 0.01f)),
        (EmbeddingInit.Uniform, "uniform", "uniform_(-0.1, 0.1)", (t, g) => Init.Uniform(t, g, -0.1, 0.1)),
        (EmbeddingInit.Normal, "normal", "normal_(0, 1) (torch default)", (t, g) => Init.Normal(t, g, 0, 1)),
        (EmbeddingInit.NormalSmall, "normal-0.02", "normal_(0, 0.02) (BERT)", (t, g) => Init.Normal(t, g, 0, 0.02)),
        (EmbeddingInit.TruncNormal, "trunc-normal", "trunc_normal_(0, 0.02, ±0.04)", (t, g) => Init.TruncNormal(t, g, 0, 0.02, -0.04, 0.04)),
        (EmbeddingInit.XavierUniform, "xavier-uniform", "xavier_uniform_", (t, g) => Init.XavierUniform(t, g)),
        (EmbeddingInit.XavierNormal, "xavier-normal", "xavier_normal_", (t, g) => Init.XavierNormal(t, g)),
        (EmbeddingInit.KaimingUniform, "kaiming-uniform", "kaiming_uniform_", (t, g) => Init.KaimingUniform(t, g, FanMode.FanIn, Nonlinearity.Relu)),
        (EmbeddingInit.KaimingNormal, "kaiming-normal", "kaiming_normal_", (t, g) => Init.KaimingNormal(t, g, FanMode.FanIn, Nonlinearity.Relu)),
        (EmbeddingInit.Orthogonal, "orthogonal", "orthogonal_", (t, g) => Init.Orthogonal(t, g)),
        (EmbeddingInit.Sparse, "sparse", "sparse_(0.9, 0.01)", (t, g) => Init.Sparse(t, g, 0.9, 0.01)),
        (EmbeddingInit.PretrainedFrozen, "pretrained-frozen", "pretrained, frozen", null),
        (EmbeddingInit.PretrainedFinetuned, "pretrained-finetuned", "pretrained, fine-tuned", null),
    ];

    [Fact]
    public void Names_labels_and_order_are_the_ones_results_files_use()
    {
        Assert.Equal(Arms.Select(a => a.Arm), EmbeddingInit.All);
        Assert.Equal(Arms.Select(a => a.Name), EmbeddingInit.All.Select(a => a.Name));
        Assert.Equal(Arms.Select(a => a.Label), EmbeddingInit.All.Select(a => a.Label));
        Assert.Equal(Arms.Select(a => a.Call is null), EmbeddingInit.All.Select(a => a.IsPretrained));
        Assert.Equal([EmbeddingInit.PretrainedFrozen], EmbeddingInit.All.Where(a => a.IsFrozen));
        Assert.Equal("normal-0.02", EmbeddingInit.NormalSmall.ToString());
        Assert.Equal(InitSpec.Parse("trunc-normal(mean=0,std=0.02,a=-0.04,b=0.04)"), EmbeddingInit.TruncNormal.Scheme);
        Assert.Equal(InitSpec.Parse("kaiming-uniform(nonlinearity=relu)"), EmbeddingInit.KaimingUniform.Scheme);
    }

    [Fact]
    public void Every_fill_draws_the_bits_of_its_torch_call()
    {
        foreach (var (arm, name, _, call) in Arms.Where(a => a.Call is not null))
        {
            var expected = call!(new FloatTensor(40, 6), new Generator(11UL)).ToArray();
            var table = new FloatTensor(40, 6);
            arm.Fill(table, new Generator(11UL));
            Assert.True(expected.AsSpan().SequenceEqual(table.ToArray()), name);
        }
    }

    [Fact]
    public void Lists_refuse_empty_entries()
    {
        Assert.Contains("empty entry", Assert.Throws<ArgumentException>(() => EmbeddingInit.ParseList("zeros,,sparse")).Message, StringComparison.Ordinal);
        Assert.Contains("empty entry", Assert.Throws<ArgumentException>(() => EmbeddingInit.ParseList("zeros,")).Message, StringComparison.Ordinal);
        Assert.Contains("is empty", Assert.Throws<ArgumentException>(() => EmbeddingInit.ParseList("  ")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_torch_output_layer_is_what_nn_linear_draws_for_its_weight()
    {
        Assert.Equal("kaiming-uniform(a=2.23606797749979)", OutputLayerInit.Torch.Weight().ToString());
        Assert.Equal(InitSpec.Zeros, OutputLayerInit.Zeros.Weight());
        var linear = new Linear(6, 3, new Generator(5UL), bias: false);
        var spec = OutputLayerInit.Torch.Weight().Apply(new FloatTensor(3, 6), new Generator(5UL));
        Assert.Equal(linear.Weight.Value.ToArray(), spec.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => ((OutputLayerInit)7).Weight());
    }
}
