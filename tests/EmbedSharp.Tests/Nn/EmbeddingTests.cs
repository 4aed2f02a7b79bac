using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Nn;

public sealed class EmbeddingTests
{
    [Fact]
    public void Tutorial_lookup_matches_torch_and_backward_touches_only_the_looked_up_rows()
    {
        // torch.manual_seed(0); e = nn.Embedding(10, 5, padding_idx=0); e(torch.tensor([2, 3, 5]))
        var e = new Embedding(10, 5, new Generator(0), new EmbeddingOptions { PaddingIdx = 0 });
        var output = e.Forward(IndexTensor.Vector(2, 3, 5)).Data;
        uint[] expected =
        [
            0x3eb330ff, 0x3e9dc3bb, 0x3df56f77, 0x3f9e6b93, 0x3f8ef28e,
            0xbe7d367c, 0xbfad23c2, 0xbfd91446, 0x3f111004, 0x3f4b235d,
            0xbf15e32b, 0xbe318eeb, 0x3e3be1a4, 0x3fb1d6c0, 0x3fcb0d00,
        ];
        Assert.Equal([3L, 5L], output.Shape.ToArray());
        Assert.Equal(expected, output.ToArray().Select(BitConverter.SingleToUInt32Bits).ToArray());
        Assert.All(e.Weight.Value.Row(0).ToArray(), v => Assert.Equal(0f, v));

        // One backward, the padding row included in the batch: only rows 2, 3, 5 get a gradient.
        var indices = IndexTensor.Vector(2, 3, 5, 0);
        var grad = new FloatTensor(4, 5);
        grad.Fill(1f);
        e.Backward(indices, grad);
        for (long r = 0; r < 10; r++)
        {
            var touched = r is 2 or 3 or 5;
            Assert.All(e.Weight.Grad!.Row(r).ToArray(), v => Assert.Equal(touched ? 1f : 0f, v));
        }

        Assert.All(e.Weight.Value.Row(0).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Out_of_range_index_names_index_position_and_table_size_and_changes_nothing()
    {
        var e = new Embedding(10, 4, new Generator(1), new EmbeddingOptions { MaxNorm = 0.1 });
        var before = e.Weight.Value.ToArray();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => e.Forward(IndexTensor.Vector(1, 2, 12, 3)));
        Assert.Contains("Index 12", ex.Message, StringComparison.Ordinal);
        Assert.Contains("position 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("10 rows", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => e.Forward(IndexTensor.Vector(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => e.Forward([1L, 10L], new float[8]));
        Assert.Throws<ArgumentOutOfRangeException>(() => e.Backward(IndexTensor.Vector(1, 10), new FloatTensor(2, 4)));
        Assert.Equal(before, e.Weight.Value.ToArray()); // max_norm renorm did not run
        Assert.Null(e.Weight.Grad);
    }

    [Theory]
    [InlineData(10L)]
    [InlineData(-11L)]
    public void Padding_index_outside_the_table_is_refused(long padding)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(10, 3, new Generator(0), new EmbeddingOptions { PaddingIdx = padding }));
        Assert.Contains(padding.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negative_padding_index_counts_from_the_end()
    {
        var e = new Embedding(7, 3, new Generator(0), new EmbeddingOptions { PaddingIdx = -1 });
        Assert.Equal(6L, e.PaddingIdx);
        Assert.All(e.Weight.Value.Row(6).ToArray(), v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(0.0, 2.0)]
    [InlineData(-1.0, 2.0)]
    [InlineData(double.NaN, 2.0)]
    [InlineData(1.0, 0.0)]
    [InlineData(1.0, -2.0)]
    [InlineData(1.0, double.NaN)]
    public void Non_positive_max_norm_or_norm_type_is_refused(double maxNorm, double normType) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(4, 3, new Generator(0), new EmbeddingOptions { MaxNorm = maxNorm, NormType = normType }));

    [Fact]
    public void Grad_output_of_the_wrong_shape_names_both_shapes()
    {
        var e = new Embedding(5, 3, new Generator(0));
        var ex = Assert.Throws<ArgumentException>(() => e.Backward(new IndexTensor([1, 2, 3, 4], 2, 2), new FloatTensor(4, 3)));
        Assert.Contains("(4, 3)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(2, 2, 3)", ex.Message, StringComparison.Ordinal);
        Assert.Null(e.Weight.Grad);
    }

    [Fact]
    public void Sparse_with_scale_grad_by_freq_fails_at_backward_like_pytorch()
    {
        var e = new Embedding(5, 3, new Generator(0), new EmbeddingOptions { Sparse = true, ScaleGradByFreq = true });
        var output = e.Forward(IndexTensor.Vector(1, 1)).Data; // forward works, as in PyTorch
        Assert.Throws<NotSupportedException>(() => e.Backward(IndexTensor.Vector(1, 1), output));
        Assert.Null(e.Weight.SparseGrad);
    }

    [Fact]
    public void From_pretrained_wraps_without_copy_keeps_the_padding_row_and_freezes_by_default()
    {
        var table = FloatTensor.FromArray([1, 2, 3, 4, 5, 6], 3, 2);
        var frozen = Embedding.FromPretrained(table, options: new EmbeddingOptions { PaddingIdx = 1 });
        Assert.Same(table, frozen.Weight.Value);
        Assert.False(frozen.Weight.RequiresGrad);
        Assert.Equal([3f, 4f], frozen.Forward(IndexTensor.Vector(1)).Data.ToArray());
        frozen.Backward(IndexTensor.Vector(1, 2), new FloatTensor(2, 2));
        Assert.Null(frozen.Weight.Grad);
        Assert.True(Embedding.FromPretrained(table, freeze: false).Weight.RequiresGrad);
        Assert.Equal("weight", Assert.Single(frozen.NamedParameters()).Name);
    }

    [Fact]
    public void Pretrained_rows_frozen_new_rows_train()
    {
        // 4 pretrained vectors plus 2 new tokens; the pretrained rows are frozen on the Parameter.
        var table = new FloatTensor(6, 3);
        Init(table, new Generator(5));
        var e = Embedding.FromPretrained(table, freeze: false);
        e.Weight.SetRowsFrozen([0, 1, 2, 3]);
        var before = table.ToArray();
        var indices = IndexTensor.Vector(0, 4, 2, 5, 4);
        for (var step = 0; step < 3; step++)
        {
            e.ZeroGrad();
            var output = e.Forward(indices).Data;
            e.Backward(indices, output); // loss = ½‖output‖²
            SgdStep(e.Weight, 0.1f);
        }

        var after = table.ToArray();
        for (var r = 0; r < 6; r++)
        {
            var changed = !before.AsSpan(r * 3, 3).SequenceEqual(after.AsSpan(r * 3, 3));
            Assert.Equal(r >= 4, changed);
        }
    }

    [Fact]
    public void A_single_learnable_vector_is_an_embedding_of_one_row()
    {
        // Embedding(1, d) as a learned [CLS]-style vector: every position looks up row 0, and its gradient is the sum.
        var cls = new Embedding(1, 4, new Generator(3));
        var indices = new IndexTensor(new long[3], 3);
        var output = cls.Forward(indices).Data;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(cls.Weight.Value.Row(0).ToArray(), output.Row(i).ToArray());
        }

        var grad = FloatTensor.FromArray([1, 2, 3, 4, 10, 20, 30, 40, 100, 200, 300, 400], 3, 4);
        cls.Backward(indices, grad);
        Assert.Equal([111f, 222f, 333f, 444f], cls.Weight.Grad!.ToArray());
    }

    [Fact]
    public void A_second_backward_adds_a_separately_computed_gradient()
    {
        var e = new Embedding(6, 5, new Generator(9), new EmbeddingOptions { ScaleGradByFreq = true });
        var indices = IndexTensor.Vector(1, 3, 1, 1, 5, 3);
        var g1 = RandomTensor(10, 6, 5);
        var g2 = RandomTensor(11, 6, 5);
        var fresh1 = FreshGrad(e, indices, g1);
        var fresh2 = FreshGrad(e, indices, g2);
        e.ZeroGrad();
        e.Backward(indices, g1);
        e.Backward(indices, g2);
        var expected = fresh1.Zip(fresh2, (a, b) => a + b).ToArray();
        Assert.Equal(expected, e.Weight.Grad!.ToArray());
    }

    [Fact]
    public void Renormalize_needs_max_norm_and_reports_the_rows_it_rescaled()
    {
        Assert.Throws<InvalidOperationException>(() => new Embedding(3, 2, new Generator(0)).Renormalize(IndexTensor.Vector(0)));
        var table = FloatTensor.FromArray([3, 4, 0.3f, 0.4f, 6, 8], 3, 2);
        var e = Embedding.FromPretrained(table, options: new EmbeddingOptions { MaxNorm = 1.0 });
        Assert.Equal(2, e.Renormalize(IndexTensor.Vector(2, 0, 1, 0, 2)));
        Assert.Equal(1.0, Math.Sqrt((table[0] * table[0]) + (table[1] * table[1])), 6);
        Assert.Equal([0.3f, 0.4f], table.Row(1).ToArray());
    }

    [Fact]
    public void Index_shapes_of_any_rank_and_empty_inputs_work()
    {
        var e = new Embedding(5, 2, new Generator(0));
        Assert.Equal([2L, 0L, 2L], e.Forward(new IndexTensor([], 2, 0)).Shape.ToArray());
        Assert.Equal([2L, 2L, 2L, 2L], e.Forward(new IndexTensor([0, 1, 2, 3, 4, 0, 1, 2], 2, 2, 2)).Shape.ToArray());
        e.Backward(new IndexTensor([], 0), new FloatTensor(0, 2));
        Assert.All(e.Weight.Grad!.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Gradient_matches_central_differences()
    {
        // loss = Σ output·G is linear in W, so central differences are exact up to float rounding of the loss.
        var e = new Embedding(6, 4, new Generator(2), new EmbeddingOptions { PaddingIdx = 2 });
        var indices = new IndexTensor([1, 2, 4, 1, 0, 5, 4, 4], 2, 4);
        var g = RandomTensor(3, 2, 4, 4);
        e.Backward(indices, g);
        var analytic = e.Weight.Grad!.ToArray();
        var w = e.Weight.Value;
        const float Eps = 1e-2f;
        for (long k = 0; k < w.Length; k++)
        {
            var saved = w[k];
            w[k] = saved + Eps;
            var plus = Loss(e.Forward(indices).Data, g);
            w[k] = saved - Eps;
            var minus = Loss(e.Forward(indices).Data, g);
            w[k] = saved;
            var numeric = (plus - minus) / (2 * Eps);
            var expected = k / 4 == 2 ? 0 : numeric; // the padding row gets no gradient by definition
            Assert.True(Math.Abs(analytic[k] - expected) <= 1e-3 * (1 + Math.Abs(expected)), $"element {k}: analytic {analytic[k]}, numeric {numeric}");
        }
    }

    [Fact]
    public void Span_forward_and_dense_backward_allocate_nothing_when_warmed_up()
    {
        var e = new Embedding(1000, 32, new Generator(0), new EmbeddingOptions { MaxNorm = 2.0, ScaleGradByFreq = true });
        long[] indices = [5, 17, 5, 999, 0, 42, 17, 5];
        var output = new float[indices.Length * 32];
        var grad = new float[indices.Length * 32];
        grad.AsSpan().Fill(0.5f);
        for (var warm = 0; warm < 3; warm++)
        {
            e.ZeroGrad();
            e.Forward(indices, output);
            e.Backward(indices, grad);
            e.Backward(indices, grad); // the accumulate path too
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            e.Weight.ZeroGrad(); // Module.ZeroGrad() walks an iterator (allocates); the parameter's own does not
            e.Forward(indices, output);
            e.Backward(indices, grad);
            e.Backward(indices, grad);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Row_norms_follow_pytorch_definitions()
    {
        float[] row = [3, -4, 0, 0, 0, 0, 0, 0, 0, 12];
        Assert.Equal(13f, EmbeddingFunctions.RowNorm(row, 2));
        Assert.Equal(19f, EmbeddingFunctions.RowNorm(row, 1));
        Assert.Equal(12f, EmbeddingFunctions.RowNorm(row, double.PositiveInfinity));
        Assert.Equal(MathF.Pow(27 + 64 + 1728, 1f / 3), EmbeddingFunctions.RowNorm(row, 3));
        Assert.Equal(0f, EmbeddingFunctions.RowNorm([], 2));
    }

    internal static void Init(FloatTensor t, Generator g) => EmbedSharp.Initialization.Init.Normal(t, g);

    internal static FloatTensor RandomTensor(long seed, params long[] shape)
    {
        var t = new FloatTensor(shape);
        EmbedSharp.Initialization.Init.Normal(t, new Generator(seed));
        return t;
    }

    internal static double Loss(FloatTensor output, FloatTensor g)
    {
        double s = 0;
        for (long i = 0; i < output.Length; i++)
        {
            s += (double)output[i] * g[i];
        }

        return s;
    }

    private static float[] FreshGrad(Embedding e, IndexTensor indices, FloatTensor g)
    {
        e.ZeroGrad();
        e.Backward(indices, g);
        return e.Weight.Grad!.ToArray();
    }

    private static void SgdStep(Parameter p, float lr)
    {
        var grad = p.Grad!;
        for (long r = 0; r < p.Value.RowCount; r++)
        {
            if (p.IsRowFrozen(r))
            {
                continue;
            }

            var w = p.Value.Row(r);
            var g = grad.Row(r);
            for (var d = 0; d < w.Length; d++)
            {
                w[d] -= lr * g[d];
            }
        }
    }
}
