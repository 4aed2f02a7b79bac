using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Training.Optimizers;

namespace EmbedSharp.Tests.Nn;

/// <summary>
/// A dense embedding gradient records which rows its row-wise backward passes wrote, so ZeroGrad + backward zero only
/// those rows and a plain SGD step visits only those rows. Each test runs the same steps twice, once with that record
/// and once without it (reading <see cref="EmbedSharp.Autograd.Variable.Grad"/> hands the tensor out and drops the record), and compares
/// gradients and weights bit for bit.
/// </summary>
public sealed class DenseGradientRowTrackingTests
{
    private static uint[] Bits(FloatTensor t) => t.ToArray().Select(BitConverter.SingleToUInt32Bits).ToArray();

    private static long[] Batch(Random rng, int n, int rows)
    {
        var idx = new long[n];
        for (var i = 0; i < n; i++)
        {
            idx[i] = rng.Next(i % 3 == 0 ? 10 : rows); // repeats of the first rows, and the padding row 4 now and then
        }

        return idx;
    }

    /// <summary>Signed zeros and a NaN in rows no batch touches: a step over them would show (−0 + −0 vs +0).</summary>
    private static void SeedSpecialRows(FloatTensor weight)
    {
        weight.Row(weight.RowCount - 1).Fill(-0f);
        weight.Row(weight.RowCount - 2).Fill(0f);
        weight.Row(weight.RowCount - 3)[1] = float.NaN;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Embedding_steps_give_the_same_bits_with_and_without_the_row_record(bool scaleByFreq, bool accumulateTwice)
    {
        const int rows = 300, dim = 7;
        var options = new EmbeddingOptions { PaddingIdx = 4, ScaleGradByFreq = scaleByFreq };
        var tracked = new Embedding(rows, dim, new Generator(1), options);
        var full = new Embedding(rows, dim, new Generator(1), options);
        SeedSpecialRows(tracked.Weight.Value);
        SeedSpecialRows(full.Weight.Value);
        var sgdTracked = new Sgd([tracked.Weight], new SgdOptions { Lr = 0.1 });
        var sgdFull = new Sgd([full.Weight], new SgdOptions { Lr = 0.1 });
        var rng = new Random(7);
        for (var step = 0; step < 6; step++)
        {
            var batches = accumulateTwice ? 2 : 1;
            for (var b = 0; b < batches; b++)
            {
                var idx = new IndexTensor(Batch(rng, 20 + (step * 5), rows - 3), 20 + (step * 5));
                var g = new FloatTensor(idx.Length, dim);
                new Generator((ulong)(step * 10) + (ulong)b).Uniform(g, -1, 1);
                tracked.Backward(idx, g);
                full.Backward(idx, g);
            }

            Assert.NotNull(tracked.Weight.DirtyRows);
            var fullGrad = full.Weight.Grad!; // handed out: the record is dropped
            Assert.Null(full.Weight.DirtyRows);
            Assert.Equal(Bits(fullGrad), Bits(tracked.Weight.PendingDenseGrad!));
            sgdTracked.Step();
            sgdFull.Step();
            Assert.Equal(Bits(full.Weight.Value), Bits(tracked.Weight.Value));
            sgdTracked.ZeroGrad();
            sgdFull.ZeroGrad();
        }

        Assert.True(float.IsNaN(tracked.Weight.Value.Row(rows - 3)[1]));
        Assert.Equal(BitConverter.SingleToUInt32Bits(-0f), BitConverter.SingleToUInt32Bits(tracked.Weight.Value.Row(rows - 1)[0]));
    }

    [Theory]
    [InlineData(40, EmbeddingBagMode.Mean)] // few rows: only the recorded rows are zeroed
    [InlineData(900, EmbeddingBagMode.Sum)] // most rows: the kernel zeroes the whole table as it walks
    [InlineData(40, EmbeddingBagMode.Max)]
    public void EmbeddingBag_steps_give_the_same_bits_with_and_without_the_row_record(int n, EmbeddingBagMode mode)
    {
        const int rows = 400, dim = 9;
        var options = new EmbeddingBagOptions { Mode = mode, PaddingIdx = 4 };
        var tracked = new EmbeddingBag(rows, dim, new Generator(2), options);
        var full = new EmbeddingBag(rows, dim, new Generator(2), options);
        SeedSpecialRows(tracked.Weight.Value);
        SeedSpecialRows(full.Weight.Value);
        var sgdTracked = new Sgd([tracked.Weight], new SgdOptions { Lr = 0.05 });
        var sgdFull = new Sgd([full.Weight], new SgdOptions { Lr = 0.05 });
        var rng = new Random(3);
        for (var step = 0; step < 6; step++)
        {
            var idx = new IndexTensor(Batch(rng, n, rows - 3), n / 4, 4);
            var g = new FloatTensor(n / 4, dim);
            new Generator((ulong)step).Uniform(g, -1, 1);
            tracked.Backward(tracked.ForwardResult(idx), g);
            full.Backward(full.ForwardResult(idx), g);
            Assert.NotNull(tracked.Weight.DirtyRows);
            Assert.Equal(Bits(full.Weight.Grad!), Bits(tracked.Weight.PendingDenseGrad!));
            sgdTracked.Step();
            sgdFull.Step();
            Assert.Equal(Bits(full.Weight.Value), Bits(tracked.Weight.Value));
            sgdTracked.ZeroGrad();
            sgdFull.ZeroGrad();
        }
    }

    [Fact]
    public void A_value_written_into_the_handed_out_gradient_is_stepped_and_later_zeroed()
    {
        var emb = new Embedding(50, 3, new Generator(4));
        var sgd = new Sgd([emb.Weight], new SgdOptions { Lr = 0.5 });
        var before = emb.Weight.Value.Row(40).ToArray();
        emb.Backward(new IndexTensor([1, 2], 2), new FloatTensor(2, 3));
        emb.Weight.Grad!.Row(40).Fill(2f); // a row the backward did not touch
        sgd.Step();
        Assert.Equal(before.Select(x => x - 1f).ToArray(), emb.Weight.Value.Row(40).ToArray());

        sgd.ZeroGrad();
        emb.Backward(new IndexTensor([1], 1), new FloatTensor(1, 3));
        Assert.All(emb.Weight.PendingDenseGrad!.Row(40).ToArray(), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void The_record_lists_the_rows_written_except_padding_and_is_dropped_by_a_whole_table_writer()
    {
        var emb = new Embedding(100, 2, new Generator(5), new EmbeddingOptions { PaddingIdx = 3 });
        emb.Backward(new IndexTensor([3, 7, 7, 64], 4), new FloatTensor(4, 2));
        var marks = emb.Weight.DirtyRows!;
        Assert.Equal(2, marks.Count());
        Assert.True(marks.Contains(7) && marks.Contains(64) && !marks.Contains(3));
        var all = marks.Marked(0, 100);
        Assert.True(all.MoveNext(out var r) && r == 7);
        Assert.True(all.MoveNext(out r) && r == 64);
        Assert.False(all.MoveNext(out _));
        var tail = marks.Marked(8, 64); // the end is exclusive
        Assert.False(tail.MoveNext(out _));
        tail = marks.Marked(64, 65);
        Assert.True(tail.MoveNext(out r) && r == 64);

        emb.Weight.DenseGradForAccumulation(); // a writer that may touch any row (Linear with a tied weight)
        Assert.Null(emb.Weight.DirtyRows);
        emb.Weight.ZeroGrad();
        emb.Backward(new IndexTensor([9], 1), new FloatTensor(1, 2));
        Assert.Equal(1, emb.Weight.DirtyRows!.Count()); // the whole storage was zeroed, so the record is exact again
    }

    [Fact]
    public void Momentum_weight_decay_and_maximize_still_visit_every_row()
    {
        foreach (var o in new[]
                 {
                     new SgdOptions { Lr = 0.1, Momentum = 0.9 }, new SgdOptions { Lr = 0.1, WeightDecay = 0.01 },
                     new SgdOptions { Lr = 0.1, Maximize = true },
                 })
        {
            var tracked = new Embedding(30, 2, new Generator(6));
            var full = new Embedding(30, 2, new Generator(6));
            SeedSpecialRows(tracked.Weight.Value);
            SeedSpecialRows(full.Weight.Value);
            var a = new Sgd([tracked.Weight], o);
            var b = new Sgd([full.Weight], o);
            for (var step = 0; step < 3; step++)
            {
                var g = new FloatTensor(2, 2);
                g.Fill(0.25f * (step + 1));
                tracked.Backward(new IndexTensor([step, 5], 2), g);
                full.Backward(new IndexTensor([step, 5], 2), g);
                _ = full.Weight.Grad;
                a.Step();
                b.Step();
                a.ZeroGrad();
                b.ZeroGrad();
            }

            Assert.Equal(Bits(full.Weight.Value), Bits(tracked.Weight.Value));
        }
    }

    [Fact]
    public void The_marked_row_step_skips_frozen_rows_and_handles_chunked_tables()
    {
        const int rows = 200, dim = 5;
        var value = new FloatTensor([rows, dim], 16 * dim); // 16 rows per chunk
        new Generator(8).Uniform(value, -1, 1);
        var expected = value.ToArray();
        var p = new Parameter(value);
        p.SetRowsFrozen([70]);
        long[] touched = [3, 70, 64, 65, 199, 3];
        var grad = p.DenseGradForRows(touched, -1);
        foreach (var r in touched)
        {
            grad.Row(r).Fill(r + 0.5f);
        }

        Assert.Equal(5, p.DirtyRows!.Count());
        new Sgd([p], new SgdOptions { Lr = 0.25 }).Step();
        foreach (var r in touched.Distinct().Where(r => r != 70))
        {
            for (var d = 0; d < dim; d++)
            {
                expected[(r * dim) + d] = MathF.FusedMultiplyAdd(r + 0.5f, -0.25f, expected[(r * dim) + d]);
            }
        }

        Assert.Equal(expected.Select(BitConverter.SingleToUInt32Bits), value.ToArray().Select(BitConverter.SingleToUInt32Bits));

        p.ZeroGrad(); // the next row-wise backward zeroes exactly the marked rows, chunk boundaries included
        var again = p.DenseGradForRows([1], -1);
        Assert.All(again.ToArray(), x => Assert.Equal(0f, x));
        Assert.Equal(1, p.DirtyRows!.Count());
    }

    [Fact]
    public void The_cursor_walks_ranges_that_start_and_end_inside_a_word()
    {
        var marks = new RowMarks(300);
        long[] rows = [0, 1, 63, 64, 65, 127, 128, 250, 299];
        marks.Mark(rows);
        foreach (var (start, end) in new (long, long)[] { (0, 300), (1, 64), (2, 63), (64, 128), (65, 251), (299, 300), (100, 100), (126, 1000) })
        {
            var got = new List<long>();
            var c = marks.Marked(start, end);
            while (c.MoveNext(out var r))
            {
                got.Add(r);
            }

            Assert.Equal(rows.Where(r => r >= start && r < Math.Min(end, 300)), got);
        }
    }
}
