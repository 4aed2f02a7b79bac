using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Numerics;

public sealed class FloatTensorTests
{
    [Fact]
    public void Shape_rows_and_elements_follow_row_major_order()
    {
        var t = new FloatTensor(2, 3, 4);
        Assert.Equal(3, t.Rank);
        Assert.Equal(24, t.Length);
        Assert.Equal(12, t.RowLength);
        Assert.Equal(2, t.RowCount);
        t[1, 2, 3] = 7f;
        Assert.Equal(7f, t[23L]);
        Assert.Equal(7f, t.Row(1)[11]);
        Assert.Equal(4, t.Size(-1));
    }

    [Fact]
    public void A_scalar_has_one_element_and_an_empty_dimension_has_none()
    {
        var s = new FloatTensor();
        Assert.Equal(0, s.Rank);
        Assert.Equal(1, s.Length);
        var e = new FloatTensor(0, 5);
        Assert.Equal(0, e.Length);
        Assert.Equal(5, e.RowLength);
        Assert.Empty(e.ToArray());
    }

    [Fact]
    public void Bad_shapes_and_indices_name_what_is_wrong()
    {
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() => new FloatTensor(3, -1)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new FloatTensor(long.MaxValue, 4));
        var t = new FloatTensor(4, 5);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => t[4, 0]);
        Assert.Contains("size 4", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Row(4));
        Assert.Throws<ArgumentException>(() => FloatTensor.FromArray(new float[5], 2, 3));
        Assert.Throws<ArgumentException>(() => t.Reshape(3, 3));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(33)]
    [InlineData(257)]
    public void Chunked_storage_gives_the_same_fills_as_one_array(int rowLength)
    {
        // Force tiny chunks (about 100 elements, or one or two rows of long rows) so rows, 16-blocks and the normal
        // tail all meet chunk boundaries.
        var rows = rowLength == 1 ? 250 : 50;
        var chunked = new FloatTensor([rows, rowLength], Math.Max(100, rowLength * 3 / 2));
        var flat = new FloatTensor(rows, rowLength);
        Assert.True(chunked.ChunkCount > 1);
        Assert.True(flat.IsSingleChunk);
        foreach (var fill in new Action<Generator, FloatTensor>[]
                 {
                     (g, t) => Distributions.Normal(g, t, 0.5, 2),
                     (g, t) => Distributions.Uniform(g, t, -1, 1),
                 })
        {
            var g1 = new Generator(42UL);
            var g2 = new Generator(42UL);
            fill(g1, chunked);
            fill(g2, flat);
            Assert.Equal(flat.ToArray(), chunked.ToArray());
            Assert.Equal(g2.GetState(), g1.GetState());
            for (var r = 0; r < rows; r++)
            {
                Assert.True(flat.Row(r).SequenceEqual(chunked.Row(r)));
            }
        }

        Assert.Equal(flat.ToArray(), chunked.Reshape(rowLength, rows).ToArray());
        Assert.Equal(flat.ToArray(), chunked.Clone().ToArray());
    }

    [Fact]
    public unsafe void Large_chunks_start_on_a_cache_line_and_reshapes_share_them()
    {
        // One aligned chunk, and a chunked tensor whose chunks (rows of 128, at the alignment threshold) are each aligned.
        var rows = FloatTensor.AlignedChunkThreshold / 128;
        var single = new FloatTensor(300, 128);
        var chunked = new FloatTensor([3 * rows, 128], rows * 128);
        Assert.Equal(3, chunked.ChunkCount);
        foreach (var (t, chunk) in new[] { (single, 0), (chunked, 0), (chunked, 1), (chunked, 2) })
        {
            fixed (float* p = t.Chunk(chunk))
            {
                Assert.Equal(0, (long)p % 64);
            }
        }

        Assert.Equal(rows * 128, chunked.Chunk(2).Length);
        var values = Enumerable.Range(0, 3 * rows * 128).Select(i => (float)i).ToArray();
        chunked.CopyFrom(values);
        Assert.Equal(values, chunked.ToArray());
        Assert.Equal(values.AsSpan(((3 * rows) - 1) * 128, 128).ToArray(), chunked.Row((3 * rows) - 1).ToArray());
        Assert.Equal(values[((rows + 17) * 128) + 5], chunked[rows + 17, 5]);

        single.Row(2)[3] = 7f;
        var view = single.Reshape(600, 64);
        Assert.Equal(7f, view[4, 3]);
        view[599, 63] = 9f;
        Assert.Equal(9f, single[299, 127]);
        Assert.Equal(300 * 128, view.AsSpan().Length);
    }

    [Fact]
    public void Flat_reads_and_writes_cross_chunk_boundaries()
    {
        var t = new FloatTensor([10, 7], 20);
        var values = Enumerable.Range(0, 70).Select(i => (float)i).ToArray();
        t.WriteFlat(0, values);
        var back = new float[30];
        t.ReadFlat(13, back);
        Assert.Equal(values.Skip(13).Take(30), back);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.WriteFlat(60, new float[11]));
    }

    [Fact]
    public void As_span_refuses_a_chunked_tensor_with_a_clear_message()
    {
        var t = new FloatTensor([10, 7], 20);
        Assert.False(t.IsSingleChunk);
        Assert.Contains("Row()", Assert.Throws<InvalidOperationException>(() => t.AsSpan()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public unsafe void External_storage_behaves_like_managed_storage()
    {
        var n = 37 * 11;
        var memory = (float*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)(n * sizeof(float)));
        try
        {
            var external = FloatTensor.FromPointer((nint)memory, owner: null, 37, 11);
            Assert.True(external.IsExternal);
            var managed = new FloatTensor(37, 11);
            Distributions.Normal(new Generator(4UL), external, 0, 1);
            Distributions.Normal(new Generator(4UL), managed, 0, 1);
            Assert.Equal(managed.ToArray(), external.ToArray());
            Assert.Equal(managed.Row(36).ToArray(), external.Row(36).ToArray());
            external[3, 4] = 42f;
            Assert.Equal(42f, memory[(3 * 11) + 4]);
            Assert.Equal(42f, external.Reshape(11, 37)[(3 * 11) + 4]);
            var copy = external.Clone();
            Assert.False(copy.IsExternal);
            Assert.Equal(external.ToArray(), copy.ToArray());
            external.Scale(2f);
            Assert.Equal(84f, memory[(3 * 11) + 4]);
            Assert.Throws<ArgumentException>(() => FloatTensor.FromPointer(0, null, 2));
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(memory);
        }
    }

    [Fact]
    public void Statistics_are_population_moments()
    {
        var t = FloatTensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        var s = t.Statistics();
        Assert.Equal(2.5, s.Mean, 12);
        Assert.Equal(Math.Sqrt(1.25), s.Std, 6);
        Assert.Equal(1f, s.Min);
        Assert.Equal(4f, s.Max);
        Assert.Equal("(2, 2)", FloatTensor.FormatShape(t.Shape));
        Assert.Equal("(3,)", FloatTensor.FormatShape([3]));
    }

    [Fact]
    public void Index_tensors_check_their_shape()
    {
        var i = IndexTensor.FromInt32([1, 2, 3, 4, 5, 6], 2, 3);
        Assert.Equal(6, i.Length);
        Assert.Equal(6L, i[5]);
        Assert.Throws<ArgumentException>(() => new IndexTensor(new long[5], 2, 3));
        Assert.Throws<ArgumentException>(() => new IndexTensor([], -1));
    }
}
