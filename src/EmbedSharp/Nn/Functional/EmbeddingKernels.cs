using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EmbedSharp.Numerics;
using static EmbedSharp.Numerics.RowKernels;

#pragma warning disable CS8500 // context structs live on the caller's stack (which waits), so their references stay rooted

namespace EmbedSharp.Nn.Functional;

/// <summary>
/// The hot loops of <see cref="EmbeddingFunctions"/> after validation: row gathers, scatters and bag reductions,
/// split over cores where the parts write disjoint rows and each row's operations keep their order (so results do not
/// depend on the thread count), with 256-bit SIMD per row. Element-wise SIMD is bit-identical to the scalar loops:
/// each lane does the same single-rounding operation (.NET never contracts a·b + c into an fma).
/// </summary>
internal static unsafe class EmbeddingKernels
{
    /// <summary>Floats of work below which a kernel stays on the calling thread.</summary>
    private const long MinFloatsPerPart = 1L << 15;

    /// <summary>How many rows ahead the gathers prefetch: random rows are latency-bound, so the loads of the next rows
    /// are started early (as PyTorch's perfkernels for EmbeddingBag do).</summary>
    private const int PrefetchDistance = 32;

    /// <summary>Rows of a table: a base pointer for a single-chunk table (pinned by the caller), else FloatTensor.Row.</summary>
    private struct Table
    {
        public FloatTensor FloatTensor;
        public float* Base;
        public int Dim;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Span<float> Row(long k) => Base != null ? new Span<float>(Base + (k * Dim), Dim) : FloatTensor.Row(k);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Prefetch(long k)
        {
            if (Base != null)
            {
                RowKernels.Prefetch(Base + (k * Dim), Dim);
            }
        }
    }

    private struct LookupWork
    {
        public Table Weight;
        public long* Indices;
        public float* Destination;
        public int Count;
        public bool Streaming;
    }

    /// <summary>Outputs of at least this many bytes are written with non-temporal (streaming) stores: they do not fit in
    /// the last-level cache anyway, and a normal store first reads each destination line. The 1M × 128 case of the peer
    /// benchmark (65,536 rows, 33.5 MB out) measured 1.4–1.7 ms instead of 2.7–3.0 ms with a standalone copy loop; an
    /// output that fits in the cache (the 50k × 300 case's 4.9 MB) stays there for the layer that reads it next.</summary>
    private const long StreamingBytes = 16L << 20;

    /// <summary>destination[i] = weight[indices[i]] for valid indices (checked by the caller).</summary>
    public static void Lookup(FloatTensor weight, ReadOnlySpan<long> indices, Span<float> destination)
    {
        var dim = (int)weight.RowLength;
        if (indices.IsEmpty || dim == 0)
        {
            return;
        }

        fixed (long* idx = indices)
        fixed (float* dst = destination)
        fixed (float* table = weight.IsSingleChunk ? weight.AsSpan() : default)
        {
            var work = new LookupWork
            {
                Weight = new Table { FloatTensor = weight, Base = table, Dim = dim },
                Indices = idx,
                Destination = dst,
                Count = indices.Length,
                Streaming = Avx.IsSupported && table != null && dim % 8 == 0 && ((nuint)dst & 31) == 0
                    && (long)indices.Length * dim * sizeof(float) >= StreamingBytes,
            };
            WorkSplit.Run(&LookupPart, &work, WorkSplit.Parts((long)indices.Length * dim, MinFloatsPerPart));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LookupPart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<LookupWork>(context);
        var (start, end) = WorkSplit.Range(w.Count, part, parts);
        var dim = w.Weight.Dim;
        var dst = w.Destination + (start * dim);
        for (var i = start; i < end; i++, dst += dim)
        {
            if (i + PrefetchDistance < end)
            {
                w.Weight.Prefetch(w.Indices[i + PrefetchDistance]);
            }

            if (w.Streaming)
            {
                var src = w.Weight.Base + (w.Indices[i] * dim);
                for (var c = 0; c < dim; c += 8)
                {
                    Avx.StoreAlignedNonTemporal(dst + c, Vector256.Load(src + c)); // dst is 32-byte aligned: dim % 8 == 0
                }
            }
            else
            {
                w.Weight.Row(w.Indices[i]).CopyTo(new Span<float>(dst, dim));
            }
        }

        if (w.Streaming)
        {
            Sse.StoreFence(); // the streaming stores are visible before the part reports done
        }
    }

    private struct ScatterWork
    {
        public Table Grad;
        public long* Indices;
        public float* GradOutput;
        public int* Counts;
        public int Count;
        public long Pad;
        public long Rows;
    }

    /// <summary>Dense embedding backward after validation: gradWeight[k] = fma(gradOutput[i], s, gradWeight[k]) for each
    /// i in input order. Parts own disjoint ranges of table rows and each scans the indices in order, so every row gets
    /// its additions in input order whatever the number of parts.</summary>
    public static void DenseBackward(ReadOnlySpan<long> indices, ReadOnlySpan<float> gradOutput, long pad, ReadOnlySpan<int> counts,
        FloatTensor gradWeight)
    {
        var dim = (int)gradWeight.RowLength;
        if (indices.IsEmpty || dim == 0)
        {
            return;
        }

        fixed (long* idx = indices)
        fixed (float* g = gradOutput)
        fixed (int* c = counts)
        fixed (float* table = gradWeight.IsSingleChunk ? gradWeight.AsSpan() : default)
        {
            var work = new ScatterWork
            {
                Grad = new Table { FloatTensor = gradWeight, Base = table, Dim = dim },
                Indices = idx,
                GradOutput = g,
                Counts = counts.IsEmpty ? null : c,
                Count = indices.Length,
                Pad = pad,
                Rows = gradWeight.RowCount,
            };
            WorkSplit.Run(&DenseBackwardPart, &work, WorkSplit.Parts((long)indices.Length * dim, MinFloatsPerPart));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DenseBackwardPart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<ScatterWork>(context);
        var (lo, hi) = WorkSplit.Range(w.Rows, part, parts);
        var dim = w.Grad.Dim;
        for (var i = 0; i < w.Count; i++)
        {
            var k = w.Indices[i];
            if (k < lo || k >= hi || k == w.Pad)
            {
                continue;
            }

            if (i + PrefetchDistance < w.Count && w.Indices[i + PrefetchDistance] is var next && next >= lo && next < hi)
            {
                w.Grad.Prefetch(next);
            }

            var s = w.Counts == null ? 1f : (float)(1.0 / w.Counts[k]);
            FmaRow(new ReadOnlySpan<float>(w.GradOutput + ((long)i * dim), dim), s, w.Grad.Row(k));
        }
    }

    private struct BagWork
    {
        public Table Weight;
        public long* Indices;
        public long* Offsets;
        public float* Weights;
        public float* Destination;
        public long* MaxIndices;
        public int* BagSizes;
        public int OffsetCount;
        public int Count;
        public int Bags;
        public long Pad;
        public bool HasPadding;
        public EmbeddingBagMode Mode;
    }

    /// <summary>EmbeddingBag forward after validation (every destination element and max index is written): bags are
    /// independent, so they are split over cores; inside a bag the order is the serial one.</summary>
    public static void BagForward(FloatTensor weight, ReadOnlySpan<long> indices, ReadOnlySpan<long> offsets, int bags, EmbeddingBagMode mode,
        ReadOnlySpan<float> perSampleWeights, long? paddingIdx, Span<float> destination, Span<long> maxIndices, Span<int> bagSizes)
    {
        var dim = (int)weight.RowLength;
        fixed (long* idx = indices)
        fixed (long* off = offsets)
        fixed (float* psw = perSampleWeights)
        fixed (float* dst = destination)
        fixed (long* mx = maxIndices)
        fixed (int* sizes = bagSizes)
        fixed (float* table = weight.IsSingleChunk ? weight.AsSpan() : default)
        {
            var work = new BagWork
            {
                Weight = new Table { FloatTensor = weight, Base = table, Dim = dim },
                Indices = idx,
                Offsets = off,
                Weights = perSampleWeights.IsEmpty ? null : psw,
                Destination = dst,
                MaxIndices = mx,
                BagSizes = sizes,
                OffsetCount = offsets.Length,
                Count = indices.Length,
                Bags = bags,
                Pad = paddingIdx ?? -1,
                HasPadding = paddingIdx is not null,
                Mode = mode,
            };
            WorkSplit.Run(&BagForwardPart, &work, WorkSplit.Parts((long)indices.Length * dim, MinFloatsPerPart));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BagForwardPart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<BagWork>(context);
        var (first, last) = WorkSplit.Range(w.Bags, part, parts);
        var dim = w.Weight.Dim;
        if (w.Mode != EmbeddingBagMode.Max && w.Weights == null && w.Weight.Base != null && Vector256.IsHardwareAccelerated)
        {
            BagSumMeanRange(ref w, (int)first, (int)last);
            return;
        }

        for (var b = (int)first; b < last; b++)
        {
            var start = (int)w.Offsets[b];
            var end = b + 1 < w.OffsetCount ? (int)w.Offsets[b + 1] : w.Count;
            var acc = new Span<float>(w.Destination + ((long)b * dim), dim);
            acc.Clear();
            var maxIdx = w.Mode == EmbeddingBagMode.Max ? new Span<long>(w.MaxIndices + ((long)b * dim), dim) : default;
            maxIdx.Fill(-1);
            var count = 0;
            for (var j = start; j < end; j++)
            {
                var k = w.Indices[j];
                if (j + PrefetchDistance < w.Count)
                {
                    w.Weight.Prefetch(w.Indices[j + PrefetchDistance]);
                }

                if (k == w.Pad)
                {
                    continue;
                }

                var row = w.Weight.Row(k);
                if (w.Mode == EmbeddingBagMode.Max)
                {
                    MaxRow(row, k, acc, maxIdx, first: count == 0);
                }
                else if (w.Weights != null)
                {
                    if (w.HasPadding)
                    {
                        MulAddRow(row, w.Weights[j], acc);
                    }
                    else
                    {
                        FmaRow(row, w.Weights[j], acc);
                    }
                }
                else
                {
                    AddRow(row, acc);
                }

                count++;
            }

            w.BagSizes[b] = count;
            if (w.Mode == EmbeddingBagMode.Mean)
            {
                DivideRow(acc, Math.Max(count, 1));
            }
        }
    }

    /// <summary>Sum / Mean bags without per-sample weights on a single-chunk table, PyTorch-perfkernel style: the bag's
    /// sum is kept in registers, 64 columns (8 vectors) at a time, rows are prefetched <see cref="BagPrefetchDistance"/>
    /// indices ahead, and each column block is stored once (divided by the count for Mean). Per element the operations
    /// are those of the generic loop: acc = 0, then acc += row for each non-padding index in order, then acc / count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BagSumMeanRange(ref BagWork w, int first, int last)
    {
        var dim = w.Weight.Dim;
        var table = w.Weight.Base;
        var idx = w.Indices;
        var total = w.Count;
        var pad = w.HasPadding ? w.Pad : -1;
        var mean = w.Mode == EmbeddingBagMode.Mean;
        for (var b = first; b < last; b++)
        {
            var start = (int)w.Offsets[b];
            var end = b + 1 < w.OffsetCount ? (int)w.Offsets[b + 1] : total;
            var count = end - start;
            if (w.HasPadding)
            {
                for (var j = start; j < end; j++)
                {
                    if (idx[j] == pad)
                    {
                        count--;
                    }
                }
            }

            w.BagSizes[b] = count;
            var divisor = Vector256.Create((float)Math.Max(count, 1));
            var dst = w.Destination + ((long)b * dim);
            var c = 0;
            for (; c + 128 <= dim; c += 128)
            {
                Sum128(table, dim, idx, start, end, total, pad, c, mean, divisor, dst);
            }

            for (; c + 64 <= dim; c += 64)
            {
                var a0 = Vector256<float>.Zero;
                var a1 = Vector256<float>.Zero;
                var a2 = Vector256<float>.Zero;
                var a3 = Vector256<float>.Zero;
                var a4 = Vector256<float>.Zero;
                var a5 = Vector256<float>.Zero;
                var a6 = Vector256<float>.Zero;
                var a7 = Vector256<float>.Zero;
                for (var j = start; j < end; j++)
                {
                    if (c == 0 && j + BagPrefetchDistance < total)
                    {
                        Prefetch(table + (idx[j + BagPrefetchDistance] * dim), dim);
                    }

                    var k = idx[j];
                    if (k == pad)
                    {
                        continue;
                    }

                    var row = table + (k * dim) + c;
                    a0 += Vector256.Load(row);
                    a1 += Vector256.Load(row + 8);
                    a2 += Vector256.Load(row + 16);
                    a3 += Vector256.Load(row + 24);
                    a4 += Vector256.Load(row + 32);
                    a5 += Vector256.Load(row + 40);
                    a6 += Vector256.Load(row + 48);
                    a7 += Vector256.Load(row + 56);
                }

                if (mean)
                {
                    a0 /= divisor;
                    a1 /= divisor;
                    a2 /= divisor;
                    a3 /= divisor;
                    a4 /= divisor;
                    a5 /= divisor;
                    a6 /= divisor;
                    a7 /= divisor;
                }

                a0.Store(dst + c);
                a1.Store(dst + c + 8);
                a2.Store(dst + c + 16);
                a3.Store(dst + c + 24);
                a4.Store(dst + c + 32);
                a5.Store(dst + c + 40);
                a6.Store(dst + c + 48);
                a7.Store(dst + c + 56);
            }

            if (c < dim)
            {
                // The last < 64 columns: accumulate in the destination (zeroed first), as the generic loop does.
                var acc = new Span<float>(dst + c, dim - c);
                acc.Clear();
                for (var j = start; j < end; j++)
                {
                    if (c == 0 && j + BagPrefetchDistance < total)
                    {
                        Prefetch(table + (idx[j + BagPrefetchDistance] * dim), dim);
                    }

                    var k = idx[j];
                    if (k != pad)
                    {
                        AddRow(new ReadOnlySpan<float>(table + (k * dim) + c, dim - c), acc);
                    }
                }

                if (mean)
                {
                    DivideRow(acc, Math.Max(count, 1));
                }
            }
        }
    }

    /// <summary>One 128-column block of a Sum/Mean bag: 16 register accumulators (the loads fold into the adds).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sum128(float* table, int dim, long* idx, int start, int end, int total, long pad, int c, bool mean,
        Vector256<float> divisor, float* dst)
    {
        var a0 = Vector256<float>.Zero;
        var a1 = Vector256<float>.Zero;
        var a2 = Vector256<float>.Zero;
        var a3 = Vector256<float>.Zero;
        var a4 = Vector256<float>.Zero;
        var a5 = Vector256<float>.Zero;
        var a6 = Vector256<float>.Zero;
        var a7 = Vector256<float>.Zero;
        var a8 = Vector256<float>.Zero;
        var a9 = Vector256<float>.Zero;
        var a10 = Vector256<float>.Zero;
        var a11 = Vector256<float>.Zero;
        var a12 = Vector256<float>.Zero;
        var a13 = Vector256<float>.Zero;
        var a14 = Vector256<float>.Zero;
        var a15 = Vector256<float>.Zero;
        for (var j = start; j < end; j++)
        {
            if (c == 0 && j + BagPrefetchDistance < total)
            {
                Prefetch(table + (idx[j + BagPrefetchDistance] * dim), dim);
            }

            var k = idx[j];
            if (k == pad)
            {
                continue;
            }

            var row = table + (k * dim) + c;
            a0 += Vector256.Load(row);
            a1 += Vector256.Load(row + 8);
            a2 += Vector256.Load(row + 16);
            a3 += Vector256.Load(row + 24);
            a4 += Vector256.Load(row + 32);
            a5 += Vector256.Load(row + 40);
            a6 += Vector256.Load(row + 48);
            a7 += Vector256.Load(row + 56);
            a8 += Vector256.Load(row + 64);
            a9 += Vector256.Load(row + 72);
            a10 += Vector256.Load(row + 80);
            a11 += Vector256.Load(row + 88);
            a12 += Vector256.Load(row + 96);
            a13 += Vector256.Load(row + 104);
            a14 += Vector256.Load(row + 112);
            a15 += Vector256.Load(row + 120);
        }

        if (mean)
        {
            a0 /= divisor;
            a1 /= divisor;
            a2 /= divisor;
            a3 /= divisor;
            a4 /= divisor;
            a5 /= divisor;
            a6 /= divisor;
            a7 /= divisor;
            a8 /= divisor;
            a9 /= divisor;
            a10 /= divisor;
            a11 /= divisor;
            a12 /= divisor;
            a13 /= divisor;
            a14 /= divisor;
            a15 /= divisor;
        }

        var o = dst + c;
        a0.Store(o);
        a1.Store(o + 8);
        a2.Store(o + 16);
        a3.Store(o + 24);
        a4.Store(o + 32);
        a5.Store(o + 40);
        a6.Store(o + 48);
        a7.Store(o + 56);
        a8.Store(o + 64);
        a9.Store(o + 72);
        a10.Store(o + 80);
        a11.Store(o + 88);
        a12.Store(o + 96);
        a13.Store(o + 104);
        a14.Store(o + 112);
        a15.Store(o + 120);
    }

    /// <summary>How many indices ahead the bag kernel prefetches rows. PyTorch's perfkernels use 16; on this 2-core EPYC (Zen 5) VM,
    /// bag sums of 512-byte rows from a 51 MB table ran 2.5 ms on one thread at 24–32 rows ahead, 3.0 ms at 16, 4.3 ms at 8, and
    /// on two threads 1.6 ms at 24, 1.9 ms at 32.</summary>
    private const int BagPrefetchDistance = 24;

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

    /// <summary>acc[d] /= (float)divisor.</summary>
    private static void DivideRow(Span<float> acc, int divisor)
    {
        System.Numerics.Tensors.TensorPrimitives.Divide(acc, (float)divisor, acc);
    }

    private static void MaxRow(ReadOnlySpan<float> row, long k, Span<float> acc, Span<long> argmax, bool first)
    {
        for (var d = 0; d < acc.Length; d++)
        {
            if (first || row[d] > acc[d])
            {
                acc[d] = row[d];
                argmax[d] = k;
            }
        }
    }
}
