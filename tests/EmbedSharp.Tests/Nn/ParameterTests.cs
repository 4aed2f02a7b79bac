using EmbedSharp.Nn;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Nn;

public sealed class ParameterTests
{
    [Fact]
    public void Gradients_accumulate_until_zero_grad_and_their_storage_is_reused()
    {
        var p = new Parameter(new FloatTensor(3, 2));
        Assert.Null(p.Grad);
        var g = p.DenseGradForAccumulation();
        g[0] = 1f;
        Assert.Same(g, p.DenseGradForAccumulation());
        p.ZeroGrad();
        Assert.Null(p.Grad);
        var again = p.DenseGradForAccumulation();
        Assert.Same(g, again);
        Assert.Equal(0f, again[0]);
    }

    [Fact]
    public void Dense_and_sparse_gradients_are_not_mixed()
    {
        var p = new Parameter(new FloatTensor(4, 2));
        p.SparseGradForAccumulation().Append(1, [1f, 2f]);
        Assert.Throws<InvalidOperationException>(() => p.DenseGradForAccumulation());
        p.ZeroGrad();
        p.DenseGradForAccumulation();
        Assert.Throws<InvalidOperationException>(() => p.SparseGradForAccumulation());
    }

    [Fact]
    public void Frozen_rows_are_checked_and_can_be_released()
    {
        var p = new Parameter(new FloatTensor(5, 2));
        Assert.False(p.HasFrozenRows);
        p.SetRowsFrozen([0, 3]);
        Assert.True(p.IsRowFrozen(3));
        Assert.False(p.IsRowFrozen(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => p.SetRowsFrozen([5]));
        p.SetRowsFrozen([0, 3], frozen: false);
        Assert.False(p.HasFrozenRows);
    }

    [Fact]
    public void A_sparse_gradient_keeps_input_order_and_coalesces_to_ascending_summed_rows()
    {
        var s = new SparseGradient(6, 2);
        s.Append(4, [1f, 1f]);
        s.Append(1, [2f, 0f]);
        s.Append(4, [0.5f, 3f]);
        for (var i = 0; i < 40; i++)
        {
            s.Append(5, [1f, 0f]); // grows past the initial capacity
        }

        Assert.Equal(new long[] { 4, 1, 4 }, s.Indices[..3].ToArray());
        var c = new SparseGradient(6, 2);
        s.CoalesceInto(c);
        Assert.Equal(new long[] { 1, 4, 5 }, c.Indices.ToArray());
        Assert.Equal(new[] { 2f, 0f, 1.5f, 4f, 40f, 0f }, c.Values.ToArray());
        var dense = s.ToDense([6, 2]);
        Assert.Equal(1.5f, dense[4, 0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Append(6));
        Assert.Throws<ArgumentException>(() => s.Append(0, [1f]));
        s.Clear();
        Assert.Equal(0, s.Count);
    }
}
