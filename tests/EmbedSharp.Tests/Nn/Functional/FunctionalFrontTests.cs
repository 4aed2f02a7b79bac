using EmbedSharp.Autograd;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Tests.Autograd;

namespace EmbedSharp.Tests.Nn.Functional;

public sealed class FunctionalFrontTests
{
    [Theory]
    [InlineData(Reduction.Mean, 0.0, -100L)]
    [InlineData(Reduction.Sum, 0.1, 2L)]
    [InlineData(Reduction.None, 0.2, -100L)]
    public void Cross_entropy_gradients_match_finite_differences(Reduction reduction, double smoothing, long ignore)
    {
        var x = OpGradCheck.Random(new Generator(41), 4, 3, 2);
        var t = new IndexTensor([0, 2, 1, 2, 2, 0, 1, 1], 4, 2);
        OpGradCheck.Check(() => F.CrossEntropy(x, t, ignore, smoothing, reduction), x);
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.None)]
    public void Mse_and_bce_gradients_match_finite_differences(Reduction reduction)
    {
        var g = new Generator(43);
        var x = OpGradCheck.Random(g, 3, 4);
        var y = OpGradCheck.Random(g, 3, 4);
        OpGradCheck.Check(() => F.MseLoss(x, y, reduction), x, y);
        var target = new Variable(FloatTensor.FromArray([0f, 1f, 0.5f, 1f, 0f, 0f, 1f, 0.25f, 1f, 0f, 1f, 0.75f], 3, 4));
        var pw = FloatTensor.FromArray([0.5f, 1f, 2f, 3f], 4);
        x.ZeroGrad();
        OpGradCheck.Check(() => F.BinaryCrossEntropyWithLogits(x, target, pw, reduction), x);
    }

    [Fact]
    public void Dropout_backward_is_the_mask_and_evaluation_is_the_identity()
    {
        var x = OpGradCheck.Random(new Generator(1), 4, 8);
        Assert.Same(x, F.Dropout(x, 0.5, training: false, new Generator(7)));
        Assert.Same(x, F.Dropout(x, 0, training: true, new Generator(7)));
        var y = F.Dropout(x, 0.25, training: true, new Generator(7));
        var mask = new float[32];
        DropoutFunctions.FillMask(new Generator(7), 0.25, mask);
        var g = FloatTensor.FromArray([.. Enumerable.Range(0, 32).Select(i => (float)i)], 4, 8);
        y.Backward(g);
        for (var i = 0; i < 32; i++)
        {
            Assert.Equal(g[i] * mask[i], x.Grad![i]);
            Assert.Equal(x.Data[i] * mask[i], y.Data[i]);
        }
    }

    [Fact]
    public void Cross_entropy_mean_over_only_ignored_targets_is_nan_as_torch()
    {
        var x = OpGradCheck.Random(new Generator(3), 2, 3);
        Assert.True(float.IsNaN(F.CrossEntropy(x, IndexTensor.Vector(-100, -100)).Data[0]));
    }

    [Fact]
    public void Misuse_names_the_op_and_the_shapes()
    {
        Variable V(params long[] s) => new(new FloatTensor(s));
        var ce = Assert.Throws<ArgumentException>(() => F.CrossEntropy(V(3, 4), IndexTensor.Vector(0, 1)));
        Assert.Contains("cross_entropy: logits of shape (3, 4) and targets of shape (2,)", ce.Message, StringComparison.Ordinal);
        Assert.Contains("cross_entropy: target 4", Assert.Throws<ArgumentOutOfRangeException>(() => F.CrossEntropy(V(2, 4), IndexTensor.Vector(0, 4))).Message, StringComparison.Ordinal);
        Assert.Contains("mse_loss: input of shape (2, 3) and target of shape (3, 2)", Assert.Throws<ArgumentException>(() => F.MseLoss(V(2, 3), V(3, 2))).Message, StringComparison.Ordinal);
        Assert.Contains("pos_weight of shape (5,)", Assert.Throws<ArgumentException>(() => F.BinaryCrossEntropyWithLogits(V(2, 3), V(2, 3), new FloatTensor(5))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => F.Dropout(V(2), 1.5, true, new Generator(1)));
    }
}
