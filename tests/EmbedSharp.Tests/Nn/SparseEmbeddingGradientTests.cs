using System.Runtime.CompilerServices;
using EmbedSharp.Nn;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Nn;

/// <summary>The zero-copy (borrowing) sparse embedding gradient and the radix-sort coalesce.</summary>
public sealed class SparseEmbeddingGradientTests
{
    internal static long[] RandomRows(int n, long rows, ulong seed)
    {
        var g = new Generator(seed);
        var r = new long[n];
        for (var i = 0; i < n; i++)
        {
            r[i] = (long)(g.Random64() % (ulong)rows);
        }

        return r;
    }

    internal static FloatTensor RandomTensor(ulong seed, params long[] shape)
    {
        var t = new FloatTensor(shape);
        Distributions.Normal(new Generator(seed), t, 0, 1);
        return t;
    }

    private static uint[] Bits(ReadOnlySpan<float> x)
    {
        var b = new uint[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            b[i] = BitConverter.SingleToUInt32Bits(x[i]);
        }

        return b;
    }

    [Fact]
    public void A_borrowing_sparse_backward_gives_the_copied_entries_and_points_into_the_upstream_gradient()
    {
        var rows = RandomRows(40, 6, 1).Select(r => r + 1).ToArray();
        rows[3] = 0;
        rows[4] = 0;
        rows[17] = 0; // padding entries are dropped, later values keep their original positions
        var indices = new IndexTensor(rows, 8, 5);
        var grad = RandomTensor(2, 8, 5, 3);
        var options = new EmbeddingOptions { PaddingIdx = 0, Sparse = true };
        var borrowed = new Embedding(7, 3, new Generator(0), options);
        var copied = new Embedding(7, 3, new Generator(0), options);
        borrowed.Backward(indices, grad);
        copied.Backward(indices, grad, GradientStorage.Copy);

        var b = borrowed.Weight.SparseGrad!;
        var c = copied.Weight.SparseGrad!;
        Assert.True(b.HasBorrowedEntries);
        Assert.False(c.HasBorrowedEntries);
        var positions = Enumerable.Range(0, rows.Length).Where(i => rows[i] != 0).ToArray();
        Assert.Equal(37, b.Count);
        Assert.Equal(c.Count, b.Count);
        for (var k = 0; k < b.Count; k++)
        {
            var position = positions[k];

            Assert.Equal(c.Index(k), b.Index(k));
            Assert.Equal(rows[position], b.Index(k));
            Assert.Equal(Bits(c.Value(k)), Bits(b.Value(k)));
            Assert.True(Unsafe.AreSame(ref b.Value(k)[0], ref grad.AsSpan()[position * 3]), $"entry {k} is not a view of position {position}");
        }
    }

    [Fact]
    public void A_borrowed_gradient_follows_its_buffer_until_owned_and_the_copy_option_does_not()
    {
        var indices = IndexTensor.Vector(1, 2, 1);
        var grad = FloatTensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 3, 2);
        var borrowed = new Embedding(3, 2, new Generator(0), new EmbeddingOptions { Sparse = true });
        var copied = new Embedding(3, 2, new Generator(0), new EmbeddingOptions { Sparse = true });
        borrowed.Backward(indices, grad);
        copied.Backward(indices, grad, GradientStorage.Copy);
        grad.AsSpan()[0] = 10f; // breaks the lifetime rule on purpose: the borrowed entry sees it
        Assert.Equal(10f, borrowed.Weight.SparseGrad!.Value(0)[0]);
        Assert.Equal(1f, copied.Weight.SparseGrad!.Value(0)[0]);

        borrowed.Weight.SparseGrad.Own();
        Assert.False(borrowed.Weight.SparseGrad.HasBorrowedEntries);
        grad.AsSpan()[0] = 20f;
        Assert.Equal(10f, borrowed.Weight.SparseGrad.Value(0)[0]);
        Assert.Equal(new long[] { 1, 2, 1 }, borrowed.Weight.SparseGrad.Indices.ToArray());
        Assert.Equal(new[] { 10f, 2f, 3f, 4f, 5f, 6f }, borrowed.Weight.SparseGrad.Values.ToArray());

        borrowed.Weight.ZeroGrad();
        Assert.Null(borrowed.Weight.SparseGrad);
    }

    [Fact]
    public void Owned_and_borrowed_entries_read_in_append_order_and_coalesce_first_plus_second_in_that_order()
    {
        var s = new SparseGradient(5, 2);
        s.Append(4, [1f, 1f]);
        s.AppendBorrowed(IndexTensor.Vector(2, 0, 4), FloatTensor.FromArray([2f, 0f, 9f, 9f, 0.5f, 3f], 3, 2), excludedRow: 0);
        s.Append(2, [1e8f, -1e8f]);
        s.AppendBorrowed(IndexTensor.Vector(4), FloatTensor.FromArray([1e-8f, 0.25f], 1, 2));
        Assert.Equal(5, s.Count);
        Assert.Equal(new long[] { 4, 2, 4, 2, 4 }, Enumerable.Range(0, s.Count).Select(s.Index).ToArray());
        Assert.Equal(new[] { 0.5f, 3f }, s.Value(2).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Index(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Value(-1).ToArray());

        var c = new SparseGradient(5, 2);
        s.CoalesceInto(c);
        Assert.Equal(new long[] { 2, 4 }, c.Indices.ToArray());
        float[] expected = [2f + 1e8f, 0f + -1e8f, (1f + 0.5f) + 1e-8f, (1f + 3f) + 0.25f];
        Assert.Equal(Bits(expected), Bits(c.Values));
        Assert.True(s.HasBorrowedEntries); // coalescing reads, it does not end the borrow
    }

    [Fact]
    public void Bad_input_to_a_borrowing_backward_throws_and_leaves_no_gradient()
    {
        var e = new Embedding(6, 2, new Generator(0), new EmbeddingOptions { Sparse = true });
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => e.Backward(IndexTensor.Vector(1, 6), new FloatTensor(2, 2)));
        Assert.Contains("Index 6 at position 1", ex.Message);
        Assert.Contains("6 rows", ex.Message);
        Assert.Null(e.Weight.SparseGrad);
        Assert.Throws<ArgumentException>(() => e.Backward(IndexTensor.Vector(1, 2), new FloatTensor(2, 3)));
        Assert.Null(e.Weight.SparseGrad);

        var s = new SparseGradient(6, 2);
        s.Append(1, [1f, 2f]);
        var bad = Assert.Throws<ArgumentOutOfRangeException>(() => s.AppendBorrowed(IndexTensor.Vector(0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, -1), new FloatTensor(18, 2)));
        Assert.Contains("Index -1 at position 17", bad.Message);
        Assert.Throws<ArgumentException>(() => s.AppendBorrowed(IndexTensor.Vector(1), new FloatTensor(1, 3)));
        Assert.Throws<ArgumentException>(() => s.AppendBorrowed(IndexTensor.Vector(1, 1, 1, 1), new FloatTensor([4L, 2L], 2)));
        Assert.Equal(1, s.Count);
        Assert.False(s.HasBorrowedEntries);
    }

    [Theory]
    [InlineData(1L << 21, 8_000, 16)] // groups summed on both cores
    [InlineData(300L, 30_000, 8)] // long runs of duplicates
    [InlineData(1L, 5, 3)] // a single row
    public void Coalescing_sums_each_row_serially_in_torch_sort_order_bit_for_bit(long rowCount, int n, int dim)
    {
        var rows = RandomRows(n, rowCount, 3);
        var values = RandomTensor(4, n, dim);
        var s = new SparseGradient(rowCount, dim);
        var half = n / 2;
        for (var k = 0; k < half; k++)
        {
            s.Append(rows[k], values.AsSpan().Slice(k * dim, dim));
        }

        s.AppendBorrowed(new IndexTensor(rows[half..], n - half), FloatTensor.FromArray(values.AsSpan()[(half * dim)..].ToArray(), n - half, dim));
        var c = new SparseGradient(rowCount, dim);
        s.CoalesceInto(c);

        // Reference: the entries in torch's sort order (LibstdcxxSortTorchTests checks it against torch), then
        // first + second + … per element, serially.
        var order = Enumerable.Range(0, n).ToArray();
        LibstdcxxSort.Sort((long[])rows.Clone(), order);
        Assert.Equal(Enumerable.Range(0, n).OrderBy(k => rows[k]).Select(k => rows[k]), order.Select(k => rows[k]));
        var expectedRows = new List<long>();
        var expectedValues = new List<float>();
        for (var i = 0; i < n;)
        {
            var e = i;
            while (e < n && rows[order[e]] == rows[order[i]])
            {
                e++;
            }

            var acc = values.AsSpan().Slice(order[i] * dim, dim).ToArray();
            for (var j = i + 1; j < e; j++)
            {
                for (var d = 0; d < dim; d++)
                {
                    acc[d] += values.AsSpan()[(order[j] * dim) + d];
                }
            }

            expectedRows.Add(rows[order[i]]);
            expectedValues.AddRange(acc);
            i = e;
        }

        Assert.Equal(expectedRows.ToArray(), c.Indices.ToArray());
        var actual = Bits(c.Values);
        var wanted = Bits(expectedValues.ToArray());
        Assert.Equal(wanted.Length, actual.Length);
        for (var i = 0; i < wanted.Length; i++)
        {
            Assert.True(wanted[i] == actual[i], $"coalesced value {i} (row {expectedRows[i / dim]}): {BitConverter.UInt32BitsToSingle(actual[i]):r}, serial {BitConverter.UInt32BitsToSingle(wanted[i]):r}");
        }
    }
}
