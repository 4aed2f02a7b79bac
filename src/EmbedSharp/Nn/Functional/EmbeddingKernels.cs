using System.Runtime.CompilerServices;
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
internal static unsafe partial class EmbeddingKernels
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
            else if (w.Weight.Base != null)
            {
                CopyRow(w.Weight.Base + (w.Indices[i] * dim), dst, dim);
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
}
