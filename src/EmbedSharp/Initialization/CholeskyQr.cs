using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EmbedSharp.Numerics;

#pragma warning disable CS8500 // the work struct lives on the caller's stack, which waits

namespace EmbedSharp.Initialization;

/// <summary>
/// The orthonormal factor of <see cref="Init.Orthogonal"/> by Cholesky QR in double precision, with a second pass
/// (CholeskyQR2) when the matrix is not well conditioned enough for one, and no result (the caller then runs
/// <see cref="HouseholderQr"/>) when Cholesky breaks down or the condition number is too large for either.
/// </summary>
/// <remarks>
/// <para>For A (m × n, m ≥ n) of full rank the QR factorisation with a positive diagonal of R is unique, and it is what
/// torch's <c>orthogonal_</c> returns (LAPACK's Householder QR, then <c>q *= sign(diag r)</c>). Cholesky QR computes it
/// from the Gram matrix: G = AᵀA (a symmetric rank-k update, BLAS <c>dsyrk</c>), G = RᵀR (Cholesky, <c>dpotrf</c>, whose R
/// has a positive diagonal), X = R⁻¹ (<c>dtrtri</c>) and Q = A·X (<c>dtrmm</c>). Its error against the exact Q grows like
/// u·κ(A)² (u = 2⁻⁵³; Yamamoto, Nakatsukasa, Yanagisawa and Fukaya 2015), so κ is estimated from R (power iteration for
/// ‖R‖₂) and X (‖X‖_F ≥ ‖X‖₂): below <see cref="OnePassLimit"/> for u·κ² one pass is kept (its error, about 0.2·u·κ² as measured on Gaussian matrices, stays below about 2⁻²⁸, against the
/// 2⁻²⁴ relative rounding of the float result); up to <see cref="TwoPassLimit"/> a second pass on Q₁ = A·X (CholeskyQR2)
/// brings it to the level of Householder's; above that (or when a pivot is not positive) the caller falls back.
/// Gaussian matrices are well conditioned: a tall 50000 × 300 one has κ ≈ 1.2, a square n × n one κ of the order of n.</para>
/// <para>Determinism: every entry of G, R, X and Q is one sequential sum in a fixed order (G's over the rows of A, Q's over
/// k); parallel parts only split tiles of the output (and, in the Cholesky factorisation, run the first stretch of a
/// chain that the calling thread then resumes from its stored value), so the bits do not depend on the thread count or
/// the blocking. The power iteration runs beside the inverse's column blocks, each on one thread.
/// The kernels are 6 × 8 register tiles of AVX2/FMA double arithmetic over packed panels; where AVX-512F is available
/// the bulk of the work goes to 8-wide variants (16 × 8 for G: two 8-column panels of A against a third, so that G's
/// row blocks need no second packing; 12 × 8 for Q: two 6-row blocks against one 8-column panel; 6 × 16 for R and X:
/// one 6-row block against two panels), whose entries are the same FMA chains in the same order, so the bits do not
/// depend on the instruction set or the tile shape either (the tests compare them).
/// Without AVX2/FMA the caller's Householder QR runs instead.</para>
/// </remarks>
internal static unsafe partial class CholeskyQr
{
    /// <summary>Below this n (the shorter side) Householder is used: the matrix is small and tiles would be mostly padding.</summary>
    internal const int MinColumns = 16;

    /// <summary>One pass when u·κ̂² is at most this (κ̂ = 1.25·(power-iteration estimate of ‖R‖₂)·‖R⁻¹‖_F).</summary>
    internal const double OnePassLimit = 1.0 / (1 << 26);

    /// <summary>Two passes when u·κ̂² is at most this; Householder above.</summary>
    internal const double TwoPassLimit = 1.0 / (1 << 10);

    private const double Unit = 1.1102230246251565e-16; // 2⁻⁵³
    private const int Nr = 8;   // columns of a tile and of a packed panel
    private const int Mr = 6;   // rows of a tile
    private const int Block = 32; // columns per block of the Cholesky and inverse kernels
    private const int PowerSteps = 8;
    private const long MinWorkPerPart = 1L << 20; // multiply-adds

    // Scratch per thread, kept between calls and grown when a larger matrix comes (as Gemm's packing buffers): fresh
    // multi-megabyte arrays would cost page faults and zeroing on every call. Pinned, so pointers into them stay valid.
    [ThreadStatic]
    private static double[]? t_g;
    [ThreadStatic]
    private static double[]? t_x;
    [ThreadStatic]
    private static double[]? t_panels;
    [ThreadStatic]
    private static double[]? t_power;
    [ThreadStatic]
    private static double[]? t_gramPack;
    [ThreadStatic]
    private static double[]? t_invertPack;
    [ThreadStatic]
    private static double[]? t_multiplyPack;

    private const long MaxKeptScratch = 1L << 22; // doubles (32 MiB): larger scratch is not kept after the call

    private static double[] Scratch(ref double[]? slot, long length)
    {
        if (slot is not null && slot.Length >= length)
        {
            return slot;
        }

        var fresh = GC.AllocateUninitializedArray<double>((int)length, pinned: true);
        if (length <= MaxKeptScratch)
        {
            slot = fresh;
        }

        return fresh;
    }

    /// <summary>Replaces <paramref name="data"/>, a (rows, cols) row-major matrix, by torch's orthonormal factor (see
    /// <see cref="HouseholderQr.OrthonormalFactor"/>), and returns true; returns false with the data untouched when this
    /// method does not apply (no AVX2/FMA, small, Cholesky breakdown, too ill-conditioned). At most
    /// <paramref name="maxParts"/> threads; <paramref name="forcePasses"/> 1 or 2 skips the condition test (tests reach
    /// both paths with it), 0 decides. <paramref name="avx512"/> false keeps the AVX2 kernels where AVX-512 is available
    /// (tests compare the two: the bits are the same).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryOrthonormalFactor(Span<float> data, int rows, int cols, int maxParts, int forcePasses = 0, bool avx512 = true)
    {
        if (!Fma.IsSupported || !Avx2.IsSupported)
        {
            return false;
        }

        var transposed = rows < cols;
        var m = transposed ? cols : rows; // A is m × n with m ≥ n
        var n = transposed ? rows : cols;
        if (n < MinColumns)
        {
            return false;
        }

        var wide = avx512 && Avx512F.IsSupported;
        var n8 = (n + Nr - 1) / Nr * Nr;
        var ld = n8 + Block; // row stride of G, R and X: room for a 32-wide block from any column below n, and no 4 KiB aliasing
        var size = (n8 + Mr) * ld; // rows: room for the last 6-row tile
        var g = Scratch(ref t_g, size);
        var x = Scratch(ref t_x, size); // every entry read is written first
        var panels = Scratch(ref t_panels, n8 * n8);
        ClearPadding(g, ld, n8);
        fixed (float* d = data)
        fixed (double* pg = g, px = x, pp = panels)
        {
            var a = new Source { F = d, M = m, N = n, Transposed = transposed };
            if (!Factor(a, pg, px, pp, ld, n8, maxParts, wide, out var kappaSq))
            {
                return false;
            }

            var passes = forcePasses != 0 ? forcePasses : Unit * kappaSq <= OnePassLimit ? 1 : 2;
            if (passes == 2 && !(Unit * kappaSq <= TwoPassLimit) && forcePasses == 0)
            {
                return false;
            }

            if (passes == 1)
            {
                Multiply(a, pp, n8, new Target { F = d, M = m, N = n, Transposed = transposed }, maxParts, wide);
                return true;
            }

            var q1 = GC.AllocateUninitializedArray<double>(m * n, pinned: true);
            fixed (double* pq = q1)
            {
                Multiply(a, pp, n8, new Target { D = pq, M = m, N = n }, maxParts, wide);
                ClearPadding(g, ld, n8);
                var b = new Source { D = pq, M = m, N = n };
                if (!Factor(b, pg, px, pp, ld, n8, maxParts, wide, out _))
                {
                    return false;
                }

                Multiply(b, pp, n8, new Target { F = d, M = m, N = n, Transposed = transposed }, maxParts, wide);
            }

            return true;
        }
    }

    /// <summary>Zeroes columns [n8, ld) of G's n8 + 6 rows: the Gram kernels write every entry on and above the diagonal
    /// below column n8 (zero from column n on, as the packed A is), and the 16-wide Cholesky tiles read up to 15 columns
    /// past n, which must be finite (zero keeps R zero there). The rest of G need not be cleared: the first chunk of
    /// rows starts the Gram sums from +0.</summary>
    private static void ClearPadding(double[] g, int ld, int n8)
    {
        for (var r = 0; r < n8 + Mr; r++)
        {
            Array.Clear(g, (r * ld) + n8, ld - n8);
        }
    }

    /// <summary>G = AᵀA into <paramref name="g"/>, R (upper, in place of G) and X = R⁻¹ into <paramref name="x"/> (zero
    /// below the diagonal) and packed for the multiplication into <paramref name="panels"/>; false when a pivot is not
    /// positive. <paramref name="kappaSq"/>: the estimate of κ(A)².</summary>
    private static bool Factor(Source a, double* g, double* x, double* panels, int ld, int n8, int maxParts, bool wide, out double kappaSq)
    {
        kappaSq = double.PositiveInfinity;
        Gram(a, g, ld, n8, maxParts, wide);
        if (!Cholesky(g, ld, a.N, maxParts, wide))
        {
            return false;
        }

        var vw = Scratch(ref t_power, 2 * a.N);
        fixed (double* v = vw)
        {
            // ‖A‖₂ = ‖R‖₂ from below (times 1.25 for safety), ‖A⁺‖₂ = ‖X‖₂ ≤ ‖X‖_F from above.
            var normSq = InvertUpper(g, x, panels, ld, n8, a.N, v, maxParts, wide);
            kappaSq = 1.25 * 1.25 * normSq * FrobeniusSq(x, ld, a.N);
        }

        return double.IsFinite(kappaSq);
    }

    // ---- G = AᵀA ----------------------------------------------------------------------------------------------------

    private struct Source
    {
        public float* F;          // float data: A[i, k] = F[i·N + k], or F[k·M + i] when Transposed
        public double* D;         // or double row-major: A[i, k] = D[i·N + k]
        public int M;
        public int N;
        public bool Transposed;
    }

    private struct Target
    {
        public float* F;          // float data: Q[i, j] to F[i·N + j], or F[j·M + i] when Transposed
        public double* D;         // or double row-major
        public int M;
        public int N;
        public bool Transposed;
    }

    private struct GramWork
    {
        public Source A;
        public double* G;
        public int Ld;
        public int N8;
        public int Rows; // rows of A per packed chunk
        public bool Wide; // AVX-512 kernels
    }

    private static void Gram(Source a, double* g, int ld, int n8, int maxParts, bool wide)
    {
        var panelCount = n8 / Nr;
        var w = new GramWork
        {
            A = a,
            G = g,
            Ld = ld,
            N8 = n8,
            Rows = Math.Clamp((512 * 1024 / (8 * n8)) & ~3, 16, 512), // a packed chunk of about 512 KiB (half of L2)
            Wide = wide,
        };
        var work = (long)a.M * n8 * n8 / 2;
        var parts = Math.Min(Math.Max(1, maxParts), Math.Min(panelCount, WorkSplit.Parts(work, MinWorkPerPart)));
        WorkSplit.Run(&GramPart, &w, parts);
    }

    /// <summary>Part p of the Gram matrix: the column panels [k0, k1) of its upper triangle (by equal shares of tiles),
    /// over every row of A, packing the panels it reads itself (AVX2: 6 × 8 tiles of 6-row blocks against 8-column
    /// panels; AVX-512: <see cref="GramPartWide"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GramPart(void* context, int part, int parts)
    {
        var w = (GramWork*)context;
        var panelCount = w->N8 / Nr;
        var k0 = TriangleSplit(panelCount, part, parts);
        var k1 = TriangleSplit(panelCount, part + 1, parts);
        if (k0 >= k1)
        {
            return;
        }

        if (w->Wide)
        {
            GramPartWide(w, k0, k1);
            return;
        }

        var tileRows = (w->A.N + Mr - 1) / Mr;
        var aBlocks = Math.Min(tileRows, ((k1 * Nr) + Mr - 1) / Mr); // row blocks of 6 that meet panels below k1
        var rowsMax = w->Rows;
        var buffer = Scratch(ref t_gramPack, (k1 * Nr * rowsMax) + (aBlocks * Mr * rowsMax));
        fixed (double* p = buffer)
        {
            var pa = p + ((long)k1 * Nr * rowsMax);
            for (var i0 = 0; i0 < w->A.M; i0 += rowsMax)
            {
                var rows = Math.Min(rowsMax, w->A.M - i0);
                PackColumnPanels(w->A, i0, rows, k0, k1, Nr, p); // its own panels, at p + k·rows·8
                PackColumnPanels(w->A, i0, rows, 0, aBlocks, Mr, pa);
                // Row blocks outer (their packed rows stay in L1 while the panels stream from L2), panels inner.
                var tilesMax = Math.Min(tileRows, (((k1 - 1) * Nr) + Nr + Mr - 1) / Mr);
                for (var t = 0; t < tilesMax; t++)
                {
                    var at = pa + ((long)t * rows * Mr);
                    for (var k = k0; k < k1; k++)
                    {
                        var tiles = Math.Min(tileRows, ((k * Nr) + Nr + Mr - 1) / Mr); // row blocks that start at or before column 8k + 7
                        if (tiles <= t)
                        {
                            continue;
                        }

                        var b = p + ((long)k * rows * Nr);
                        var c = w->G + ((long)t * Mr * w->Ld) + (k * Nr);
                        Tile(at, Mr, b, Nr, rows, c, w->Ld, accumulate: i0 > 0);
                    }
                }
            }
        }
    }

    /// <summary>The AVX-512 form of <see cref="GramPart"/>: G's rows in blocks of 8 that are A's packed 8-column panels
    /// themselves, so one layout serves both sides of AᵀA (the 6-row blocks of the AVX2 form were a second packing of
    /// almost all of A in every part). Panel k of G takes its blocks t ≤ k two at a time (16 × 8 tiles) and the last one
    /// alone. Every entry is the same FMA chain over the rows as in the AVX2 form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GramPartWide(GramWork* w, int k0, int k1)
    {
        var rowsMax = w->Rows;
        var buffer = Scratch(ref t_gramPack, (long)k1 * Nr * rowsMax);
        fixed (double* p = buffer)
        {
            for (var i0 = 0; i0 < w->A.M; i0 += rowsMax)
            {
                var rows = Math.Min(rowsMax, w->A.M - i0);
                PackColumnPanels(w->A, i0, rows, 0, k1, Nr, p); // panels [0, k1): its own and the row blocks below them
                var accumulate = i0 > 0;
                for (var t = 0; t < k1; t += 2)
                {
                    var at = p + ((long)t * rows * Nr);
                    for (var k = Math.Max(k0, t); k < k1; k++)
                    {
                        var b = p + ((long)k * rows * Nr);
                        var c = w->G + ((long)t * Nr * w->Ld) + (k * Nr);
                        if (t + 1 <= k)
                        {
                            Tile16x8(at, at + (rows * Nr), b, rows, c, w->Ld, accumulate);
                        }
                        else
                        {
                            Tile8x8(at, b, rows, c, w->Ld, accumulate);
                        }
                    }
                }
            }
        }
    }

    /// <summary>First column panel of part <paramref name="part"/> when panel k costs k + 1 tiles.</summary>
    private static int TriangleSplit(int panelCount, int part, int parts)
    {
        if (part >= parts)
        {
            return panelCount;
        }

        var total = (long)panelCount * (panelCount + 1) / 2;
        var target = total * part / parts;
        long sum = 0;
        var k = 0;
        while (k < panelCount && sum + k + 1 <= target)
        {
            sum += k + 1;
            k++;
        }

        return k;
    }

    /// <summary>Rows [i0, i0 + rows) of A, columns [width·p0, width·p1), as column panels of the given width:
    /// dst[(p·rows + i)·width + c] = A[i0 + i, width·p + c] for p in [p0, p1) (zero beyond column n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackColumnPanels(Source a, int i0, int rows, int p0, int p1, int width, double* dst)
    {
        var n = a.N;
        for (var p = p0; p < p1; p++)
        {
            var c0 = p * width;
            var valid = Math.Min(width, n - c0);
            var panel = dst + ((long)p * rows * width);
            if (a.F != null && a.Transposed)
            {
                for (var c = 0; c < width; c++)
                {
                    var o = panel + c;
                    if (c >= valid)
                    {
                        for (var i = 0; i < rows; i++, o += width)
                        {
                            *o = 0;
                        }

                        continue;
                    }

                    var src = a.F + ((long)(c0 + c) * a.M) + i0;
                    for (var i = 0; i < rows; i++, o += width)
                    {
                        *o = src[i];
                    }
                }

                continue;
            }

            for (var i = 0; i < rows; i++)
            {
                var o = panel + (i * width);
                var row = (long)(i0 + i) * n;
                if (valid == Nr && width == Nr && a.F != null)
                {
                    var s = a.F + row + c0;
                    Avx.Store(o, Avx.ConvertToVector256Double(Sse.LoadVector128(s)));
                    Avx.Store(o + 4, Avx.ConvertToVector256Double(Sse.LoadVector128(s + 4)));
                }
                else if (valid == Mr && width == Mr && a.F != null)
                {
                    var s = a.F + row + c0; // four floats, then two (as one 64-bit load): exact conversions
                    Avx.Store(o, Avx.ConvertToVector256Double(Sse.LoadVector128(s)));
                    Sse2.Store(o + 4, Sse2.ConvertToVector128Double(Sse2.LoadScalarVector128((double*)(s + 4)).AsSingle()));
                }
                else if (a.F != null)
                {
                    var s = a.F + row + c0;
                    for (var c = 0; c < width; c++)
                    {
                        o[c] = c < valid ? s[c] : 0;
                    }
                }
                else if (valid == width)
                {
                    var s = a.D + row + c0; // width 8 or 6: four doubles, then the rest
                    Vector256.Store(Vector256.Load(s), o);
                    if (width == Nr)
                    {
                        Vector256.Store(Vector256.Load(s + 4), o + 4);
                    }
                    else
                    {
                        Vector128.Store(Vector128.Load(s + 4), o + 4);
                    }
                }
                else
                {
                    var s = a.D + row + c0;
                    for (var c = 0; c < width; c++)
                    {
                        o[c] = c < valid ? s[c] : 0;
                    }
                }
            }
        }
    }

    // ---- the 6 × 8 tile kernel ----------------------------------------------------------------------------------------

    /// <summary>C[r, 0..8) (+)= Σ_s a[s·aStep + r]·b[s·bStep + 0..8) for r in 0..6, each entry one sequential FMA chain over s
    /// starting from C's value (<paramref name="accumulate"/>) or from +0. Twelve accumulators: enough independent FMAs
    /// to cover their latency on two pipes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(double* a, int aStep, double* b, int bStep, int count, double* c, int ldc, bool accumulate)
    {
        Vector256<double> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        var c2 = c + (2 * ldc);
        var c4 = c + (4 * ldc);
        if (accumulate)
        {
            c00 = Avx.LoadVector256(c);
            c01 = Avx.LoadVector256(c + 4);
            c10 = Avx.LoadVector256(c + ldc);
            c11 = Avx.LoadVector256(c + ldc + 4);
            c20 = Avx.LoadVector256(c2);
            c21 = Avx.LoadVector256(c2 + 4);
            c30 = Avx.LoadVector256(c2 + ldc);
            c31 = Avx.LoadVector256(c2 + ldc + 4);
            c40 = Avx.LoadVector256(c4);
            c41 = Avx.LoadVector256(c4 + 4);
            c50 = Avx.LoadVector256(c4 + ldc);
            c51 = Avx.LoadVector256(c4 + ldc + 4);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = Vector256<double>.Zero;
        }

        for (var s = 0; s < count; s++)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 4);
            var a0 = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(a0, b0, c00);
            c01 = Fma.MultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(a1, b0, c10);
            c11 = Fma.MultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(a2, b0, c20);
            c21 = Fma.MultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(a3, b0, c30);
            c31 = Fma.MultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(a4, b0, c40);
            c41 = Fma.MultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(a5, b0, c50);
            c51 = Fma.MultiplyAdd(a5, b1, c51);
            a += aStep;
            b += bStep;
        }

        Avx.Store(c, c00);
        Avx.Store(c + 4, c01);
        Avx.Store(c + ldc, c10);
        Avx.Store(c + ldc + 4, c11);
        Avx.Store(c2, c20);
        Avx.Store(c2 + 4, c21);
        Avx.Store(c2 + ldc, c30);
        Avx.Store(c2 + ldc + 4, c31);
        Avx.Store(c4, c40);
        Avx.Store(c4 + 4, c41);
        Avx.Store(c4 + ldc, c50);
        Avx.Store(c4 + ldc + 4, c51);
    }

    // ---- Cholesky, inverse, condition estimate -------------------------------------------------------------------------

    private struct InvertWork
    {
        public double* R;
        public double* X;
        public int Ld;
        public int N;
        public bool Wide;   // AVX-512 kernels
        public double* V;   // 2n scratch entries for the power iteration
        public int Next;    // next task to claim: 0 is the power iteration, t ≥ 1 the column block (blocks − t)
        public double NormSq; // the power iteration's estimate of ‖R‖₂²
        public double* Panels; // X packed for the multiplication (PackInversePanel)
        public int N8;
    }

    /// <summary>X = R⁻¹ (upper; x must be zero below the diagonal), and the power iteration's ‖R‖₂² (returned), which
    /// needs only R: the 32-column blocks of X are independent, so the parts claim tasks from a shared counter, the
    /// power iteration first, then the blocks from the last (the largest) down. Each task's arithmetic is the same
    /// whichever thread runs it. A block's thread also packs its four column panels for the multiplication while they
    /// are in its cache.</summary>
    private static double InvertUpper(double* r, double* x, double* panels, int ld, int n8, int n, double* v, int maxParts, bool wide)
    {
        var w = new InvertWork { R = r, X = x, Ld = ld, N = n, Wide = wide, V = v, Panels = panels, N8 = n8 };
        var blocks = (n + Block - 1) / Block;
        var work = ((long)n * n * n / 6) + ((long)PowerSteps * n * n);
        var parts = Math.Min(Math.Max(1, maxParts), Math.Min(blocks + 1, WorkSplit.Parts(work, MinWorkPerPart)));
        WorkSplit.Run(&InvertPart, &w, parts);
        return w.NormSq;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InvertPart(void* context, int part, int parts)
    {
        var w = (InvertWork*)context;
        var blocks = (w->N + Block - 1) / Block;
        var packed = Scratch(ref t_invertPack, (Mr * w->N) + (2 * Mr * Nr));
        fixed (double* pk = packed)
        {
            int task;
            while ((task = Interlocked.Increment(ref w->Next) - 1) <= blocks)
            {
                if (task == 0)
                {
                    w->NormSq = PowerNormSq(w->R, w->Ld, w->N, w->V, w->V + w->N);
                }
                else
                {
                    var block = blocks - task;
                    InvertBlock(w, block, pk, pk + (Mr * w->N));
                    for (var jp = block * (Block / Nr); jp < Math.Min((block + 1) * (Block / Nr), w->N8 / Nr); jp++)
                    {
                        PackInversePanel(w->X, w->Ld, w->N, w->N8, jp, w->Panels);
                    }
                }
            }
        }
    }

    /// <summary>Columns [k0, e) = [32b, min(n, 32b + 32)) of X, panels of six rows [j0, j1) from the last up:
    /// X[j, k] ← −Σ_{j1≤i&lt;e} R[j, i]·X[i, k] (tile kernel), then row by row from j1 − 1 down,
    /// X[j, k] ← (X[j, k] − Σ_{j&lt;i&lt;j1} R[j, i]·X[i, k]) / R[j, j] for k &gt; j, X[j, j] = 1/R[j, j], zero left of the
    /// diagonal. Terms with i &gt; k are exact zeros, so the split into blocks and parts does not change any value.
    /// <paramref name="pk"/>: 6n scratch entries; <paramref name="tile"/>: 6 × 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InvertBlock(InvertWork* w, int block, double* pk, double* tile)
    {
        var n = w->N;
        var ld = w->Ld;
        var k0 = block * Block;
        var end = Math.Min(n, k0 + Block);
        for (var j1 = end; j1 > 0; j1 -= Mr)
        {
            var j0 = Math.Max(0, j1 - Mr);
            var rows = j1 - j0;
            var count = end - j1;
            if (count > 0)
            {
                // R[j0 + r, j1 + s] as pk[6s + r] (rows past the panel as zeros), then the tile sums 8 (16) columns at a time.
                if (rows == Mr)
                {
                    TransposeRows6(w->R + ((long)j0 * ld) + j1, ld, count, pk);
                }
                else
                {
                    for (var sIdx = 0; sIdx < count; sIdx++)
                    {
                        for (var r = 0; r < Mr; r++)
                        {
                            pk[(sIdx * Mr) + r] = r < rows ? w->R[((long)(j0 + r) * ld) + j1 + sIdx] : 0;
                        }
                    }
                }

                if (w->Wide)
                {
                    for (var q = k0; q < k0 + Block; q += 2 * Nr)
                    {
                        Tile6x16(pk, Mr, w->X + ((long)j1 * ld) + q, ld, count, tile, 2 * Nr, accumulate: false);
                        for (var r = 0; r < rows; r++)
                        {
                            var o = w->X + ((long)(j0 + r) * ld) + q;
                            (Vector512<double>.Zero - Vector512.Load(tile + (r * 2 * Nr))).Store(o);
                            (Vector512<double>.Zero - Vector512.Load(tile + (r * 2 * Nr) + Nr)).Store(o + Nr);
                        }
                    }
                }
                else
                {
                    for (var q = k0; q < k0 + Block; q += Nr)
                    {
                        Tile(pk, Mr, w->X + ((long)j1 * ld) + q, ld, count, tile, Nr, accumulate: false);
                        for (var r = 0; r < rows; r++)
                        {
                            var o = w->X + ((long)(j0 + r) * ld) + q;
                            Avx.Store(o, Avx.Subtract(Vector256<double>.Zero, Avx.LoadVector256(tile + (r * Nr))));
                            Avx.Store(o + 4, Avx.Subtract(Vector256<double>.Zero, Avx.LoadVector256(tile + (r * Nr) + 4)));
                        }
                    }
                }
            }
            else
            {
                for (var r = 0; r < rows; r++)
                {
                    new Span<double>(w->X + ((long)(j0 + r) * ld) + k0, Block).Clear();
                }
            }

            for (var j = j1 - 1; j >= j0; j--)
            {
                var rj = w->R + ((long)j * ld);
                var xj = w->X + ((long)j * ld);
                for (var i = j + 1; i < j1; i++)
                {
                    var s = Vector256.Create(rj[i]);
                    var xi = w->X + ((long)i * ld);
                    for (var k = k0; k < k0 + Block; k += 4)
                    {
                        Avx.Store(xj + k, Fma.MultiplyAddNegated(s, Avx.LoadVector256(xi + k), Avx.LoadVector256(xj + k)));
                    }
                }

                var rjj = rj[j];
                DivideRange(xj, Math.Max(k0, j + 1), end, rjj);
                if (j >= k0)
                {
                    for (var k = k0; k < j; k++)
                    {
                        xj[k] = 0; // below the diagonal
                    }

                    xj[j] = 1.0 / rjj;
                }
            }
        }
    }

    /// <summary>Six rows of doubles (row stride ld) as one row panel: o[s·6 + r] = src[r·ld + s] for s &lt; count. Four
    /// columns at a time: a 4 × 4 transpose of rows 0..3 and the pairs of rows 4 and 5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeRows6(double* src, int ld, int count, double* o)
    {
        var s = 0;
        for (; s + 4 <= count; s += 4, o += 4 * Mr)
        {
            var r0 = Avx.LoadVector256(src + s);
            var r1 = Avx.LoadVector256(src + ld + s);
            var r2 = Avx.LoadVector256(src + (2 * ld) + s);
            var r3 = Avx.LoadVector256(src + (3 * ld) + s);
            var r4 = Avx.LoadVector256(src + (4 * ld) + s);
            var r5 = Avx.LoadVector256(src + (5 * ld) + s);
            StoreColumns6x4(r0, r1, r2, r3, r4, r5, o);
        }

        for (; s < count; s++, o += Mr)
        {
            for (var r = 0; r < Mr; r++)
            {
                o[r] = src[((long)r * ld) + s];
            }
        }
    }

    /// <summary>Six rows of four doubles written as four 6-entry columns: o[6c + r] = r_r[c] (a 6 × 4 transpose).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreColumns6x4(Vector256<double> r0, Vector256<double> r1, Vector256<double> r2, Vector256<double> r3,
        Vector256<double> r4, Vector256<double> r5, double* o)
    {
        var t0 = Avx.UnpackLow(r0, r1);  // r0[0] r1[0] r0[2] r1[2]
        var t1 = Avx.UnpackHigh(r0, r1); // r0[1] r1[1] r0[3] r1[3]
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var u0 = Avx.UnpackLow(r4, r5);  // r4[0] r5[0] r4[2] r5[2]
        var u1 = Avx.UnpackHigh(r4, r5); // r4[1] r5[1] r4[3] r5[3]
        Avx.Store(o, Avx.Permute2x128(t0, t2, 0x20));
        Sse2.Store(o + 4, u0.GetLower());
        Avx.Store(o + 6, Avx.Permute2x128(t1, t3, 0x20));
        Sse2.Store(o + 10, u1.GetLower());
        Avx.Store(o + 12, Avx.Permute2x128(t0, t2, 0x31));
        Sse2.Store(o + 16, u0.GetUpper());
        Avx.Store(o + 18, Avx.Permute2x128(t1, t3, 0x31));
        Sse2.Store(o + 22, u1.GetUpper());
    }

    /// <summary>x[k] /= d for k in [from, to): four lanes at a time, then one by one (IEEE division, the same bits either way).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DivideRange(double* x, int from, int to, double d)
    {
        var k = from;
        var dv = Vector256.Create(d);
        for (; k + 4 <= to; k += 4)
        {
            (Vector256.Load(x + k) / dv).Store(x + k);
        }

        for (; k < to; k++)
        {
            x[k] /= d;
        }
    }

    /// <summary>‖R‖₂² of the upper-triangular R (n × n, row stride ld) estimated by <see cref="PowerSteps"/> steps of power
    /// iteration on RᵀR from a fixed start vector: a lower bound that converges to it (in value quickly, as the top
    /// singular values of a Gaussian matrix cluster). <paramref name="v"/> and <paramref name="w"/>: n scratch entries.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double PowerNormSq(double* t, int ld, int n, double* v, double* w)
    {
        for (var i = 0; i < n; i++)
        {
            v[i] = 1.0 + (0.5 * Math.Sin(i * 0.7548776662466927)); // fixed and generic
        }

        var lambda = 0.0;
        for (var step = 0; step < PowerSteps; step++)
        {
            var norm = Math.Sqrt(Dot(v, v, n));
            for (var i = 0; i < n; i++)
            {
                v[i] /= norm;
            }

            var i4 = 0;
            for (; i4 + 4 <= n; i4 += 4) // w = R v, four rows' sums interleaved
            {
                var ti = t + ((long)i4 * ld) + i4;
                Dots4(ti, ld + 1, v + i4, 1, n - i4, w + i4);
            }

            for (var i = i4; i < n; i++)
            {
                w[i] = Dot(t + ((long)i * ld) + i, v + i, n - i);
            }

            new Span<double>(v, n).Clear();
            var i0 = 0;
            for (; i0 + 4 <= n; i0 += 4) // v = Rᵀ w, four rows per pass over v (each v[c] the same chain over i)
            {
                AddRows4(t + ((long)i0 * ld), ld, i0, n, w + i0, v);
            }

            for (var i = i0; i < n; i++)
            {
                var ti = t + ((long)i * ld) + i;
                var vi = v + i;
                var s = Vector256.Create(w[i]);
                var len = n - i;
                var k = 0;
                for (; k + 4 <= len; k += 4)
                {
                    Avx.Store(vi + k, Fma.MultiplyAdd(s, Avx.LoadVector256(ti + k), Avx.LoadVector256(vi + k)));
                }

                for (; k < len; k++)
                {
                    vi[k] = Math.FusedMultiplyAdd(ti[k], w[i], vi[k]);
                }
            }

            lambda = Dot(w, w, n); // vᵀRᵀRv with ‖v‖ = 1
        }

        return lambda;
    }

    /// <summary>v[c] ← fma(R[i + q, c], w[q], v[c]) for q = 0, 1, 2, 3 in turn and every c ≥ i + q (R's rows i..i+3 from
    /// <paramref name="r"/>, row stride ld): the same chain per entry as four passes of one row each, with one load and
    /// store of v per four FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddRows4(double* r, int ld, int i, int n, double* w, double* v)
    {
        var r1 = r + ld;
        var r2 = r1 + ld;
        var r3 = r2 + ld;
        for (var c = i; c < i + 4; c++) // the triangular head: row q starts at column i + q
        {
            var x = Math.FusedMultiplyAdd(r[c], w[0], v[c]);
            x = c >= i + 1 ? Math.FusedMultiplyAdd(r1[c], w[1], x) : x;
            x = c >= i + 2 ? Math.FusedMultiplyAdd(r2[c], w[2], x) : x;
            v[c] = c >= i + 3 ? Math.FusedMultiplyAdd(r3[c], w[3], x) : x;
        }

        var s0 = Vector256.Create(w[0]);
        var s1 = Vector256.Create(w[1]);
        var s2 = Vector256.Create(w[2]);
        var s3 = Vector256.Create(w[3]);
        var k = i + 4;
        for (; k + 4 <= n; k += 4)
        {
            var x = Fma.MultiplyAdd(s0, Avx.LoadVector256(r + k), Avx.LoadVector256(v + k));
            x = Fma.MultiplyAdd(s1, Avx.LoadVector256(r1 + k), x);
            x = Fma.MultiplyAdd(s2, Avx.LoadVector256(r2 + k), x);
            Avx.Store(v + k, Fma.MultiplyAdd(s3, Avx.LoadVector256(r3 + k), x));
        }

        for (; k < n; k++)
        {
            var x = Math.FusedMultiplyAdd(r[k], w[0], v[k]);
            x = Math.FusedMultiplyAdd(r1[k], w[1], x);
            x = Math.FusedMultiplyAdd(r2[k], w[2], x);
            v[k] = Math.FusedMultiplyAdd(r3[k], w[3], x);
        }
    }

    /// <summary>Σ a[k]·b[k] over four fixed lanes, then the lanes and the tail in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Dot(double* a, double* b, int n) => FinishDot(Vector256<double>.Zero, a, b, 0, n);

    /// <summary>result[q] = Dot(a + q·aStride, b + q·bStride, len − q) for q &lt; 4 (rows i..i+3 of an upper triangle
    /// from their diagonals: aStride = ld + 1), as four interleaved chains (one chain alone waits on the FMA latency).
    /// Per row the lanes, the order and the tail are <see cref="Dot"/>'s, and so are the bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dots4(double* a, int aStride, double* b, int bStride, int len, double* result)
    {
        var a0 = a;
        var a1 = a0 + aStride;
        var a2 = a1 + aStride;
        var a3 = a2 + aStride;
        var b0 = b;
        var b1 = b0 + bStride;
        var b2 = b1 + bStride;
        var b3 = b2 + bStride;
        var acc0 = Vector256<double>.Zero;
        var acc1 = Vector256<double>.Zero;
        var acc2 = Vector256<double>.Zero;
        var acc3 = Vector256<double>.Zero;
        var k = 0;
        for (; k + 4 <= len - 3; k += 4) // every row has four more entries
        {
            acc0 = Fma.MultiplyAdd(Avx.LoadVector256(a0 + k), Avx.LoadVector256(b0 + k), acc0);
            acc1 = Fma.MultiplyAdd(Avx.LoadVector256(a1 + k), Avx.LoadVector256(b1 + k), acc1);
            acc2 = Fma.MultiplyAdd(Avx.LoadVector256(a2 + k), Avx.LoadVector256(b2 + k), acc2);
            acc3 = Fma.MultiplyAdd(Avx.LoadVector256(a3 + k), Avx.LoadVector256(b3 + k), acc3);
        }

        result[0] = FinishDot(acc0, a0, b0, k, len);
        result[1] = FinishDot(acc1, a1, b1, k, len - 1);
        result[2] = FinishDot(acc2, a2, b2, k, len - 2);
        result[3] = FinishDot(acc3, a3, b3, k, len - 3);
    }

    /// <summary>The rest of <see cref="Dot"/> from entry k with its lanes so far in <paramref name="acc"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double FinishDot(Vector256<double> acc, double* a, double* b, int k, int n)
    {
        for (; k + 4 <= n; k += 4)
        {
            acc = Fma.MultiplyAdd(Avx.LoadVector256(a + k), Avx.LoadVector256(b + k), acc);
        }

        var s = (acc.GetElement(0) + acc.GetElement(1)) + (acc.GetElement(2) + acc.GetElement(3));
        for (; k < n; k++)
        {
            s = Math.FusedMultiplyAdd(a[k], b[k], s);
        }

        return s;
    }

    /// <summary>Σ X[i, k]² over the upper triangle: ‖X‖_F², an upper bound of ‖X‖₂². The rows' sums as <see cref="Dot"/>
    /// gives them (four at a time), added in row order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double FrobeniusSq(double* x, int ld, int n)
    {
        var s = 0.0;
        var rows = stackalloc double[4];
        var i = 0;
        for (; i + 4 <= n; i += 4)
        {
            var xi = x + ((long)i * ld) + i;
            Dots4(xi, ld + 1, xi, ld + 1, n - i, rows);
            s += rows[0];
            s += rows[1];
            s += rows[2];
            s += rows[3];
        }

        for (; i < n; i++)
        {
            s += Dot(x + ((long)i * ld) + i, x + ((long)i * ld) + i, n - i);
        }

        return s;
    }

    /// <summary>Column panel J of X (upper, n × n, row stride ld) for the multiplication: dst[(J·n8 + k)·8 + c] = X[k, 8J + c]
    /// for k &lt; min(8J + 8, n), the rows <see cref="MultiplyPart"/> reads, zero left of the diagonal and beyond column n
    /// (X's entries there are not all written). Rows above the panel's diagonal block are copied whole, 4 lanes at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackInversePanel(double* x, int ld, int n, int n8, int jp, double* dst)
    {
        var c0 = jp * Nr;
        var full = c0 + Nr <= n;
        var rowsRead = Math.Min(c0 + Nr, n);
        var o = dst + ((long)jp * n8 * Nr);
        var src = x + c0;
        var k = 0;
        for (; k < c0 && full; k++, o += Nr, src += ld)
        {
            Vector256.Store(Vector256.Load(src), o);
            Vector256.Store(Vector256.Load(src + 4), o + 4);
        }

        for (; k < rowsRead; k++, o += Nr, src += ld)
        {
            for (var c = 0; c < Nr; c++)
            {
                o[c] = c0 + c < n && k <= c0 + c ? src[c] : 0;
            }
        }
    }

    // ---- Q = A·X ----------------------------------------------------------------------------------------------------

    private struct MultiplyWork
    {
        public Source A;
        public double* X; // packed by PackInversePanel
        public int N8;
        public Target Q;
        public int Blocks; // 6-row blocks of A
        public bool Wide; // AVX-512 kernels
        public int Next;  // next chunk of blocks to claim
    }

    private static void Multiply(Source a, double* xPanels, int n8, Target q, int maxParts, bool wide)
    {
        var w = new MultiplyWork { A = a, X = xPanels, N8 = n8, Q = q, Blocks = (a.M + Mr - 1) / Mr, Wide = wide };
        var work = (long)a.M * n8 * n8 / 2;
        var parts = Math.Min(Math.Max(1, maxParts), WorkSplit.Parts(work, MinWorkPerPart));
        WorkSplit.Run(&MultiplyPart, &w, parts);
    }

    /// <summary>Chunks of 8 row blocks (48 rows) of Q, claimed from a shared counter (so a thread that starts late, or is
    /// preempted on a shared machine, leaves its share to the others), each packed as row panels
    /// (dst[(b·n8 + k)·6 + r] = A[6b + r, k]) and then overwritten by its rows of Q; each tile's sum runs over
    /// k &lt; min(8J + 8, n) (X is upper triangular). With AVX-512, two row blocks at a time against the same 8 columns.
    /// Every entry of Q is one tile's sum whichever thread computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyPart(void* context, int part, int parts)
    {
        const int BlocksPerChunk = 8;
        var w = (MultiplyWork*)context;
        var chunks = (w->Blocks + BlocksPerChunk - 1) / BlocksPerChunk;
        var n8 = w->N8;
        var n = w->A.N;
        var buffer = Scratch(ref t_multiplyPack, (BlocksPerChunk * Mr * n8) + (2 * Mr * Nr));
        fixed (double* p = buffer)
        {
            var tile = p + (BlocksPerChunk * Mr * n8);
            int chunk;
            while ((chunk = Interlocked.Increment(ref w->Next) - 1) < chunks)
            {
                var cb = chunk * BlocksPerChunk;
                var blocks = Math.Min(BlocksPerChunk, w->Blocks - cb);
                PackRowPanels(w->A, cb * Mr, blocks, n8, p);
                for (var jp = 0; jp < n8 / Nr; jp++)
                {
                    var count = Math.Min((jp * Nr) + Nr, n);
                    var xp = w->X + ((long)jp * n8 * Nr);
                    var b = 0;
                    for (; w->Wide && b + 2 <= blocks; b += 2)
                    {
                        var ab = p + ((long)b * n8 * Mr);
                        Tile12x8(ab, ab + (n8 * Mr), Mr, xp, Nr, count, tile, Nr, accumulate: false);
                        StoreTile(w->Q, tile, (cb + b) * Mr, jp * Nr);
                        StoreTile(w->Q, tile + (Mr * Nr), (cb + b + 1) * Mr, jp * Nr);
                    }

                    for (; b < blocks; b++)
                    {
                        Tile(p + ((long)b * n8 * Mr), Mr, xp, Nr, count, tile, Nr, accumulate: false);
                        StoreTile(w->Q, tile, (cb + b) * Mr, jp * Nr);
                    }
                }
            }
        }
    }

    /// <summary>Rows [i0, i0 + 6·blocks) of A as row panels of 6: dst[(b·n8 + k)·6 + r] = A[i0 + 6b + r, k] (zero beyond row m or column n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackRowPanels(Source a, int i0, int blocks, int n8, double* dst)
    {
        var n = a.N;
        for (var b = 0; b < blocks; b++)
        {
            var o = dst + ((long)b * n8 * Mr);
            if (a.F != null && !a.Transposed && i0 + ((b + 1) * Mr) <= a.M)
            {
                PackRowBlock(a.F + ((long)(i0 + (b * Mr)) * n), n, n8, o);
                continue;
            }

            for (var r = 0; r < Mr; r++)
            {
                var i = i0 + (b * Mr) + r;
                if (i >= a.M)
                {
                    for (var k = 0; k < n8; k++)
                    {
                        o[(k * Mr) + r] = 0;
                    }

                    continue;
                }

                if (a.F != null && !a.Transposed)
                {
                    var s = a.F + ((long)i * n);
                    for (var k = 0; k < n; k++)
                    {
                        o[(k * Mr) + r] = s[k];
                    }
                }
                else if (a.F != null)
                {
                    for (var k = 0; k < n; k++)
                    {
                        o[(k * Mr) + r] = a.F[((long)k * a.M) + i];
                    }
                }
                else
                {
                    var s = a.D + ((long)i * n);
                    for (var k = 0; k < n; k++)
                    {
                        o[(k * Mr) + r] = s[k];
                    }
                }

                for (var k = n; k < n8; k++)
                {
                    o[(k * Mr) + r] = 0;
                }
            }
        }
    }

    /// <summary>Six float rows (row stride n) as one row panel: o[k·6 + r] = s[r·n + k] for k &lt; n, zero up to n8. Four
    /// columns at a time: six 4-float loads converted to double, transposed to four 6-entry columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackRowBlock(float* s, int n, int n8, double* o)
    {
        var k = 0;
        for (; k + 4 <= n; k += 4, o += 4 * Mr)
        {
            var r0 = Avx.ConvertToVector256Double(Sse.LoadVector128(s + k));
            var r1 = Avx.ConvertToVector256Double(Sse.LoadVector128(s + n + k));
            var r2 = Avx.ConvertToVector256Double(Sse.LoadVector128(s + (2 * n) + k));
            var r3 = Avx.ConvertToVector256Double(Sse.LoadVector128(s + (3 * n) + k));
            var r4 = Avx.ConvertToVector256Double(Sse.LoadVector128(s + (4 * n) + k));
            var r5 = Avx.ConvertToVector256Double(Sse.LoadVector128(s + (5 * n) + k));
            StoreColumns6x4(r0, r1, r2, r3, r4, r5, o);
        }

        for (; k < n8; k++, o += Mr)
        {
            for (var r = 0; r < Mr; r++)
            {
                o[r] = k < n ? s[((long)r * n) + k] : 0;
            }
        }
    }

    /// <summary>Writes the valid part of a 6 × 8 tile (row stride 8) at rows i0.., columns j0.. of the target.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreTile(Target q, double* tile, int i0, int j0)
    {
        var rows = Math.Min(Mr, q.M - i0);
        var cols = Math.Min(Nr, q.N - j0);
        for (var r = 0; r < rows; r++)
        {
            var t = tile + (r * Nr);
            var i = i0 + r;
            if (q.D != null)
            {
                var o = q.D + ((long)i * q.N) + j0;
                for (var c = 0; c < cols; c++)
                {
                    o[c] = t[c];
                }
            }
            else if (q.Transposed)
            {
                for (var c = 0; c < cols; c++)
                {
                    q.F[((long)(j0 + c) * q.M) + i] = (float)t[c];
                }
            }
            else
            {
                var o = q.F + ((long)i * q.N) + j0;
                if (cols == Nr)
                {
                    Sse.Store(o, Avx.ConvertToVector128Single(Avx.LoadVector256(t)));
                    Sse.Store(o + 4, Avx.ConvertToVector128Single(Avx.LoadVector256(t + 4)));
                }
                else
                {
                    for (var c = 0; c < cols; c++)
                    {
                        o[c] = (float)t[c];
                    }
                }
            }
        }
    }
}
