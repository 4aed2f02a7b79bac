using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace EmbedSharp.Numerics;

internal static unsafe partial class Gemm
{
    /// <summary>Whether the packed kernels run for this product (the condition of <see cref="Product"/>).</summary>
    private static bool TakesPackedPath(ref Work w) =>
        w.Alpha != 0f && w.K > 0 && Fma.IsSupported && Avx.IsSupported && (long)w.M * w.N * w.K >= w.SmallWork;

    /// <summary>
    /// One product on <paramref name="threads"/> threads that split C's rows, with every (KC, NC) panel of op(B) packed once
    /// and shared. Written by hand because splitting rows with <see cref="Packed{TStep}"/> made each thread pack the whole
    /// panel into its own scratch: twice the packing traffic and two B panels competing for the shared L3.
    /// </summary>
    /// <remarks>
    /// <para>The blocks (jc, pc) are taken in the order of <see cref="Packed{TStep}"/>, NC columns outer, KC of k inner.
    /// The work is a sequence of stages s = 0 … blocks, each of <c>Units</c> units: unit u of stage s computes row part u
    /// (about one MC block of rows) of block s − 1 from one half of a double buffer, then packs share u of block s's
    /// NR-column micro-panels into the other half. A stage may start only when the one before it is complete, which is
    /// the barrier between packing a panel and reading it, and between reading a panel and overwriting it. Each element
    /// of C still gets its k blocks in order from one kernel, so the bits are those of one thread.</para>
    /// <para>All stages run inside one <see cref="WorkSplit.Run"/>: each thread takes the next unit from a shared ticket
    /// counter and, if that unit's stage is not yet open, spins until the units before it are done. Tickets are handed
    /// out in order and a thread holds one unit at a time, so whatever it waits for is being run by another thread that
    /// is not waiting: no deadlock, and when WorkSplit runs every part on the calling thread, that thread simply does all
    /// units in order. (One Run per stage, written first, can lose the worker: as WorkSplit reads, Run returns as soon
    /// as the last part is done, and the next call's post can find the worker's mailbox not yet cleared, so the caller
    /// would run that stage alone.)
    /// Small units let a thread that the system deschedules hold up at most one unit per stage rather than half the
    /// product; the units share B, so more of them pack no more.</para>
    /// </remarks>
    private static void SharedRows(Work* w, int threads)
    {
        var panel = KC * RoundUp(Math.Min(NC, w->N), NR);
        var scratch = Scratch.ForCurrentThread(2 * panel); // the caller's scratch, grown once; workers write into it
        w->Panel0 = scratch.B;
        w->Panel1 = scratch.B + panel;
        w->KBlocks = (w->K + KC - 1) / KC;
        w->Blocks = w->KBlocks * ((w->N + NC - 1) / NC);
        w->Units = Math.Max(threads, (w->Tiles + (MC / MR) - 1) / (MC / MR));
        w->NextUnit = 0;
        w->DoneUnits = 0;
        WorkSplit.Run(&SharedPart, w, threads);
    }

    private static void SharedPart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<Work>(context);
        if (w.Exact)
        {
            SharedUnits<ExactStep>(ref w);
        }
        else
        {
            SharedUnits<FusedStep>(ref w);
        }
    }

    private static void SharedUnits<TStep>(ref Work w)
        where TStep : struct, IStep
    {
        var total = (w.Blocks + 1) * w.Units;
        while (true)
        {
            var ticket = Interlocked.Increment(ref w.NextUnit) - 1;
            if (ticket >= total)
            {
                return;
            }

            var stage = ticket / w.Units;
            var open = stage * w.Units; // units done when this stage opens: every unit of the stages before it
            if (Volatile.Read(ref w.DoneUnits) < open)
            {
                var spin = default(SpinWait);
                while (Volatile.Read(ref w.DoneUnits) < open)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }
            }

            try
            {
                SharedUnit<TStep>(ref w, stage, ticket - open);
            }
            finally
            {
                Interlocked.Increment(ref w.DoneUnits); // also on an exception, so no other thread waits forever
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SharedUnit<TStep>(ref Work w, int stage, int unit)
        where TStep : struct, IStep
    {
        if (stage > 0)
        {
            var (jc, nc, pc, kc) = BlockOf(ref w, stage - 1);
            var (first, last) = WorkSplit.Range(w.Tiles, unit, w.Units);
            var r0 = (int)first * MR;
            var r1 = (int)Math.Min(last * MR, w.M);
            if (r0 < r1)
            {
                var a = w.A + (w.StrideA * w.Entry);
                var c = w.C + (w.StrideC * w.Entry);
                var ap = Scratch.ForCurrentThread(0).A;
                var bp = ((stage - 1) & 1) == 0 ? w.Panel0 : w.Panel1;
                RowBlocks<TStep>(ref w, a, c, r0, r1, jc, nc, pc, kc, bp, ap, pc == 0 ? FirstStart(w.Beta) : Start.Load);
            }
        }

        if (stage < w.Blocks)
        {
            var (jc, nc, pc, kc) = BlockOf(ref w, stage);
            var (q0, q1) = WorkSplit.Range((nc + NR - 1) / NR, unit, w.Units);
            var j0 = (int)q0 * NR;
            var j1 = (int)Math.Min(q1 * NR, nc);
            if (j0 < j1)
            {
                var bp = (stage & 1) == 0 ? w.Panel0 : w.Panel1;
                PackB(w.TransB, w.B + (w.StrideB * w.Entry), w.Ldb, pc, kc, jc + j0, j1 - j0, bp + ((long)j0 * kc));
            }
        }
    }

    /// <summary>Block g's columns [jc, jc + nc) and k range [pc, pc + kc).</summary>
    private static (int Jc, int Nc, int Pc, int Kc) BlockOf(ref Work w, int g)
    {
        var jc = g / w.KBlocks * NC;
        var pc = g % w.KBlocks * KC;
        return (jc, Math.Min(NC, w.N - jc), pc, Math.Min(KC, w.K - pc));
    }
}
