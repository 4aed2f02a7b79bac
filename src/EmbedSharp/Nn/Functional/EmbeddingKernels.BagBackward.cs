using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EmbedSharp.Numerics;
using static EmbedSharp.Numerics.RowKernels;

#pragma warning disable CS8500 // context structs live on the caller's stack (which waits), so their references stay rooted

namespace EmbedSharp.Nn.Functional;

/// <content>EmbeddingBag backward: the dense gradient over sorted (row, position) groups, the sparse gradient's values,
/// and the clearing of a dense gradient's marked rows.</content>
internal static unsafe partial class EmbeddingKernels
{
    private struct BagBackwardWork
    {
        public Table Grad;
        public long* Keys;
        public int* Order;
        public int* BagOf;
        public int* BagSizes;
        public float* Weights;
        public float* GradOutput;
        public int Count;
        public long Pad;
        public bool Mean;
        public bool ClearRows;
        public long RowCount;
    }

    /// <summary>Sum/Mean EmbeddingBag dense backward over sorted (key, position) pairs, without frequency scaling: each
    /// group of equal keys is one table row, so groups are split over cores (at group boundaries) and each group adds its
    /// entries in sorted order. With <paramref name="gradWeightIsStale"/> the gradient's old contents are ignored: each part
    /// zeroes its own range of rows as it walks them in key order (one pass over the table instead of a fill and then the
    /// additions; the same bits as adding into zeros).</summary>
    public static void BagDenseBackwardGroups(ReadOnlySpan<long> keys, ReadOnlySpan<int> order, ReadOnlySpan<int> bagOf,
        ReadOnlySpan<int> bagSizes, ReadOnlySpan<float> perSampleWeights, long pad, bool mean, ReadOnlySpan<float> gradOutput, FloatTensor gradWeight,
        bool gradWeightIsStale = false)
    {
        var dim = (int)gradWeight.RowLength;
        fixed (long* k = keys)
        fixed (int* o = order)
        fixed (int* bo = bagOf)
        fixed (int* bs = bagSizes)
        fixed (float* psw = perSampleWeights)
        fixed (float* g = gradOutput)
        fixed (float* table = gradWeight.IsSingleChunk ? gradWeight.AsSpan() : default)
        {
            var work = new BagBackwardWork
            {
                Grad = new Table { FloatTensor = gradWeight, Base = table, Dim = dim },
                Keys = k,
                Order = o,
                BagOf = bo,
                BagSizes = bs,
                Weights = perSampleWeights.IsEmpty ? null : psw,
                GradOutput = g,
                Count = keys.Length,
                Pad = pad,
                Mean = mean,
                ClearRows = gradWeightIsStale,
                RowCount = gradWeight.RowCount,
            };
            WorkSplit.Run(&BagDenseBackwardPart, &work, WorkSplit.Parts((long)keys.Length * dim, MinFloatsPerPart));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BagDenseBackwardPart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<BagBackwardWork>(context);
        var n = w.Count;
        var (s0, e0) = WorkSplit.Range(n, part, parts);
        var s = GroupStart(w.Keys, (int)s0, n);
        var stop = GroupStart(w.Keys, (int)e0, n);
        var dim = w.Grad.Dim;
        // Rows this part owns when it clears: from its first key (row 0 for the first part) to the next part's first key
        // (the last row for the last part), so the parts' ranges tile the table.
        var cleared = s0 == 0 ? 0 : (s < n ? w.Keys[s] : w.RowCount);
        var rowsEnd = stop < n ? w.Keys[stop] : w.RowCount;
        while (s < stop)
        {
            var k = w.Keys[s];
            var e = s + 1;
            while (e < n && w.Keys[e] == k)
            {
                e++;
            }

            if (w.ClearRows)
            {
                ClearRowRange(ref w.Grad, cleared, k + 1);
                cleared = k + 1;
            }

            if (k != w.Pad)
            {
                var target = w.Grad.Row(k);
                for (var j = s; j < e; j++)
                {
                    if (j + PrefetchDistance < n)
                    {
                        Prefetch(w.GradOutput + ((long)w.BagOf[w.Order[j + PrefetchDistance]] * dim), dim);
                    }

                    var pos = w.Order[j];
                    var bag = w.BagOf[pos];
                    var scale = w.Weights == null ? 1.0 : w.Weights[pos];
                    if (w.Mean && w.BagSizes[bag] != 0)
                    {
                        scale /= w.BagSizes[bag];
                    }

                    FmaRow(new ReadOnlySpan<float>(w.GradOutput + ((long)bag * dim), dim), (float)scale, target);
                }
            }

            s = e;
        }

        if (w.ClearRows)
        {
            ClearRowRange(ref w.Grad, cleared, rowsEnd);
        }
    }

    private struct MarkedClearWork
    {
        public Table Table;
        public RowMarks Marks;
        public long Rows;
    }

    /// <summary>Zeroes the rows of <paramref name="table"/> that <paramref name="marks"/> holds: parts own disjoint row
    /// ranges, rows are prefetched a few marked rows ahead.</summary>
    public static void ClearMarkedRows(FloatTensor table, RowMarks marks)
    {
        var dim = (int)table.RowLength;
        if (dim == 0 || table.Length == 0)
        {
            return;
        }

        fixed (float* t = table.IsSingleChunk ? table.AsSpan() : default)
        {
            var work = new MarkedClearWork { Table = new Table { FloatTensor = table, Base = t, Dim = dim }, Marks = marks, Rows = table.RowCount };
            WorkSplit.Run(&ClearMarkedPart, &work, WorkSplit.Parts(marks.Count() * dim, MinFloatsPerPart));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ClearMarkedPart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<MarkedClearWork>(context);
        var (lo, hi) = WorkSplit.Range(w.Rows, part, parts);
        var rows = w.Marks.Marked(lo, hi);
        var ahead = w.Marks.Marked(lo, hi);
        for (var a = 0; a < PrefetchDistance && ahead.MoveNext(out var next); a++)
        {
            w.Table.Prefetch(next);
        }

        while (rows.MoveNext(out var r))
        {
            if (ahead.MoveNext(out var next))
            {
                w.Table.Prefetch(next);
            }

            w.Table.Row(r).Clear();
        }
    }

    private struct BagValuesWork
    {
        public long* Indices;
        public long* Offsets;
        public int OffsetCount;
        public int Total;
        public int* Positions;
        public float* GradOutput;
        public float* Weights;
        public int* BagSizes;
        public float* Destination;
        public long Pad;
        public int Dim;
        public int Bags;
        public bool Mean;
    }

    /// <summary>The values of the EmbeddingBag sparse gradient, one row per non-padding entry in input order: Mean
    /// <c>g[bag] · (1/size)</c>, Sum with per-sample weights <c>g[bag] · w</c>, else a copy of <c>g[bag]</c> (one
    /// rounding each, as the scalar loop). Parts own disjoint ranges of bags, so they write disjoint entries.</summary>
    public static void BagSparseValues(ReadOnlySpan<long> indices, ReadOnlySpan<long> offsets, bool mean, ReadOnlySpan<float> perSampleWeights,
        long pad, ReadOnlySpan<int> bagSizes, ReadOnlySpan<float> gradOutput, Span<float> destination, int dim)
    {
        if (destination.IsEmpty)
        {
            return;
        }

        // Entry position of input j: j minus the padding entries before it (null when the input has none).
        int[]? positions = null;
        if (indices.Contains(pad))
        {
            positions = System.Buffers.ArrayPool<int>.Shared.Rent(indices.Length);
            for (int j = 0, k = 0; j < indices.Length; j++)
            {
                positions[j] = k;
                k += indices[j] != pad ? 1 : 0;
            }
        }

        try
        {
            fixed (long* idx = indices)
            fixed (long* off = offsets)
            fixed (int* pos = positions)
            fixed (float* g = gradOutput)
            fixed (float* w = perSampleWeights)
            fixed (int* sizes = bagSizes)
            fixed (float* dst = destination)
            {
                var work = new BagValuesWork
                {
                    Indices = idx,
                    Offsets = off,
                    OffsetCount = offsets.Length,
                    Total = indices.Length,
                    Positions = pos,
                    GradOutput = g,
                    Weights = perSampleWeights.IsEmpty ? null : w,
                    BagSizes = sizes,
                    Destination = dst,
                    Pad = pad,
                    Dim = dim,
                    Bags = bagSizes.Length,
                    Mean = mean,
                };
                WorkSplit.Run(&BagSparseValuesPart, &work, WorkSplit.Parts(destination.Length, MinFloatsPerPart));
            }
        }
        finally
        {
            if (positions is not null)
            {
                System.Buffers.ArrayPool<int>.Shared.Return(positions);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BagSparseValuesPart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<BagValuesWork>(context);
        var (first, last) = WorkSplit.Range(w.Bags, part, parts);
        var dim = w.Dim;
        for (var b = (int)first; b < last; b++)
        {
            var start = (int)w.Offsets[b];
            var end = b + 1 < w.OffsetCount ? (int)w.Offsets[b + 1] : w.Total;
            var g = new ReadOnlySpan<float>(w.GradOutput + ((long)b * dim), dim);
            var inv = 1f / w.BagSizes[b];
            for (var j = start; j < end; j++)
            {
                if (w.Indices[j] == w.Pad)
                {
                    continue;
                }

                var row = new Span<float>(w.Destination + ((long)(w.Positions == null ? j : w.Positions[j]) * dim), dim);
                if (w.Mean)
                {
                    ScaleInto(g, inv, row);
                }
                else if (w.Weights != null)
                {
                    ScaleInto(g, w.Weights[j], row);
                }
                else
                {
                    g.CopyTo(row);
                }
            }
        }
    }

    /// <summary>Zeroes rows [<paramref name="from"/>, <paramref name="to"/>) of a table.</summary>
    private static void ClearRowRange(ref Table t, long from, long to)
    {
        if (from >= to)
        {
            return;
        }

        if (t.Base != null)
        {
            NativeMemory.Clear(t.Base + (from * t.Dim), (nuint)((to - from) * t.Dim) * sizeof(float));
            return;
        }

        for (var r = from; r < to; r++)
        {
            t.FloatTensor.Row(r).Clear();
        }
    }

    /// <summary>The first group start at or after <paramref name="i"/> in sorted keys (n if none).</summary>
    private static int GroupStart(long* keys, int i, int n)
    {
        while (i > 0 && i < n && keys[i] == keys[i - 1])
        {
            i++;
        }

        return i;
    }
}
