using EmbedSharp.Autograd;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Autograd;

public sealed class AttentionOpsTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Gradients_match_finite_differences(bool causal, bool padding)
    {
        var g = new Generator(31);
        var q = OpGradCheck.Random(g, 2, 2, 3, 4);
        var k = OpGradCheck.Random(g, 2, 2, 3, 4);
        var v = OpGradCheck.Random(g, 2, 2, 3, 2);
        var mask = padding ? AttentionMask.KeyPadding([false, false, false, false, false, true], 2) : null;
        OpGradCheck.Check(() => Ops.ScaledDotProductAttention(q, k, v, mask, causal), q, k, v);
    }

    [Fact]
    public void Masks_have_torchs_layout()
    {
        Assert.Equal([0f, float.NegativeInfinity, float.NegativeInfinity, 0f, 0f, float.NegativeInfinity, 0f, 0f, 0f], AttentionMask.Causal(3).ToArray());
        var lengths = AttentionMask.KeyPadding(IndexTensor.Vector(3, 1), 3);
        Assert.Equal([2L, 1L, 1L, 3L], lengths.Shape.ToArray());
        Assert.Equal([0f, 0f, 0f, 0f, float.NegativeInfinity, float.NegativeInfinity], lengths.ToArray());
    }

    [Fact]
    public void A_query_with_every_key_masked_gives_nan_as_torch_1_13()
    {
        var g = new Generator(2);
        var q = OpGradCheck.Random(g, 1, 1, 2, 4);
        var k = OpGradCheck.Random(g, 1, 1, 2, 4);
        var v = OpGradCheck.Random(g, 1, 1, 2, 4);
        var y = Ops.ScaledDotProductAttention(q, k, v, AttentionMask.KeyPadding([true, true], 1)).Data.AsSpan();
        Assert.True(float.IsNaN(y[0]));
    }

    [Fact]
    public void An_explicit_scale_multiplies_the_scores()
    {
        var g = new Generator(6);
        var q = OpGradCheck.Random(g, 3, 4);
        var k = OpGradCheck.Random(g, 3, 4);
        var v = OpGradCheck.Random(g, 3, 2);
        var expected = Ops.MatMul(Ops.Softmax(Ops.Mul(Ops.MatMul(q, k, false, true), new Variable(FloatTensor.FromArray([0.3f]))), -1), v);
        Assert.Equal(expected.Data.ToArray(), Ops.ScaledDotProductAttention(q, k, v, scale: 0.3).Data.ToArray());
    }

    [Fact]
    public void Misuse_names_the_op_and_the_shapes()
    {
        Variable V(params long[] s) => new(new FloatTensor(s));
        var e = Assert.Throws<ArgumentException>(() => Ops.ScaledDotProductAttention(V(2, 3, 4), V(2, 3, 5), V(2, 3, 5)));
        Assert.Contains("scaled_dot_product_attention: q (2, 3, 4), k (2, 3, 5)", e.Message, StringComparison.Ordinal);
        var m = Assert.Throws<ArgumentException>(() => Ops.ScaledDotProductAttention(V(2, 3, 4), V(2, 3, 4), V(2, 3, 4), new FloatTensor(4, 4)));
        Assert.Contains("(4, 4)", m.Message, StringComparison.Ordinal);
    }
}
