namespace EmbedSharp.Numerics;

/// <summary>
/// How many threads one operation of the library's kernels (matrix products, fused attention and the other kernels that
/// split work over the shared worker threads) may use, per calling thread: the core count by default; inside
/// <c>using (KernelThreads.Limit(n)) { … }</c> at most n. Meant for running independent models side by side, one per
/// core, so that each keeps to its share instead of also splitting every operation — what <c>torch.set_num_threads</c>
/// does for a whole process, here per thread. On this project's 2-vCPU machine it measured no gain for two small
/// language models side by side (docs/study.md); it is a control, not a speed-up. Results do not depend on it: every
/// kernel gives the same bits on any thread count.
/// </summary>
public static class KernelThreads
{
    [ThreadStatic]
    private static int t_limit;

    /// <summary>The most threads an operation started on this thread uses: the core count, or the open scope's limit if
    /// lower.</summary>
    public static int Current => t_limit > 0 ? Math.Min(t_limit, Environment.ProcessorCount) : Environment.ProcessorCount;

    /// <summary>Operations started on this thread use at most <paramref name="maxThreads"/> threads (the calling one
    /// included) until the returned scope is disposed; scopes nest, and disposing one restores the limit before it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">maxThreads &lt; 1.</exception>
    public static LimitScope Limit(int maxThreads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        var previous = t_limit;
        t_limit = maxThreads;
        return new LimitScope(previous, Environment.CurrentManagedThreadId);
    }

    /// <summary>The scope of <see cref="Limit"/>: dispose it on the thread that opened it.</summary>
    public readonly struct LimitScope : IDisposable
    {
        private readonly int _previous;
        private readonly int _thread;

        internal LimitScope(int previous, int thread) => (_previous, _thread) = (previous, thread);

        /// <summary>Restores the limit that was in effect when the scope opened.</summary>
        /// <exception cref="InvalidOperationException">Disposed on another thread.</exception>
        public void Dispose()
        {
            if (_thread != Environment.CurrentManagedThreadId)
            {
                throw new InvalidOperationException("A kernel-thread limit must be disposed on the thread that opened it.");
            }

            t_limit = _previous;
        }
    }
}
