using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbedSharp.Numerics;

internal static unsafe partial class Gemm
{
    /// <summary>Rows of a micro-tile: 6 × 2 accumulators + 2 B vectors + 1 broadcast fill 15 of the 16 ymm registers.</summary>
    internal const int MR = 6;

    /// <summary>Columns of a micro-tile: two Vector256.</summary>
    internal const int NR = 16;

    /// <summary>k per packed block: a (KC, NR) B micro-panel is 16 KiB, half of a 32 KiB L1d.</summary>
    internal const int KC = 256;

    /// <summary>Rows of the packed A block: (MC, KC) is 144 KiB, kept in a 512 KiB L2.</summary>
    internal const int MC = 144;

    /// <summary>Columns of the packed B panel: (KC, NC) is at most 4 MiB, in L3.</summary>
    internal const int NC = 4096;

    /// <summary>How the accumulators start for a block of k.</summary>
    private enum Start
    {
        /// <summary>From C as it is (a later k block, or β = 1).</summary>
        Load,

        /// <summary>From β·C.</summary>
        Scale,

        /// <summary>From zero, C not read (β = 0).</summary>
        Zero,
    }

    /// <summary>One step of an output's chain in the micro-kernel; a struct type argument, so the JIT compiles one kernel per
    /// mode with the step inlined.</summary>
    private interface IStep
    {
        static abstract Vector256<float> Step(Vector256<float> s, Vector256<float> b, Vector256<float> acc);
    }

    /// <summary>Exact mode: <c>acc + round(s·b)</c>, a multiply then an add (the JIT does not contract them).</summary>
    private readonly struct ExactStep : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Step(Vector256<float> s, Vector256<float> b, Vector256<float> acc) =>
            Avx.Add(acc, Avx.Multiply(s, b));
    }

    /// <summary>Fast mode: <c>fma(s, b, acc)</c>.</summary>
    private readonly struct FusedStep : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Step(Vector256<float> s, Vector256<float> b, Vector256<float> acc) =>
            Fma.MultiplyAdd(s, b, acc);
    }

    /// <summary>Per-thread packing buffers, 64-byte aligned in pinned arrays, reused by every later call on the thread.</summary>
    private sealed class Scratch
    {
        [ThreadStatic]
        private static Scratch? t_current;

        private float[]? _aStore;
        private float[]? _bStore;

        public float* A { get; private set; }

        public float* B { get; private set; }

        public int BCapacity { get; private set; }

        public static Scratch ForCurrentThread(int bFloats)
        {
            var s = t_current ??= new Scratch();
            if (s._aStore is null)
            {
                // 15 floats for the alignment, then slack for PackA's last 8-float store, which may run 2 floats past the block.
                s._aStore = GC.AllocateUninitializedArray<float>((MC * KC) + 32, pinned: true);
                s.A = Align(s._aStore);
            }

            if (s.BCapacity < bFloats)
            {
                s._bStore = GC.AllocateUninitializedArray<float>(bFloats + 16, pinned: true);
                s.B = Align(s._bStore);
                s.BCapacity = bFloats;
            }

            return s;
        }

        private static float* Align(float[] store)
        {
            var p = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(store));
            return (float*)((p + 63) & ~(nuint)63);
        }
    }

    /// <summary>The blocked path over rows [r0, r1) and columns [c0, c1): for each NC columns, each KC of k: pack op(B),
    /// then for each MC rows pack α·op(A) and sweep the micro-tiles, B micro-panel outer so it stays in L1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Packed<TStep>(ref Work w, float* a, float* b, float* c, int r0, int r1, int c0, int c1)
        where TStep : struct, IStep
    {
        var widest = Math.Min(NC, c1 - c0);
        var scratch = Scratch.ForCurrentThread(KC * RoundUp(widest, NR));
        var bp = scratch.B;
        var first = FirstStart(w.Beta);
        for (var jc = c0; jc < c1; jc += NC)
        {
            var nc = Math.Min(NC, c1 - jc);
            for (var pc = 0; pc < w.K; pc += KC)
            {
                var kc = Math.Min(KC, w.K - pc);
                PackB(w.TransB, b, w.Ldb, pc, kc, jc, nc, bp);
                RowBlocks<TStep>(ref w, a, c, r0, r1, jc, nc, pc, kc, bp, scratch.A, pc == 0 ? first : Start.Load);
            }
        }
    }

    private static Start FirstStart(float beta) => beta == 0f ? Start.Zero : beta == 1f ? Start.Load : Start.Scale;

    /// <summary>Rows [r0, r1) of C's columns [jc, jc + nc) take the k block [pc, pc + kc) from the packed op(B) panel
    /// <paramref name="bp"/>: for each MC rows, pack α·op(A) into <paramref name="ap"/> and sweep the micro-tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowBlocks<TStep>(ref Work w, float* a, float* c, int r0, int r1, int jc, int nc, int pc, int kc,
        float* bp, float* ap, Start start)
        where TStep : struct, IStep
    {
        for (var ic = r0; ic < r1; ic += MC)
        {
            var mc = Math.Min(MC, r1 - ic);
            PackA(w.TransA, a, w.Lda, ic, mc, pc, kc, w.Alpha, ap);
            for (var jr = 0; jr < nc; jr += NR)
            {
                var nr = Math.Min(NR, nc - jr);
                var bpanel = bp + ((long)jr * kc);
                for (var ir = 0; ir < mc; ir += MR)
                {
                    var mr = Math.Min(MR, mc - ir);
                    var tile = c + ((long)(ic + ir) * w.Ldc) + jc + jr;
                    if (mr == MR && nr == NR)
                    {
                        Kernel<TStep>(ap + ((long)ir * kc), bpanel, kc, tile, w.Ldc, w.Beta, start);
                    }
                    else
                    {
                        EdgeTile<TStep>(ap + ((long)ir * kc), bpanel, kc, tile, w.Ldc, mr, nr, w.Beta, start);
                    }
                }
            }
        }
    }

    private static int RoundUp(int x, int unit) => (x + unit - 1) / unit * unit;

    /// <summary>A part-filled micro-tile: its C goes through a full (MR, NR) buffer (zeros outside), so every element
    /// sees the same operations as in a whole tile; the packed panels are zero-padded.</summary>
    private static void EdgeTile<TStep>(float* ap, float* bp, int kc, float* c, int ldc, int mr, int nr, float beta, Start start)
        where TStep : struct, IStep
    {
        var buffer = stackalloc float[(MR * NR) + 16];
        var t = (float*)(((nuint)buffer + 63) & ~(nuint)63);
        new Span<float>(t, MR * NR).Clear();
        if (start != Start.Zero)
        {
            for (var i = 0; i < mr; i++)
            {
                new ReadOnlySpan<float>(c + ((long)i * ldc), nr).CopyTo(new Span<float>(t + (i * NR), nr));
            }
        }

        Kernel<TStep>(ap, bp, kc, t, NR, beta, start);
        for (var i = 0; i < mr; i++)
        {
            new ReadOnlySpan<float>(t + (i * NR), nr).CopyTo(new Span<float>(c + ((long)i * ldc), nr));
        }
    }

    /// <summary>Packs α·op(A)[i0 .. i0+mc, p0 .. p0+kc] as MR-row micro-panels, each (kc, MR): element (i, p) of panel q
    /// at q·MR·kc + p·MR + i, rows past mc zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(bool trans, float* a, int lda, int i0, int mc, int p0, int kc, float alpha, float* dst)
    {
        for (var q = 0; q < mc; q += MR)
        {
            var mr = Math.Min(MR, mc - q);
            var panel = dst + ((long)q * kc);
            if (trans && mr == MR)
            {
                // op(A)[i, p] = A[p, i]: MR = 6 contiguous floats per p, as floats 0-3 and (overlapping) 2-5; reading 8 could
                // pass the end of A's last row.
                var va = Vector128.Create(alpha);
                for (var p = 0; p < kc; p++)
                {
                    var src = a + ((long)(p0 + p) * lda) + i0 + q;
                    var d = panel + (p * MR);
                    Vector128.Store(Vector128.Load(src) * va, d);
                    Vector128.Store(Vector128.Load(src + 2) * va, d + 2);
                }
            }
            else if (trans)
            {
                for (var p = 0; p < kc; p++)
                {
                    var src = a + ((long)(p0 + p) * lda) + i0 + q;
                    var d = panel + (p * MR);
                    var i = 0;
                    for (; i < mr; i++)
                    {
                        d[i] = alpha * src[i];
                    }

                    for (; i < MR; i++)
                    {
                        d[i] = 0f;
                    }
                }
            }
            else if (mr == MR)
            {
                // Six row streams read in step, each p's six floats written side by side.
                var s0 = a + ((long)(i0 + q) * lda) + p0;
                float* s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda, s4 = s3 + lda, s5 = s4 + lda;
                var d = panel;
                var p = 0;

                // Eight p at a time: six rows of 8 floats (two zero rows added) transposed in registers, each p's column
                // stored as 8 floats whose last 2 the next store overwrites (the scratch has slack for the last one).
                // Written by hand: packing A costs about 1/n of the multiply-adds per element of C, and the scalar loop
                // (about one float per cycle) was a visible share when n is a few hundred or less (Linear layers).
                var va = Vector256.Create(alpha);
                for (; p + 8 <= kc; p += 8, d += 8 * MR)
                {
                    StoreTransposed8(Avx.Multiply(Avx.LoadVector256(s0 + p), va), Avx.Multiply(Avx.LoadVector256(s1 + p), va),
                        Avx.Multiply(Avx.LoadVector256(s2 + p), va), Avx.Multiply(Avx.LoadVector256(s3 + p), va),
                        Avx.Multiply(Avx.LoadVector256(s4 + p), va), Avx.Multiply(Avx.LoadVector256(s5 + p), va),
                        Vector256<float>.Zero, Vector256<float>.Zero, d, MR);
                }

                for (; p < kc; p++, d += MR)
                {
                    d[0] = alpha * s0[p];
                    d[1] = alpha * s1[p];
                    d[2] = alpha * s2[p];
                    d[3] = alpha * s3[p];
                    d[4] = alpha * s4[p];
                    d[5] = alpha * s5[p];
                }
            }
            else
            {
                for (var i = 0; i < MR; i++)
                {
                    var d = panel + i;
                    if (i >= mr)
                    {
                        for (var p = 0; p < kc; p++)
                        {
                            d[p * MR] = 0f;
                        }

                        continue;
                    }

                    var src = a + ((long)(i0 + q + i) * lda) + p0;
                    for (var p = 0; p < kc; p++)
                    {
                        d[p * MR] = alpha * src[p];
                    }
                }
            }
        }
    }

    /// <summary>Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] as NR-column micro-panels, each (kc, NR): element (p, j) of panel q
    /// at q·kc + p·NR + j, columns past nc zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(bool trans, float* b, int ldb, int p0, int kc, int j0, int nc, float* dst)
    {
        for (var q = 0; q < nc; q += NR)
        {
            var nr = Math.Min(NR, nc - q);
            var panel = dst + ((long)q * kc);
            if (trans && nr == NR)
            {
                // op(B)[p, j] = B[j, p]: 8 × 8 blocks of B (8 rows j, 8 consecutive p) transposed in registers, so
                // each store writes 8 columns of one p (the scalar loop wrote one float per store, 16 streams).
                var src = b + ((long)(j0 + q) * ldb) + p0;
                var p = 0;
                for (; p + 8 <= kc; p += 8)
                {
                    for (var h = 0; h < NR; h += 8)
                    {
                        var r = src + ((long)h * ldb) + p;
                        StoreTransposed8(Avx.LoadVector256(r), Avx.LoadVector256(r + ldb), Avx.LoadVector256(r + (2L * ldb)),
                            Avx.LoadVector256(r + (3L * ldb)), Avx.LoadVector256(r + (4L * ldb)), Avx.LoadVector256(r + (5L * ldb)),
                            Avx.LoadVector256(r + (6L * ldb)), Avx.LoadVector256(r + (7L * ldb)), panel + (p * NR) + h, NR);
                    }
                }

                for (; p < kc; p++)
                {
                    var d = panel + (p * NR);
                    for (var j = 0; j < NR; j++)
                    {
                        d[j] = src[((long)j * ldb) + p];
                    }
                }
            }
            else if (trans)
            {
                // op(B)[p, j] = B[j, p]: each column of the panel is a contiguous run of B's row j.
                for (var j = 0; j < NR; j++)
                {
                    var d = panel + j;
                    if (j >= nr)
                    {
                        for (var p = 0; p < kc; p++)
                        {
                            d[p * NR] = 0f;
                        }

                        continue;
                    }

                    var src = b + ((long)(j0 + q + j) * ldb) + p0;
                    for (var p = 0; p < kc; p++)
                    {
                        d[p * NR] = src[p];
                    }
                }
            }
            else if (nr == NR)
            {
                for (var p = 0; p < kc; p++)
                {
                    var src = b + ((long)(p0 + p) * ldb) + j0 + q;
                    var d = panel + (p * NR);
                    Vector256.Store(Vector256.Load(src), d);
                    Vector256.Store(Vector256.Load(src + 8), d + 8);
                }
            }
            else
            {
                for (var p = 0; p < kc; p++)
                {
                    var src = b + ((long)(p0 + p) * ldb) + j0 + q;
                    var d = panel + (p * NR);
                    var j = 0;
                    for (; j < nr; j++)
                    {
                        d[j] = src[j];
                    }

                    for (; j < NR; j++)
                    {
                        d[j] = 0f;
                    }
                }
            }
        }
    }

    /// <summary>Stores the transpose of the 8 × 8 block whose rows are <paramref name="r0"/> … <paramref name="r7"/>:
    /// column j, (r0[j], …, r7[j]), as 8 floats at d + j·stride, for j = 0 … 7 in that order (so with stride 6 each store's
    /// last 2 floats are overwritten by the next one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTransposed8(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* d, int stride)
    {
        // (r0[0] r1[0] r0[1] r1[1] | r0[4] r1[4] r0[5] r1[5]) and so on.
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);

        // u0 = (r0[0] r1[0] r2[0] r3[0] | r0[4] r1[4] r2[4] r3[4]), u4 the same for rows 4 … 7.
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + stride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + (2 * stride), Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + (3 * stride), Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + (4 * stride), Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + (5 * stride), Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + (6 * stride), Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + (7 * stride), Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>The (MR, NR) = (6, 16) micro-kernel: 12 Vector256 accumulators start from C (or β·C, or zero), take kc
    /// steps (<typeparamref name="TStep"/>) in k order from the packed panels, and are stored back to C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel<TStep>(float* a, float* b, int kc, float* c, int ldc, float beta, Start start)
        where TStep : struct, IStep
    {
        float* c0 = c, c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
        Vector256<float> x00, x01, x10, x11, x20, x21, x30, x31, x40, x41, x50, x51;
        if (start == Start.Zero)
        {
            x00 = x01 = x10 = x11 = x20 = x21 = x30 = x31 = x40 = x41 = x50 = x51 = Vector256<float>.Zero;
        }
        else
        {
            x00 = Avx.LoadVector256(c0);
            x01 = Avx.LoadVector256(c0 + 8);
            x10 = Avx.LoadVector256(c1);
            x11 = Avx.LoadVector256(c1 + 8);
            x20 = Avx.LoadVector256(c2);
            x21 = Avx.LoadVector256(c2 + 8);
            x30 = Avx.LoadVector256(c3);
            x31 = Avx.LoadVector256(c3 + 8);
            x40 = Avx.LoadVector256(c4);
            x41 = Avx.LoadVector256(c4 + 8);
            x50 = Avx.LoadVector256(c5);
            x51 = Avx.LoadVector256(c5 + 8);
            if (start == Start.Scale)
            {
                var s = Vector256.Create(beta);
                x00 = Avx.Multiply(x00, s);
                x01 = Avx.Multiply(x01, s);
                x10 = Avx.Multiply(x10, s);
                x11 = Avx.Multiply(x11, s);
                x20 = Avx.Multiply(x20, s);
                x21 = Avx.Multiply(x21, s);
                x30 = Avx.Multiply(x30, s);
                x31 = Avx.Multiply(x31, s);
                x40 = Avx.Multiply(x40, s);
                x41 = Avx.Multiply(x41, s);
                x50 = Avx.Multiply(x50, s);
                x51 = Avx.Multiply(x51, s);
            }
        }

        for (var p = 0; p < kc; p++)
        {
            var b0 = Avx.LoadAlignedVector256(b);
            var b1 = Avx.LoadAlignedVector256(b + 8);
            var s = Avx.BroadcastScalarToVector256(a);
            x00 = TStep.Step(s, b0, x00);
            x01 = TStep.Step(s, b1, x01);
            s = Avx.BroadcastScalarToVector256(a + 1);
            x10 = TStep.Step(s, b0, x10);
            x11 = TStep.Step(s, b1, x11);
            s = Avx.BroadcastScalarToVector256(a + 2);
            x20 = TStep.Step(s, b0, x20);
            x21 = TStep.Step(s, b1, x21);
            s = Avx.BroadcastScalarToVector256(a + 3);
            x30 = TStep.Step(s, b0, x30);
            x31 = TStep.Step(s, b1, x31);
            s = Avx.BroadcastScalarToVector256(a + 4);
            x40 = TStep.Step(s, b0, x40);
            x41 = TStep.Step(s, b1, x41);
            s = Avx.BroadcastScalarToVector256(a + 5);
            x50 = TStep.Step(s, b0, x50);
            x51 = TStep.Step(s, b1, x51);
            a += MR;
            b += NR;
        }

        Avx.Store(c0, x00);
        Avx.Store(c0 + 8, x01);
        Avx.Store(c1, x10);
        Avx.Store(c1 + 8, x11);
        Avx.Store(c2, x20);
        Avx.Store(c2 + 8, x21);
        Avx.Store(c3, x30);
        Avx.Store(c3 + 8, x31);
        Avx.Store(c4, x40);
        Avx.Store(c4 + 8, x41);
        Avx.Store(c5, x50);
        Avx.Store(c5 + 8, x51);
    }
}
