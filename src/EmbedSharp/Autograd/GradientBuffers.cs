using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

/// <summary>
/// Storage for the gradients a backward run passes between nodes, recycled within the run and across runs on the same
/// thread, so that a training step's backward allocates (after the first steps) only small objects.
/// </summary>
/// <remarks>
/// <para>Ownership. A gradient a node's backward returns (made by <see cref="Node"/>'s <c>NewGradient</c>) is owned by
/// the engine: it counts the places that hold each such array (a node's pending gradient sum, a leaf's, the gradient a
/// node is consuming) with <see cref="Hold"/> and <see cref="Drop"/>, and the array goes back to the pool when the count
/// reaches zero. A backward kernel may hand one tensor (or views of it) to several inputs, or pass its upstream gradient
/// through: the count is per array, so views and repeats are counted together. Nothing a user can reach is pooled:
/// a leaf's <see cref="Variable.Grad"/> is a copy (<see cref="Variable.Accumulate"/>) or a parameter's kept storage.</para>
/// <para>Bounds. Only tensors of at least <see cref="MinPooledElements"/> elements are pooled (smaller ones are cheap
/// generation-0 arrays). Lengths are rounded up to one of four sizes per power of two (at most 25 % unused), so that
/// runs over varying shapes (sequence lengths) still reuse storage. At the end of a run, storage not used in that run or
/// the one before is dropped, so the pool holds at most about two runs' peak of live gradients.</para>
/// <para>State. The pool is per thread (thread-static); a run is the engine's <see cref="Engine.Run"/> on that thread. It is
/// a cache: results never depend on it (a zeroed request is cleared; other requests are for kernels that write every
/// element).</para>
/// </remarks>
internal static class GradientBuffers
{
    /// <summary>Smallest pooled tensor, in elements (16 KiB).</summary>
    internal const int MinPooledElements = 4096;

    [ThreadStatic]
    private static Pool? t_pool;

    /// <summary>A tensor of <paramref name="shape"/>, zero-filled when <paramref name="zeroed"/>: from this thread's pool
    /// during a backward run, else a new tensor.</summary>
    public static FloatTensor Rent(ReadOnlySpan<long> shape, bool zeroed)
    {
        var pool = t_pool;
        long length = 1;
        foreach (var d in shape)
        {
            length *= d;
        }

        if (pool is null || !pool.Active || length < MinPooledElements || length > int.MaxValue / 2)
        {
            return new FloatTensor(shape);
        }

        var (array, start) = pool.Take(Bucket((int)length));
        var tensor = FloatTensor.OverStorage(shape, array, start);
        if (zeroed)
        {
            tensor.AsSpan().Clear();
        }

        return tensor;
    }

    /// <summary>Storage of <paramref name="shape"/> (unspecified contents) that a node saves at forward for its own
    /// backward and that no one else sees (attention's probabilities, say): from this thread's pool, outside a run too.
    /// The node gives it back with <see cref="ReturnSaved"/> when it releases what it saved; a graph never run backward
    /// leaves it to the garbage collector.</summary>
    public static FloatTensor RentSaved(ReadOnlySpan<long> shape)
    {
        long length = 1;
        foreach (var d in shape)
        {
            length *= d;
        }

        if (length < MinPooledElements || length > int.MaxValue / 2)
        {
            return new FloatTensor(shape);
        }

        var pool = t_pool ??= new Pool();
        var (array, start) = pool.Take(Bucket((int)length), owned: false);
        return FloatTensor.OverStorage(shape, array, start);
    }

    /// <summary>Gives back storage from <see cref="RentSaved"/>; the caller no longer uses the tensor.</summary>
    public static void ReturnSaved(FloatTensor tensor)
    {
        if (t_pool is { } pool && tensor.StorageArray is { } array)
        {
            pool.GiveSaved(array);
        }
    }

    /// <summary>Makes storage from <see cref="RentSaved"/> a gradient the engine owns: a node whose saved buffer becomes its
    /// returned gradient (it wrote the gradient over what it saved) hands it on, and the engine recycles it when its
    /// consumers are done. Ignored outside a run or for storage this pool did not make.</summary>
    public static void AdoptSaved(FloatTensor tensor)
    {
        if (t_pool is { Active: true } pool && tensor.StorageArray is { } array)
        {
            pool.Adopt(array);
        }
    }

    /// <summary>Starts a run on this thread; false (and pooling stays off) when one is already running here.</summary>
    internal static bool Begin()
    {
        var pool = t_pool ??= new Pool();
        if (pool.Active)
        {
            return false;
        }

        pool.Active = true;
        pool.Run++;
        return true;
    }

    /// <summary>Ends the run: forgets arrays still counted (an exception stopped the run; the garbage collector takes them)
    /// and drops storage unused for two runs.</summary>
    internal static void End()
    {
        var pool = t_pool!;
        pool.Active = false;
        pool.Forget();
        pool.Trim();
    }

    /// <summary>Counts one more holder of <paramref name="tensor"/>'s storage, if the pool owns it.</summary>
    internal static void Hold(FloatTensor tensor)
    {
        if (t_pool is { Active: true } pool && tensor.StorageArray is { } array && pool.Owners.TryGetValue(array, out var n))
        {
            pool.Owners[array] = n + 1;
        }
    }

    /// <summary>Counts one holder fewer; the storage goes back to the pool when none is left.</summary>
    internal static void Drop(FloatTensor tensor)
    {
        if (t_pool is { Active: true } pool && tensor.StorageArray is { } array && pool.Owners.TryGetValue(array, out var n))
        {
            if (n <= 1)
            {
                pool.Give(array);
            }
            else
            {
                pool.Owners[array] = n - 1;
            }
        }
    }

    /// <summary>Returns <paramref name="tensor"/>'s storage to the pool if the pool owns it and nothing holds it (a
    /// gradient a kernel computed for an input that takes none).</summary>
    internal static void DropIfUnheld(FloatTensor tensor)
    {
        if (t_pool is { Active: true } pool && tensor.StorageArray is { } array && pool.Owners.TryGetValue(array, out var n) && n == 0)
        {
            pool.Give(array);
        }
    }

    /// <summary>Whether <paramref name="tensor"/>'s storage is pool-owned with exactly one holder, so that the holder may
    /// write into it.</summary>
    internal static bool IsSoleHolder(FloatTensor tensor) =>
        t_pool is { Active: true } pool && tensor.StorageArray is { } array && pool.Owners.TryGetValue(array, out var n) && n == 1;

    /// <summary>The pooled length for <paramref name="length"/>: the next of 4, 5, 6, 7 × 2^k at or above it.</summary>
    internal static int Bucket(int length) => TensorStoragePool.Capacity(length);

    private sealed class Pool
    {
        // Arrays by bucket length: free ones, and the run that last took one of that length.
        private readonly Dictionary<int, Bin> _bins = [];

        public bool Active;

        public long Run;

        /// <summary>Pool-owned arrays handed out in this run and how many places hold each.</summary>
        public readonly Dictionary<float[], int> Owners = new(ReferenceEqualityComparer.Instance);

        // Every array the pool made: its bucket and where its aligned part starts.
        private readonly Dictionary<float[], (int Bucket, int Start)> _meta = new(ReferenceEqualityComparer.Instance);

        public (float[] Array, int Start) Take(int bucket, bool owned = true)
        {
            if (!_bins.TryGetValue(bucket, out var bin))
            {
                bin = new Bin();
                _bins.Add(bucket, bin);
            }

            bin.LastRun = Run;
            float[] array;
            int start;
            if (bin.Free.Count > 0)
            {
                array = bin.Free.Pop();
                start = _meta[array].Start;
            }
            else
            {
                (array, start) = FloatTensor.AllocateStorage(bucket);
                _meta[array] = (bucket, start);
            }

            if (owned)
            {
                Owners[array] = 0;
            }

            return (array, start);
        }

        public void Give(float[] array)
        {
            Owners.Remove(array);
            if (_bins.TryGetValue(_meta[array].Bucket, out var bin))
            {
                bin.Free.Push(array);
            }
            else
            {
                _meta.Remove(array);
            }
        }

        /// <summary>Counts a saved buffer as an engine-owned gradient (no holder yet).</summary>
        public void Adopt(float[] array)
        {
            if (_meta.ContainsKey(array) && !Owners.ContainsKey(array))
            {
                Owners[array] = 0;
            }
        }

        /// <summary>Takes back a saved buffer (ignored unless this pool made it and does not count it as a gradient).</summary>
        public void GiveSaved(float[] array)
        {
            if (_meta.ContainsKey(array) && !Owners.ContainsKey(array))
            {
                Give(array);
            }
        }

        /// <summary>Forgets the arrays still held when a run ends (only an exception leaves any).</summary>
        public void Forget()
        {
            foreach (var array in Owners.Keys)
            {
                _meta.Remove(array);
            }

            Owners.Clear();
        }

        public void Trim()
        {
            List<int>? stale = null;
            foreach (var (bucket, bin) in _bins)
            {
                if (bin.LastRun < Run - 1)
                {
                    foreach (var a in bin.Free)
                    {
                        _meta.Remove(a);
                    }

                    (stale ??= []).Add(bucket);
                }
            }

            if (stale is not null)
            {
                foreach (var b in stale)
                {
                    _bins.Remove(b);
                }
            }
        }
    }

    private sealed class Bin
    {
        public readonly Stack<float[]> Free = new();

        public long LastRun;
    }
}
