using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace EmbedSharp.Numerics;

/// <summary>
/// Runs a kernel's independent parts on several cores without allocating: part 0.. are claimed from a shared counter by
/// the calling thread and by background workers (one per extra core, started on first use), and the call returns when every part is done. The caller passes a
/// function pointer and a pointer to a context struct on its own stack (it waits, so the struct outlives the work).
/// </summary>
/// <remarks>
/// Callers split only work whose parts touch disjoint memory and whose per-element order of operations does not
/// depend on the split, so results never depend on the thread count. If no worker starts in time the caller does
/// every part itself (no deadlock when the workers are busy with another caller). A few batch objects per calling thread are reused once their
/// workers have left, so a warmed-up call allocates nothing on the caller's thread.
/// </remarks>
internal static unsafe class WorkSplit
{
    /// <summary>Batches a thread may reuse: a worker of an earlier call may still be leaving one (or not yet have
    /// started), so four are kept and one whose workers have all left is taken.</summary>
    private static readonly object StartLock = new();
    private static Worker[]? s_workers;

    [ThreadStatic]
    private static Batch[]? t_batches;

    /// <summary>Most parts a kernel splits into: the core count, or the calling thread's <see cref="KernelThreads"/> limit.</summary>
    public static int MaxParts => KernelThreads.Current;

    /// <summary>How many parts to use for <paramref name="work"/> units when one part should get at least
    /// <paramref name="minWorkPerPart"/>: between 1 and <see cref="MaxParts"/>.</summary>
    public static int Parts(long work, long minWorkPerPart) =>
        (int)Math.Clamp(work / Math.Max(1, minWorkPerPart), 1, MaxParts);

    /// <summary>Part <paramref name="part"/> of <paramref name="parts"/> of [0, <paramref name="count"/>): contiguous
    /// ranges that cover it exactly.</summary>
    public static (long Start, long End) Range(long count, int part, int parts) =>
        (count * part / parts, count * (part + 1) / parts);

    /// <summary>Calls <c>body(context, p, parts)</c> once for each p in [0, parts), on this thread and pool workers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(delegate*<void*, int, int, void> body, void* context, int parts)
    {
        if (parts <= 1)
        {
            body(context, 0, 1);
            return;
        }

        var batch = FreeBatch();
        if (batch is null)
        {
            for (var p = 0; p < parts; p++)
            {
                body(context, p, parts); // every kept batch still has a worker on its way: run serially this time
            }

            return;
        }

        batch.Body = body;
        batch.Context = context;
        batch.PartCount = parts;
        batch.Done = 0;
        batch.Error = null;
        Volatile.Write(ref batch.Next, 0);
        var workers = s_workers ?? StartWorkers();
        for (var w = 0; w < workers.Length && w < parts - 1; w++)
        {
            workers[w].Post(batch); // a worker still busy with another caller's batch is skipped
        }

        batch.Participate();
        var spin = default(SpinWait);
        while (Volatile.Read(ref batch.Done) != parts)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }

        if (batch.Error is { } error)
        {
            ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    private static Batch? FreeBatch()
    {
        var batches = t_batches ??= [new Batch(), new Batch(), new Batch(), new Batch()];
        foreach (var b in batches)
        {
            if (Volatile.Read(ref b.Active) == 0)
            {
                return b;
            }
        }

        return null;
    }

    private static Worker[] StartWorkers()
    {
        lock (StartLock)
        {
            if (s_workers is null)
            {
                var workers = new Worker[Math.Max(0, Environment.ProcessorCount - 1)];
                for (var i = 0; i < workers.Length; i++)
                {
                    workers[i] = new Worker(i);
                }

                s_workers = workers;
            }

            return s_workers;
        }
    }

    /// <summary>A background thread that helps one batch at a time; its mailbox holds at most one more, posted while it
    /// finishes the last.</summary>
    private sealed class Worker
    {
        private readonly SemaphoreSlim _signal = new(0);
        private Batch? _mailbox;

        public Worker(int number)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"EmbedSharp worker {number}" };
            thread.Start();
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Post(Batch batch)
        {
            Interlocked.Increment(ref batch.Active);
            if (Interlocked.CompareExchange(ref _mailbox, batch, null) is null)
            {
                _signal.Release();
            }
            else
            {
                Interlocked.Decrement(ref batch.Active);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Loop()
        {
            while (true)
            {
                SpinForWork();
                _signal.Wait(); // one Wait per Post: returns at once when the spin already saw the batch

                // Empty the mailbox before helping, not after: the caller returns as soon as the last part is counted
                // and often posts its next kernel at once, which would find a full mailbox and run without this worker.
                var batch = Interlocked.Exchange(ref _mailbox, null)!;
                batch.Participate();
                Interlocked.Decrement(ref batch.Active);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void SpinForWork()
        {
            if (SpinTicks == 0)
            {
                return;
            }

            var deadline = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
            var polls = 0;
            while (Volatile.Read(ref _mailbox) is null)
            {
                Thread.SpinWait(4);
                if ((++polls & 31) == 0 && System.Diagnostics.Stopwatch.GetTimestamp() > deadline)
                {
                    return;
                }
            }
        }
    }

    /// <summary>How long an idle worker polls its mailbox before it blocks, 50 µs by default (OpenMP runtimes spin before
    /// sleeping too, and much longer): a training step runs several short kernels back to back, and waking a blocked thread
    /// costs tens of microseconds, more on a virtual machine whose idle CPU has halted. Measured on the 50k × 300 sparse SGD
    /// iteration (about 1 ms): median 1.14 ms without the spin, 0.78 ms with it. EMBEDSHARP_SPIN_US overrides it
    /// (microseconds; 0 blocks at once, for machines where a polling core would slow its neighbour).</summary>
    private static readonly long SpinTicks = ReadSpinTicks();

    private static long ReadSpinTicks()
    {
        var us = int.TryParse(Environment.GetEnvironmentVariable("EMBEDSHARP_SPIN_US"), out var v) && v >= 0 ? v : 50;
        return us * System.Diagnostics.Stopwatch.Frequency / 1_000_000;
    }

    private sealed class Batch
    {
        public delegate*<void*, int, int, void> Body;
        public void* Context;
        public int PartCount;
        public int Next;
        public int Done;
        public int Active;
        public Exception? Error;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Participate()
        {
            while (true)
            {
                var p = Interlocked.Increment(ref Next) - 1;
                if (p >= PartCount)
                {
                    return;
                }

                try
                {
                    Body(Context, p, PartCount);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref Error, e, null);
                }

                Interlocked.Increment(ref Done);
            }
        }
    }
}
