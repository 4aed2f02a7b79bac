using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Tests.Nn;
using EmbedSharp.Tests.Parity;
using EmbedSharp.Training.Losses;

namespace EmbedSharp.Tests.Training;

public sealed class LossTests
{
    public static TheoryData<Reduction> Reductions() => [Reduction.None, Reduction.Mean, Reduction.Sum];

    /// <summary>Turns any loss output into a scalar: Σ loss ⊙ up (up is the upstream gradient).</summary>
    private static double Weighted(FloatTensor loss, FloatTensor up) => GradCheck.Dot(loss, up);

    private static FloatTensor Upstream(Generator g, Reduction reduction, params long[] unreduced) =>
        reduction == Reduction.None ? LayersParityTests.Randn(g, unreduced) : FloatTensor.FromArray([0.7f]);

    [Theory]
    [MemberData(nameof(Reductions))]
    public void Mse_gradient_matches_finite_differences(Reduction reduction)
    {
        var g = new Generator(1);
        var x = LayersParityTests.Randn(g, 4, 6);
        var y = LayersParityTests.Randn(g, 4, 6);
        var up = Upstream(g, reduction, 4, 6);
        var loss = new MseLoss(reduction);
        GradCheck.Check(() => Weighted(loss.Forward(x, y), up), x, loss.Backward(x, y, up), 1e-2, 1e-3, $"mse {reduction}");
    }

    [Theory]
    [MemberData(nameof(Reductions))]
    public void Cross_entropy_gradient_matches_finite_differences_with_smoothing_and_ignored_samples(Reduction reduction)
    {
        var g = new Generator(2);
        var x = LayersParityTests.Randn(g, 5, 4);
        var t = IndexTensor.Vector(3, -100, 0, 2, 2);
        var up = Upstream(g, reduction, 5);
        var loss = new CrossEntropyLoss(reduction, labelSmoothing: 0.2);
        var grad = loss.Backward(x, t, up);
        Assert.All(grad.Row(1).ToArray(), v => Assert.Equal(0f, v));
        GradCheck.Check(() => Weighted(loss.Forward(x, t), up), x, grad, 1e-2, 2e-3, $"cross-entropy {reduction}");
    }

    [Theory]
    [MemberData(nameof(Reductions))]
    public void Bce_with_logits_gradient_matches_finite_differences_with_pos_weight(Reduction reduction)
    {
        var g = new Generator(3);
        var x = LayersParityTests.Randn(g, 3, 4);
        var y = FloatTensor.FromArray([1, 0, 1, 0.5f, 0, 0, 1, 1, 0.25f, 1, 0, 0], 3, 4);
        var up = Upstream(g, reduction, 3, 4);
        var loss = new BceWithLogitsLoss(reduction, FloatTensor.FromArray([2f, 0.5f, 1f, 3f], 4));
        GradCheck.Check(() => Weighted(loss.Forward(x, y), up), x, loss.Backward(x, y, up), 1e-2, 2e-3, $"bce {reduction}");
    }

    [Fact]
    public void Bce_with_logits_is_stable_for_huge_logits()
    {
        var loss = new BceWithLogitsLoss(Reduction.None);
        var l = loss.Forward(FloatTensor.FromArray([1000f, -1000f, 1000f], 3), FloatTensor.FromArray([1f, 0f, 0f], 3));
        Assert.Equal([0f, 0f, 1000f], l.ToArray());
    }

    [Fact]
    public void Cross_entropy_with_every_sample_ignored_has_a_nan_mean_and_zero_gradient()
    {
        var loss = new CrossEntropyLoss();
        var x = LayersParityTests.Randn(new Generator(0), 2, 3);
        var t = IndexTensor.Vector(-100, -100);
        Assert.True(float.IsNaN(loss.Forward(x, t)[0]));
        Assert.All(loss.Backward(x, t).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Mismatched_shapes_name_both_shapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => new MseLoss().Forward(new FloatTensor(2, 3), new FloatTensor(3, 2)));
        Assert.Contains("(2, 3)", ex.Message);
        Assert.Contains("(3, 2)", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new BceWithLogitsLoss().Backward(new FloatTensor(4), new FloatTensor(5)));
        Assert.Contains("(4,)", ex.Message);
        Assert.Contains("(5,)", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new CrossEntropyLoss().Forward(new FloatTensor(2, 3), IndexTensor.Vector(0, 1, 2)));
        Assert.Contains("(3,)", ex.Message);
        Assert.Contains("(2, 3)", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new MseLoss(Reduction.None).Backward(new FloatTensor(2), new FloatTensor(2), new FloatTensor(3)));
        Assert.Contains("(3,)", ex.Message);
        Assert.Throws<ArgumentException>(() => new BceWithLogitsLoss(posWeight: FloatTensor.FromArray([1f, 2f], 2)).Forward(new FloatTensor(2, 3), new FloatTensor(2, 3)));
    }

    [Fact]
    public void A_class_index_out_of_range_is_named_but_ignore_index_is_allowed()
    {
        var loss = new CrossEntropyLoss(ignoreIndex: 7);
        var x = new FloatTensor(3, 4);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => loss.Forward(x, IndexTensor.Vector(0, 4, 1)));
        Assert.Contains("Target 4", ex.Message);
        Assert.Contains("4 classes", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => loss.Backward(x, IndexTensor.Vector(0, -100, 1)));
        Assert.Equal(MathF.Log(4), loss.Forward(x, IndexTensor.Vector(0, 7, 1))[0], 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CrossEntropyLoss(labelSmoothing: 1.5));
    }
}
