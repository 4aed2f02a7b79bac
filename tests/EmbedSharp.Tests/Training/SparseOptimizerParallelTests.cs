using EmbedSharp.Nn;
using EmbedSharp.Numerics;
using EmbedSharp.Tests.Nn;
using EmbedSharp.Training.Optimizers;

namespace EmbedSharp.Tests.Training;

/// <summary>The sparse optimiser steps split over cores give exactly the bits of plain serial loops.</summary>
public sealed class SparseOptimizerParallelTests
{
    private static void AssertSameBits(FloatTensor expected, FloatTensor actual, string what)
    {
        var e = expected.ToArray();
        var a = actual.ToArray();
        Assert.Equal(e.Length, a.Length);
        var mismatches = 0;
        var first = -1;
        var maxDiff = 0.0;
        for (var i = 0; i < e.Length; i++)
        {
            if (BitConverter.SingleToUInt32Bits(e[i]) != BitConverter.SingleToUInt32Bits(a[i]))
            {
                mismatches++;
                first = first < 0 ? i : first;
                maxDiff = Math.Max(maxDiff, Math.Abs((double)e[i] - a[i]));
            }
        }

        Assert.True(mismatches == 0, $"{what}: {mismatches} values differ, max difference {maxDiff:r}, first at {first}: serial {(first < 0 ? 0 : e[first]):r}, ours {(first < 0 ? 0 : a[first]):r}");
    }

    /// <summary>A sparse gradient of n entries over rows [0, rowCount), half owned, half borrowed with padding row 0.</summary>
    private static (IndexTensor Indices, FloatTensor Values, long[] OwnedRows, FloatTensor OwnedValues) Gradient(int n, long rowCount, int dim, ulong seed)
    {
        var half = n / 2;
        var borrowedRows = SparseEmbeddingGradientTests.RandomRows(n - half, rowCount, seed);
        var ownedRows = SparseEmbeddingGradientTests.RandomRows(half, rowCount, seed + 1);
        return (new IndexTensor(borrowedRows, n - half), SparseEmbeddingGradientTests.RandomTensor(seed + 2, n - half, dim),
            ownedRows, SparseEmbeddingGradientTests.RandomTensor(seed + 3, half, dim));
    }

    private static void Fill(Parameter p, (IndexTensor Indices, FloatTensor Values, long[] OwnedRows, FloatTensor OwnedValues) g)
    {
        var s = p.SparseGradForAccumulation();
        var dim = s.RowLength;
        for (var k = 0; k < g.OwnedRows.Length; k++)
        {
            s.Append(g.OwnedRows[k], g.OwnedValues.AsSpan().Slice(k * dim, dim));
        }

        s.AppendBorrowed(g.Indices, g.Values, excludedRow: 0);
    }

    /// <summary>The entries in order: owned first, then the borrowed ones without row 0.</summary>
    private static IEnumerable<(long Row, float[] Value)> Entries((IndexTensor Indices, FloatTensor Values, long[] OwnedRows, FloatTensor OwnedValues) g, int dim)
    {
        for (var k = 0; k < g.OwnedRows.Length; k++)
        {
            yield return (g.OwnedRows[k], g.OwnedValues.AsSpan().Slice(k * dim, dim).ToArray());
        }

        for (var i = 0; i < g.Indices.Length; i++)
        {
            if (g.Indices[i] != 0)
            {
                yield return (g.Indices[i], g.Values.AsSpan().Slice(i * dim, dim).ToArray());
            }
        }
    }

    [Theory]
    [InlineData(500L, 6000, 24)] // many duplicates per row: their order within a row matters
    [InlineData(30_000L, 9000, 40)]
    public void Sparse_SGD_split_over_row_ranges_matches_the_serial_loop_bit_for_bit(long rows, int n, int dim)
    {
        var p = new Parameter(SparseEmbeddingGradientTests.RandomTensor(1, rows, dim));
        p.SetRowsFrozen([1, 7, rows - 1]);
        var expected = p.Value.Clone();
        var opt = new Sgd([p], new SgdOptions { Lr = 0.37 });
        for (var step = 0; step < 2; step++)
        {
            var g = Gradient(n, rows, dim, 10 + (ulong)step);
            opt.ZeroGrad();
            Fill(p, g);
            opt.Step();
            var alpha = (float)-0.37;
            foreach (var (r, v) in Entries(g, dim))
            {
                if (r is 1 or 7 || r == rows - 1)
                {
                    continue;
                }

                var row = expected.Row(r);
                for (var d = 0; d < dim; d++)
                {
                    row[d] = MathF.FusedMultiplyAdd(v[d], alpha, row[d]);
                }
            }

            AssertSameBits(expected, p.Value, $"sparse SGD, step {step + 1}");
        }
    }

    [Theory]
    [InlineData(400L, 8000, 20, false)]
    [InlineData(3_000L, 4_000, 300, true)] // rows of two 256-float blocks; maximize
    public void SparseAdam_split_over_rows_matches_a_serial_coalesce_and_row_update_bit_for_bit(long rows, int n, int dim, bool maximize)
    {
        var p = new Parameter(SparseEmbeddingGradientTests.RandomTensor(2, rows, dim));
        p.SetRowsFrozen([3]);
        var expected = p.Value.Clone();
        var m = new FloatTensor(rows, dim);
        var v = new FloatTensor(rows, dim);
        var options = new SparseAdamOptions { Lr = 0.01, Maximize = maximize };
        var opt = new SparseAdam([p], options);
        for (var step = 1; step <= 3; step++)
        {
            var g = Gradient(n, rows, dim, 20 + (ulong)step);
            opt.ZeroGrad();
            Fill(p, g);
            opt.Step();

            // Serial reference: torch's coalesce order (LibstdcxxSort), first + second + …, then Kernels.SparseAdamRow
            // row by row.
            var bc1 = 1 - Math.Pow(options.Beta1, step);
            var bc2 = 1 - Math.Pow(options.Beta2, step);
            var s = new AdamScalars((float)options.Beta1, (float)(1 - options.Beta1), (float)options.Beta2, (float)(1 - options.Beta2), 1f,
                (float)options.Eps, (float)-(options.Lr * Math.Sqrt(bc2) / bc1), 0f, 1f, maximize);
            var entries = Entries(g, dim).ToArray();
            var rowKeys = entries.Select(e => e.Row).ToArray();
            var order = Enumerable.Range(0, entries.Length).ToArray();
            LibstdcxxSort.Sort(rowKeys, order);
            foreach (var group in order.Select(k => entries[k]).GroupBy(e => e.Row))
            {
                var sum = (float[])group.First().Value.Clone();
                foreach (var e in group.Skip(1))
                {
                    for (var d = 0; d < dim; d++)
                    {
                        sum[d] += e.Value[d];
                    }
                }

                if (group.Key != 3)
                {
                    Kernels.SparseAdamRow(expected.Row(group.Key), sum, m.Row(group.Key), v.Row(group.Key), s);
                }
            }

            AssertSameBits(expected, p.Value, $"SparseAdam weights, step {step}");
        }
    }
}
