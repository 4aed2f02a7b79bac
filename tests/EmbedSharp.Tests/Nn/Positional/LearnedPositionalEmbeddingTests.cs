using EmbedSharp.Initialization;
using EmbedSharp.Nn.Positional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Nn.Positional;

public sealed class LearnedPositionalEmbeddingTests
{
    [Fact]
    public void Weight_is_a_standard_normal_table_named_weight()
    {
        var m = new LearnedPositionalEmbedding(20, 8, new Generator(3));
        var expected = Init.Normal(new FloatTensor(20, 8), new Generator(3));
        Assert.Equal(expected.ToArray(), m.Weight.Value.ToArray());
        Assert.Equal(["weight"], m.NamedParameters().Select(p => p.Name));
    }

    [Fact]
    public void Backward_sums_over_the_batch_and_accumulates_across_calls()
    {
        var m = new LearnedPositionalEmbedding(6, 2, new Generator(1));
        var g = FloatTensor.FromArray([1, 2, 3, 4, 10, 20, 30, 40], 2, 2, 2);
        Assert.Same(g, m.Backward(g, 3));
        m.Backward(FloatTensor.FromArray([0.5f, 0.5f], 1, 2), 4);
        Assert.Equal([0, 0, 0, 0, 0, 0, 11, 22, 33.5f, 44.5f, 0, 0], m.Weight.Grad!.ToArray());
        m.ZeroGrad();
        Assert.Null(m.Weight.Grad);
    }

    [Fact]
    public void Frozen_table_gets_no_gradient()
    {
        var m = new LearnedPositionalEmbedding(6, 2, new Generator(1));
        m.Weight.RequiresGrad = false;
        m.Backward(new FloatTensor(3, 2));
        Assert.Null(m.Weight.Grad);
    }

    [Fact]
    public void Forward_adds_the_rows_at_the_offset()
    {
        var m = new LearnedPositionalEmbedding(5, 3, new Generator(9));
        var x = FloatTensor.FromArray([1, 1, 1, 2, 2, 2], 2, 3);
        var y = m.Forward(x, 2);
        for (var s = 0; s < 2; s++)
        {
            for (var j = 0; j < 3; j++)
            {
                Assert.Equal(x[s, j] + m.Weight.Value[2 + s, j], y[s, j]);
            }
        }
    }

    [Fact]
    public void A_position_beyond_max_len_is_a_clear_error_and_changes_no_gradient()
    {
        var m = new LearnedPositionalEmbedding(4, 2, new Generator(1));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => m.Forward(new FloatTensor(1, 3, 2), 2));
        Assert.Contains("2..4", ex.Message, StringComparison.Ordinal);
        Assert.Contains("maxLen = 4", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Backward(new FloatTensor(5, 2)));
        Assert.Null(m.Weight.Grad);
        Assert.Throws<ArgumentException>(() => m.Backward(new FloatTensor(2, 3)));
        Assert.Null(m.Weight.Grad);
    }
}
