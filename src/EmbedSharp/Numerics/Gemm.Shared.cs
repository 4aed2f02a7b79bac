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
    /// The blocks (jc, pc) are taken in the order of <see cref="Packed{TStep}"/>, NC columns outer, KC of k inner. Call g of
    /// <see cref="WorkSplit.Run"/> (g = 0 … blocks): each part computes its rows of block g − 1 from one half of a
    /// double buffer, then packs its share of block g's NR-column micro-panels into the other half. A call returns only
    /// when every part is done, so it is the barrier between packing a panel and reading it, and between reading a panel
    /// and overwriting it; no part ever waits for another inside a call, so the serial fallback of WorkSplit (one thread
    /// running every part) stays correct. Each element of C still gets its k blocks in order from one thread's kernel, so
    /// the bits are those of one thread.
    /// </remarks>
    private static void SharedRows(Work* w, int threads)
    {
        // With every core allowed, the rows are cut into about one MC block per part and the threads claim parts as
        // they go (WorkSplit hands out parts from a counter), so a thread that the system deschedules for a while holds
        // up at most one part per block instead of half the product; the parts share B, so more of them pack no more.
        // With fewer threads allowed, exactly that many parts (WorkSplit would start a worker for every extra part).
        var parts = threads == WorkSplit.MaxParts ? Math.Max(threads, (w->Tiles + (MC / MR) - 1) / (MC / MR)) : threads;
        var panel = KC * RoundUp(Math.Min(NC, w->N), NR);
        var scratch = Scratch.ForCurrentThread(2 * panel); // the caller's scratch, grown once; workers write into it
        w->Panel0 = scratch.B;
        w->Panel1 = scratch.B + panel;
        w->KBlocks = (w->K + KC - 1) / KC;
        w->Blocks = w->KBlocks * ((w->N + NC - 1) / NC);
        for (var g = 0; g <= w->Blocks; g++)
        {
            w->Block = g;
            WorkSplit.Run(&SharedPart, w, parts);
        }
    }

    private static void SharedPart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<Work>(context);
        if (w.Exact)
        {
            SharedPart<ExactStep>(ref w, part, parts);
        }
        else
        {
            SharedPart<FusedStep>(ref w, part, parts);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SharedPart<TStep>(ref Work w, int part, int parts)
        where TStep : struct, IStep
    {
        var g = w.Block;
        if (g > 0)
        {
            var (jc, nc, pc, kc) = BlockOf(ref w, g - 1);
            var (first, last) = WorkSplit.Range(w.Tiles, part, parts);
            var r0 = (int)first * MR;
            var r1 = (int)Math.Min(last * MR, w.M);
            if (r0 < r1)
            {
                var a = w.A + (w.StrideA * w.Entry);
                var c = w.C + (w.StrideC * w.Entry);
                var ap = Scratch.ForCurrentThread(0).A;
                var bp = ((g - 1) & 1) == 0 ? w.Panel0 : w.Panel1;
                RowBlocks<TStep>(ref w, a, c, r0, r1, jc, nc, pc, kc, bp, ap, pc == 0 ? FirstStart(w.Beta) : Start.Load);
            }
        }

        if (g < w.Blocks)
        {
            var (jc, nc, pc, kc) = BlockOf(ref w, g);
            var (q0, q1) = WorkSplit.Range((nc + NR - 1) / NR, part, parts);
            var j0 = (int)q0 * NR;
            var j1 = (int)Math.Min(q1 * NR, nc);
            if (j0 < j1)
            {
                var bp = (g & 1) == 0 ? w.Panel0 : w.Panel1;
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
