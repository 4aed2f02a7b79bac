namespace EmbedSharp.Numerics;

/// <summary>
/// Storage that disposed tensors give back (<see cref="FloatTensor.Dispose"/>) and that new results take
/// (<see cref="FloatTensor.Rent"/>): what PyTorch gets from its CPU allocator's <c>free</c>/<c>malloc</c> reuse. Without
/// it every result of a few megabytes is new memory, which the operating system maps in page by page on first write and
/// the garbage collector hands back after the next full collection; on the machines this library was measured on, that
/// made an Embedding forward that returns a fresh 4.9 MB tensor 60–100 times slower than the lookup itself (see
/// docs/performance.md). No setting of the .NET garbage collector avoided it.
/// </summary>
/// <remarks>
/// Arrays are pinned and 64-byte aligned (as <see cref="FloatTensor"/> allocates them) and binned by capacity: a request
/// is served from the bin of <see cref="Capacity"/>(length), the next of 4, 5, 6 or 7 × 2^k at or above it (at most 25 %
/// unused), and an array given back goes to the bin of the largest such size it can hold. Bounds: at most
/// <see cref="MaxPerBin"/> arrays per bin and <see cref="MaxPooledBytes"/> in all (further arrays are left to the garbage
/// collector), and arrays no one took between two full garbage collections are dropped. Process-wide and thread-safe
/// (one lock; a call is a few dictionary operations next to a kernel over at least 128 KiB). A cache only: results never
/// depend on it, since storage is taken only by kernels that write every element.
/// </remarks>
internal static class TensorStoragePool
{
    /// <summary>The most storage the pool keeps: 256 MiB.</summary>
    internal const long MaxPooledBytes = 256L << 20;

    /// <summary>The largest tensor (in elements) served from the pool: one eighth of <see cref="MaxPooledBytes"/>.</summary>
    internal const long MaxPooledElements = MaxPooledBytes / sizeof(float) / 8;

    /// <summary>The most arrays one bin keeps.</summary>
    internal const int MaxPerBin = 8;

    private static readonly Lock s_lock = new();
    private static readonly Dictionary<int, List<Entry>> s_bins = [];
    private static long s_bytes;
    private static int s_collections; // full collections seen by the trimmer

    static TensorStoragePool() => _ = new Trimmer();

    private readonly record struct Entry(float[] Array, int Start, int Collection);

    /// <summary>Bytes the pool holds now (for tests and diagnostics).</summary>
    internal static long PooledBytes
    {
        get
        {
            lock (s_lock)
            {
                return s_bytes;
            }
        }
    }

    /// <summary>The capacity a new array for <paramref name="length"/> elements gets: the next of 4, 5, 6, 7 × 2^k at or
    /// above it.</summary>
    internal static int Capacity(int length)
    {
        // length − 1 has b bits: 2^(b−1) ≤ length − 1 < 2^b; steps of 2^(b−3) give 5, 6, 7 or 8 of them.
        var shift = Math.Max(0, 61 - (int)ulong.LeadingZeroCount((ulong)(length - 1)));
        var step = 1L << shift;
        return (int)((length + step - 1) / step * step);
    }

    /// <summary>The bin of an array that holds <paramref name="capacity"/> elements: the largest size of the
    /// <see cref="Capacity"/> series not above it.</summary>
    internal static int BinOf(int capacity)
    {
        var up = Capacity(capacity);
        if (up == capacity)
        {
            return capacity;
        }

        var shift = Math.Max(0, 61 - (int)ulong.LeadingZeroCount((ulong)(capacity - 1)));
        return (int)(capacity >> shift << shift); // round down to the step; still a size of the series
    }

    /// <summary>Takes an array of at least <paramref name="length"/> usable elements, if the pool has one: from the bin of
    /// <see cref="Capacity"/>(length), where every array fits, else from the bin of <see cref="BinOf"/>(length), where
    /// arrays of exactly this size go (a tensor the constructor allocated holds no more than its length).</summary>
    internal static bool TryTake(int length, out (float[] Array, int Start) storage)
    {
        lock (s_lock)
        {
            if (TakeFrom(Capacity(length), length, out storage) || TakeFrom(BinOf(length), length, out storage))
            {
                s_bytes -= (long)storage.Array.Length * sizeof(float);
                return true;
            }
        }

        return false;
    }

    /// <summary>The most recently given back entry of bin <paramref name="bin"/> that holds <paramref name="length"/>
    /// elements, removed from the bin (the caller holds the lock).</summary>
    private static bool TakeFrom(int bin, int length, out (float[] Array, int Start) storage)
    {
        if (s_bins.TryGetValue(bin, out var entries))
        {
            for (var i = entries.Count - 1; i >= 0; i--)
            {
                var e = entries[i];
                if (e.Array.Length - e.Start >= length)
                {
                    entries.RemoveAt(i);
                    storage = (e.Array, e.Start);
                    return true;
                }
            }
        }

        storage = default;
        return false;
    }

    /// <summary>Gives back <paramref name="array"/> (pinned; its usable part starts at <paramref name="start"/>), which
    /// no one uses any more; dropped when the pool is full.</summary>
    internal static void Return(float[] array, int start)
    {
        var capacity = array.Length - start;
        if (capacity < FloatTensor.AlignedChunkThreshold)
        {
            return;
        }

        var bytes = (long)array.Length * sizeof(float);
        var bin = BinOf(capacity);
        lock (s_lock)
        {
            if (s_bytes + bytes > MaxPooledBytes)
            {
                return;
            }

            if (!s_bins.TryGetValue(bin, out var entries))
            {
                entries = [];
                s_bins.Add(bin, entries);
            }

            if (entries.Count >= MaxPerBin)
            {
                return;
            }

            entries.Add(new Entry(array, start, s_collections));
            s_bytes += bytes;
        }
    }

    /// <summary>Drops every array given back before the previous full collection and not taken since.</summary>
    internal static void Trim()
    {
        lock (s_lock)
        {
            s_collections++;
            foreach (var entries in s_bins.Values)
            {
                foreach (var e in entries)
                {
                    if (s_collections - e.Collection > 1)
                    {
                        s_bytes -= (long)e.Array.Length * sizeof(float);
                    }
                }

                entries.RemoveAll(e => s_collections - e.Collection > 1);
            }
        }
    }

    /// <summary>An object that is unreachable from the start and re-registers itself each time its finalizer runs, so
    /// that <see cref="Trim"/> runs once after every full (generation 2) collection: the pattern of .NET's shared
    /// <c>ArrayPool</c>, which has no public hook either.</summary>
    private sealed class Trimmer
    {
        ~Trimmer()
        {
            if (Environment.HasShutdownStarted)
            {
                return;
            }

            Trim();
            GC.ReRegisterForFinalize(this);
        }
    }
}
