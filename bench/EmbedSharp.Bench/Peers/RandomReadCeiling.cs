using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using EmbedSharp.Numerics;

#pragma warning disable CS8500 // the context struct lives on the caller's stack, which waits

namespace EmbedSharp.Bench.Peers;

/// <summary>
/// The machine's ceiling for reading random rows: every 64-byte line of every looked-up row is loaded once, with the
/// rows prefetched as far ahead as the bag kernel prefetches them, on all cores, and nothing is done with the data but
/// an OR into a register. No lookup or bag reduction that reads each looked-up row from memory can be faster than this
/// on the same table and indices; the peer benchmark reports the forward lookups as a fraction of it.
/// </summary>
internal static unsafe class RandomReadCeiling
{
    private const int PrefetchDistance = 24;

    private struct Work
    {
        public float* Table;
        public long* Indices;
        public int Count;
        public int Dim;
        public int Sink;
    }

    /// <summary>Median seconds (the peer protocol) to read the rows <paramref name="indices"/> of
    /// <paramref name="table"/> (a single-chunk tensor) on all cores.</summary>
    public static double Seconds(FloatTensor table, long[] indices)
    {
        var dim = (int)table.RowLength;
        var sink = 0;
        var seconds = EmbeddingPeerTimings.Median(() =>
        {
            fixed (float* t = table.AsSpan())
            fixed (long* idx = indices)
            {
                var work = new Work { Table = t, Indices = idx, Count = indices.Length, Dim = dim };
                WorkSplit.Run(&Part, &work, WorkSplit.MaxParts);
                sink |= work.Sink;
            }
        });
        GC.KeepAlive(sink);
        return seconds;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Part(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<Work>(context);
        var (first, last) = WorkSplit.Range(w.Count, part, parts);
        var acc0 = 0;
        var acc1 = 0;
        for (var j = first; j < last; j++)
        {
            if (j + PrefetchDistance < last && Sse.IsSupported)
            {
                var (p, pe) = Lines(w.Table + (w.Indices[j + PrefetchDistance] * w.Dim), w.Dim);
                for (; p < pe; p += 64)
                {
                    Sse.Prefetch0((byte*)p);
                }
            }

            // One int from each 64-byte line the row touches (the table is 64-byte aligned, so the first line's start is
            // inside it); two accumulators keep the OR chain short.
            var (q, qe) = Lines(w.Table + (w.Indices[j] * w.Dim), w.Dim);
            for (; q + 64 < qe; q += 128)
            {
                acc0 |= *(int*)q;
                acc1 |= *(int*)(q + 64);
            }

            if (q < qe)
            {
                acc0 |= *(int*)q;
            }
        }

        lock (WorkSplitSinkLock)
        {
            w.Sink |= acc0 | acc1;
        }
    }

    /// <summary>The 64-byte lines that hold <paramref name="floats"/> floats from <paramref name="p"/>: [start, end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (nuint Start, nuint End) Lines(float* p, int floats) => ((nuint)p & ~(nuint)63, (nuint)(p + floats));

    private static readonly object WorkSplitSinkLock = new();
}
