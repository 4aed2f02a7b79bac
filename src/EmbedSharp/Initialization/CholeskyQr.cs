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
/// u·κ(A)² (u = 2⁻⁵³; Yamamoto, Nakatsukasa, Yanagisawa and Fukaya 2015), so κ is estimated from R and X by power
/// iteration: below <see cref="OnePassLimit"/> for u·κ² one pass is kept (its error stays under about 2⁻²⁹, against the
/// 2⁻²⁴ relative rounding of the float result); up to <see cref="TwoPassLimit"/> a second pass on Q₁ = A·X (CholeskyQR2)
/// brings it to the level of Householder's; above that (or when a pivot is not positive) the caller falls back.
/// Gaussian matrices are well conditioned: a tall 50000 × 300 one has κ ≈ 1.2, a square n × n one κ of the order of n.</para>
/// <para>Determinism: every entry of G, R, X and Q is one sequential sum in a fixed order (G's over the rows of A, Q's over
/// k); parallel parts only split tiles of the output, so the bits do not depend on the thread count or the blocking.
/// The kernels are 4 × 8 register tiles of AVX2/FMA double arithmetic over packed panels; without AVX2/FMA the caller's
/// Householder QR runs instead.</para>
/// </remarks>
internal static unsafe class CholeskyQr
{
    /// <summary>Below this n (the shorter side) Householder is used: the matrix is small and tiles would be mostly padding.</summary>
    internal const int MinColumns = 16;

    /// <summary>One pass when u·κ̂² is at most this (κ̂: the power-iteration estimate times a safety factor of 2).</summary>
    internal const double OnePassLimit = 1.0 / (1 << 26);

    /// <summary>Two passes when u·κ̂² is at most this; Householder above.</summary>
    internal const double TwoPassLimit = 1.0 / (1 << 10);

    private const double Unit = 1.1102230246251565e-16; // 2⁻⁵³
    private const int Nr = 8;   // columns of a tile and of a packed panel
    private const int Mr = 4;   // rows of a tile
    private const int PowerSteps = 10;
    private const long MinWorkPerPart = 1L << 20; // multiply-adds

    /// <summary>Replaces <paramref name="data"/>, a (rows, cols) row-major matrix, by torch's orthonormal factor (see
    /// <see cref="HouseholderQr.OrthonormalFactor"/>), and returns true; returns false with the data untouched when this
    /// method does not apply (no AVX2/FMA, small, Cholesky breakdown, too ill-conditioned). At most
    /// <paramref name="maxParts"/> threads; <paramref name="forcePasses"/> 1 or 2 skips the condition test (tests reach
    /// both paths with it), 0 decides.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryOrthonormalFactor(Span<float> data, int rows, int cols, int maxParts, int forcePasses = 0)
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

        var n8 = (n + Nr - 1) / Nr * Nr;
        var ld = n8 + Nr; // row stride of G, R and X: avoids 4 KiB aliasing when n8 is a multiple of 512
        var g = GC.AllocateArray<double>(n8 * ld, pinned: true);
        var x = GC.AllocateArray<double>(n8 * ld, pinned: true);
        var panels = GC.AllocateUninitializedArray<double>(n8 * n8, pinned: true);
        fixed (float* d = data)
        fixed (double* pg = g, px = x, pp = panels)
        {
            var a = new Source { F = d, M = m, N = n, Transposed = transposed };
            if (!Factor(a, pg, px, ld, n8, maxParts, out var kappaSq))
            {
                return false;
            }

            var passes = forcePasses != 0 ? forcePasses : Unit * kappaSq <= OnePassLimit ? 1 : 2;
            if (passes == 2 && !(Unit * kappaSq <= TwoPassLimit) && forcePasses == 0)
            {
                return false;
            }

            PackInverse(px, ld, n, n8, pp);
            if (passes == 1)
            {
                Multiply(a, pp, n8, new Target { F = d, M = m, N = n, Transposed = transposed }, maxParts);
                return true;
            }

            var q1 = GC.AllocateUninitializedArray<double>(m * n, pinned: true);
            fixed (double* pq = q1)
            {
                Multiply(a, pp, n8, new Target { D = pq, M = m, N = n }, maxParts);
                Array.Clear(g);
                Array.Clear(x);
                var b = new Source { D = pq, M = m, N = n };
                if (!Factor(b, pg, px, ld, n8, maxParts, out _))
                {
                    return false;
                }

                PackInverse(px, ld, n, n8, pp);
                Multiply(b, pp, n8, new Target { F = d, M = m, N = n, Transposed = transposed }, maxParts);
            }

            return true;
        }
    }

    /// <summary>G = AᵀA into <paramref name="g"/>, R (upper, in place of G) and X = R⁻¹ into <paramref name="x"/> (zero
    /// below the diagonal); false when a pivot is not positive. <paramref name="kappaSq"/>: the estimate of κ(A)².</summary>
    private static bool Factor(Source a, double* g, double* x, int ld, int n8, int maxParts, out double kappaSq)
    {
        kappaSq = double.PositiveInfinity;
        Gram(a, g, ld, n8, maxParts);
        if (!Cholesky(g, ld, a.N))
        {
            return false;
        }

        InvertUpper(g, x, ld, a.N);
        var sMax = PowerNormSq(g, ld, a.N);
        var sInvMax = PowerNormSq(x, ld, a.N);
        kappaSq = 4 * sMax * sInvMax; // (2·κ̂)²: power iteration approaches each norm from below
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
    }

    private static void Gram(Source a, double* g, int ld, int n8, int maxParts)
    {
        var panelCount = n8 / Nr;
        var w = new GramWork
        {
            A = a,
            G = g,
            Ld = ld,
            N8 = n8,
            Rows = Math.Clamp((512 * 1024 / (8 * n8)) & ~3, 16, 512), // a packed chunk of about 512 KiB (half of L2)
        };
        var work = (long)a.M * n8 * n8 / 2;
        var parts = Math.Min(Math.Max(1, maxParts), Math.Min(panelCount, WorkSplit.Parts(work, MinWorkPerPart)));
        WorkSplit.Run(&GramPart, &w, parts);
    }

    /// <summary>Part p of the Gram matrix: the column panels [k0, k1) of its upper triangle (by equal shares of tiles),
    /// over every row of A, packing the panels it reads itself.</summary>
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

        var tileRows = (w->A.N + Mr - 1) / Mr;
        var buffer = GC.AllocateUninitializedArray<double>(k1 * Nr * w->Rows, pinned: true);
        fixed (double* p = buffer)
        {
            for (var i0 = 0; i0 < w->A.M; i0 += w->Rows)
            {
                var rows = Math.Min(w->Rows, w->A.M - i0);
                PackColumnPanels(w->A, i0, rows, k1, p);
                for (var k = k0; k < k1; k++)
                {
                    var b = p + ((long)k * rows * Nr);
                    var tiles = Math.Min(tileRows, (2 * k) + 2);
                    for (var t = 0; t < tiles; t++)
                    {
                        var aPanel = p + ((long)(t >> 1) * rows * Nr) + ((t & 1) * Mr);
                        Tile(aPanel, Nr, b, rows, w->G + ((long)t * Mr * w->Ld) + (k * Nr), w->Ld, accumulate: true);
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

    /// <summary>Rows [i0, i0 + rows) of A, columns [0, 8·panelCount), as column panels: dst[(p·rows + i)·8 + c] =
    /// A[i0 + i, 8p + c] (zero beyond column n).</summary>
    private static void PackColumnPanels(Source a, int i0, int rows, int panelCount, double* dst)
    {
        var n = a.N;
        for (var p = 0; p < panelCount; p++)
        {
            var c0 = p * Nr;
            var width = Math.Min(Nr, n - c0);
            var panel = dst + ((long)p * rows * Nr);
            if (a.F != null && a.Transposed)
            {
                for (var c = 0; c < Nr; c++)
                {
                    if (c >= width)
                    {
                        for (var i = 0; i < rows; i++)
                        {
                            panel[(i * Nr) + c] = 0;
                        }

                        continue;
                    }

                    var src = a.F + ((long)(c0 + c) * a.M) + i0;
                    for (var i = 0; i < rows; i++)
                    {
                        panel[(i * Nr) + c] = src[i];
                    }
                }

                continue;
            }

            for (var i = 0; i < rows; i++)
            {
                var o = panel + (i * Nr);
                if (width == Nr && a.F != null)
                {
                    var s = a.F + ((long)(i0 + i) * n) + c0;
                    Avx.Store(o, Avx.ConvertToVector256Double(Sse.LoadVector128(s)));
                    Avx.Store(o + 4, Avx.ConvertToVector256Double(Sse.LoadVector128(s + 4)));
                }
                else if (width == Nr)
                {
                    var s = a.D + ((long)(i0 + i) * n) + c0;
                    Avx.Store(o, Avx.LoadVector256(s));
                    Avx.Store(o + 4, Avx.LoadVector256(s + 4));
                }
                else
                {
                    for (var c = 0; c < Nr; c++)
                    {
                        o[c] = c >= width ? 0 : a.F != null ? a.F[((long)(i0 + i) * n) + c0 + c] : a.D[((long)(i0 + i) * n) + c0 + c];
                    }
                }
            }
        }
    }

    // ---- the 4 × 8 tile kernel ----------------------------------------------------------------------------------------

    /// <summary>C[r, 0..8) (+)= Σ_s a[s·aStep + r]·b[8s + 0..8) for r in 0..4, each entry one sequential FMA chain over s
    /// starting from C's value (<paramref name="accumulate"/>) or from +0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(double* a, int aStep, double* b, int count, double* c, int ldc, bool accumulate)
    {
        Vector256<double> c00, c01, c10, c11, c20, c21, c30, c31;
        if (accumulate)
        {
            c00 = Avx.LoadVector256(c);
            c01 = Avx.LoadVector256(c + 4);
            c10 = Avx.LoadVector256(c + ldc);
            c11 = Avx.LoadVector256(c + ldc + 4);
            c20 = Avx.LoadVector256(c + (2 * ldc));
            c21 = Avx.LoadVector256(c + (2 * ldc) + 4);
            c30 = Avx.LoadVector256(c + (3 * ldc));
            c31 = Avx.LoadVector256(c + (3 * ldc) + 4);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = Vector256<double>.Zero;
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
            a += aStep;
            b += Nr;
        }

        Avx.Store(c, c00);
        Avx.Store(c + 4, c01);
        Avx.Store(c + ldc, c10);
        Avx.Store(c + ldc + 4, c11);
        Avx.Store(c + (2 * ldc), c20);
        Avx.Store(c + (2 * ldc) + 4, c21);
        Avx.Store(c + (3 * ldc), c30);
        Avx.Store(c + (3 * ldc) + 4, c31);
    }

    // ---- Cholesky, inverse, condition estimate -------------------------------------------------------------------------

    /// <summary>In place: the upper triangle of G (n × n, row stride ld) becomes R with G = RᵀR and R_jj &gt; 0, row by row:
    /// R[j, k] = (G[j, k] − Σ_{i&lt;j} R[i, j]·R[i, k]) / R[j, j]. False when a pivot is not positive (or NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Cholesky(double* g, int ld, int n)
    {
        for (var j = 0; j < n; j++)
        {
            var row = g + ((long)j * ld);
            var k = j;
            for (; k + 32 <= n; k += 32)
            {
                SubtractColumnDots(g, ld, j, 0, j, row + k, k);
            }

            for (; k + 4 <= n; k += 4)
            {
                var acc = Avx.LoadVector256(row + k);
                for (var i = 0; i < j; i++)
                {
                    var gi = g + ((long)i * ld);
                    acc = Fma.MultiplyAddNegated(Vector256.Create(gi[j]), Avx.LoadVector256(gi + k), acc);
                }

                Avx.Store(row + k, acc);
            }

            for (; k < n; k++)
            {
                var s = row[k];
                for (var i = 0; i < j; i++)
                {
                    var gi = g + ((long)i * ld);
                    s = Math.FusedMultiplyAdd(-gi[j], gi[k], s);
                }

                row[k] = s;
            }

            var d = row[j];
            if (!(d > 0) || !double.IsFinite(d))
            {
                return false;
            }

            var rjj = Math.Sqrt(d);
            row[j] = rjj;
            for (k = j + 1; k < n; k++)
            {
                row[k] /= rjj;
            }
        }

        return true;
    }

    /// <summary>dst[0..32) −= Σ_{i in [i0, i1)} m[i, col]·m[i, k..k+32) (m: row stride ld), each lane one chain over i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SubtractColumnDots(double* m, int ld, int col, int i0, int i1, double* dst, int k)
    {
        var a0 = Avx.LoadVector256(dst);
        var a1 = Avx.LoadVector256(dst + 4);
        var a2 = Avx.LoadVector256(dst + 8);
        var a3 = Avx.LoadVector256(dst + 12);
        var a4 = Avx.LoadVector256(dst + 16);
        var a5 = Avx.LoadVector256(dst + 20);
        var a6 = Avx.LoadVector256(dst + 24);
        var a7 = Avx.LoadVector256(dst + 28);
        for (var i = i0; i < i1; i++)
        {
            var mi = m + ((long)i * ld);
            var s = Vector256.Create(mi[col]);
            var r = mi + k;
            a0 = Fma.MultiplyAddNegated(s, Avx.LoadVector256(r), a0);
            a1 = Fma.MultiplyAddNegated(s, Avx.LoadVector256(r + 4), a1);
            a2 = Fma.MultiplyAddNegated(s, Avx.LoadVector256(r + 8), a2);
            a3 = Fma.MultiplyAddNegated(s, Avx.LoadVector256(r + 12), a3);
            a4 = Fma.MultiplyAddNegated(s, Avx.LoadVector256(r + 16), a4);
            a5 = Fma.MultiplyAddNegated(s, Avx.LoadVector256(r + 20), a5);
            a6 = Fma.MultiplyAddNegated(s, Avx.LoadVector256(r + 24), a6);
            a7 = Fma.MultiplyAddNegated(s, Avx.LoadVector256(r + 28), a7);
        }

        Avx.Store(dst, a0);
        Avx.Store(dst + 4, a1);
        Avx.Store(dst + 8, a2);
        Avx.Store(dst + 12, a3);
        Avx.Store(dst + 16, a4);
        Avx.Store(dst + 20, a5);
        Avx.Store(dst + 24, a6);
        Avx.Store(dst + 28, a7);
    }

    /// <summary>X = R⁻¹ (upper; x must be zero below the diagonal), rows from the last up:
    /// X[j, j] = 1/R[j, j], X[j, k] = −(Σ_{j&lt;i≤k} R[j, i]·X[i, k]) / R[j, j] for k &gt; j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InvertUpper(double* r, double* x, int ld, int n)
    {
        for (var j = n - 1; j >= 0; j--)
        {
            var rj = r + ((long)j * ld);
            var xj = x + ((long)j * ld);
            var k = j + 1;
            for (; k + 32 <= n; k += 32)
            {
                // X[i, k..k+32) is zero for i > k + 31, so the sum stops there; negate R's row through the accumulators.
                SubtractRowCombination(rj, x, ld, j + 1, Math.Min(n, k + 32), xj + k, k);
            }

            for (; k + 4 <= n; k += 4)
            {
                var acc = Vector256<double>.Zero;
                var end = Math.Min(n, k + 4);
                for (var i = j + 1; i < end; i++)
                {
                    acc = Fma.MultiplyAddNegated(Vector256.Create(rj[i]), Avx.LoadVector256(x + ((long)i * ld) + k), acc);
                }

                Avx.Store(xj + k, acc);
            }

            for (; k < n; k++)
            {
                var s = 0.0;
                for (var i = j + 1; i <= k; i++)
                {
                    s = Math.FusedMultiplyAdd(-rj[i], x[((long)i * ld) + k], s);
                }

                xj[k] = s;
            }

            var rjj = rj[j];
            for (k = j + 1; k < n; k++)
            {
                xj[k] /= rjj;
            }

            xj[j] = 1.0 / rjj;
        }
    }

    /// <summary>dst[0..32) = −Σ_{i in [i0, i1)} row[i]·x[i, k..k+32), each lane one chain over i from +0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SubtractRowCombination(double* row, double* x, int ld, int i0, int i1, double* dst, int k)
    {
        var a0 = Vector256<double>.Zero;
        var a1 = a0;
        var a2 = a0;
        var a3 = a0;
        var a4 = a0;
        var a5 = a0;
        var a6 = a0;
        var a7 = a0;
        for (var i = i0; i < i1; i++)
        {
            var s = Vector256.Create(row[i]);
            var r = x + ((long)i * ld) + k;
            a0 = Fma.MultiplyAddNegated(s, Avx.LoadVector256(r), a0);
            a1 = Fma.MultiplyAddNegated(s, Avx.LoadVector256(r + 4), a1);
            a2 = Fma.MultiplyAddNegated(s, Avx.LoadVector256(r + 8), a2);
            a3 = Fma.MultiplyAddNegated(s, Avx.LoadVector256(r + 12), a3);
            a4 = Fma.MultiplyAddNegated(s, Avx.LoadVector256(r + 16), a4);
            a5 = Fma.MultiplyAddNegated(s, Avx.LoadVector256(r + 20), a5);
            a6 = Fma.MultiplyAddNegated(s, Avx.LoadVector256(r + 24), a6);
            a7 = Fma.MultiplyAddNegated(s, Avx.LoadVector256(r + 28), a7);
        }

        Avx.Store(dst, a0);
        Avx.Store(dst + 4, a1);
        Avx.Store(dst + 8, a2);
        Avx.Store(dst + 12, a3);
        Avx.Store(dst + 16, a4);
        Avx.Store(dst + 20, a5);
        Avx.Store(dst + 24, a6);
        Avx.Store(dst + 28, a7);
    }

    /// <summary>‖T‖₂² of an upper-triangular T (n × n, row stride ld) estimated by <see cref="PowerSteps"/> steps of power
    /// iteration on TᵀT from a fixed start vector (a lower bound that converges to the norm).</summary>
    private static double PowerNormSq(double* t, int ld, int n)
    {
        var v = new double[n];
        var w = new double[n];
        for (var i = 0; i < n; i++)
        {
            v[i] = 1.0 + (0.5 * Math.Sin(i * 0.7548776662466927)); // fixed, not orthogonal to anything in particular
        }

        var lambda = 0.0;
        for (var step = 0; step < PowerSteps; step++)
        {
            var norm = Math.Sqrt(Dot(v, v));
            for (var i = 0; i < n; i++)
            {
                v[i] /= norm;
            }

            for (var i = 0; i < n; i++) // w = T v
            {
                var ti = t + ((long)i * ld);
                var s = 0.0;
                for (var k = i; k < n; k++)
                {
                    s = Math.FusedMultiplyAdd(ti[k], v[k], s);
                }

                w[i] = s;
            }

            Array.Clear(v);
            for (var i = 0; i < n; i++) // v = Tᵀ w
            {
                var ti = t + ((long)i * ld);
                var wi = w[i];
                for (var k = i; k < n; k++)
                {
                    v[k] = Math.FusedMultiplyAdd(ti[k], wi, v[k]);
                }
            }

            lambda = Dot(w, w); // vᵀTᵀTv with ‖v‖ = 1
        }

        return lambda;
    }

    private static double Dot(double[] a, double[] b)
    {
        var s = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            s = Math.FusedMultiplyAdd(a[i], b[i], s);
        }

        return s;
    }

    /// <summary>X (upper, n × n, row stride ld) as column panels: dst[(J·n8 + k)·8 + c] = X[k, 8J + c], zero outside.</summary>
    private static void PackInverse(double* x, int ld, int n, int n8, double* dst)
    {
        for (var jp = 0; jp < n8 / Nr; jp++)
        {
            for (var k = 0; k < n8; k++)
            {
                var o = dst + ((((long)jp * n8) + k) * Nr);
                for (var c = 0; c < Nr; c++)
                {
                    var col = (jp * Nr) + c;
                    o[c] = k < n && col < n && k <= col ? x[((long)k * ld) + col] : 0;
                }
            }
        }
    }

    // ---- Q = A·X ----------------------------------------------------------------------------------------------------

    private struct MultiplyWork
    {
        public Source A;
        public double* X; // packed by PackInverse
        public int N8;
        public Target Q;
        public int Blocks; // 4-row blocks of A
    }

    private static void Multiply(Source a, double* xPanels, int n8, Target q, int maxParts)
    {
        var w = new MultiplyWork { A = a, X = xPanels, N8 = n8, Q = q, Blocks = (a.M + Mr - 1) / Mr };
        var work = (long)a.M * n8 * n8 / 2;
        var parts = Math.Min(Math.Max(1, maxParts), WorkSplit.Parts(work, MinWorkPerPart));
        WorkSplit.Run(&MultiplyPart, &w, parts);
    }

    /// <summary>Part p: the 4-row blocks of Q in its range, 16 blocks (64 rows) packed at a time as row panels
    /// (dst[(b·n8 + k)·4 + r] = A[4b + r, k]); each tile's sum runs over k &lt; min(8J + 8, n) (X is upper triangular).</summary>
    private static void MultiplyPart(void* context, int part, int parts)
    {
        const int BlocksPerChunk = 16;
        var w = (MultiplyWork*)context;
        var (b0, b1) = WorkSplit.Range(w->Blocks, part, parts);
        var n8 = w->N8;
        var n = w->A.N;
        var buffer = GC.AllocateUninitializedArray<double>((BlocksPerChunk * Mr * n8) + (Mr * Nr), pinned: true);
        fixed (double* p = buffer)
        {
            var tile = p + (BlocksPerChunk * Mr * n8);
            for (var cb = (int)b0; cb < b1; cb += BlocksPerChunk)
            {
                var blocks = Math.Min(BlocksPerChunk, (int)b1 - cb);
                PackRowPanels(w->A, cb * Mr, blocks, n8, p);
                for (var jp = 0; jp < n8 / Nr; jp++)
                {
                    var count = Math.Min((jp * Nr) + Nr, n);
                    var xp = w->X + ((long)jp * n8 * Nr);
                    for (var b = 0; b < blocks; b++)
                    {
                        Tile(p + ((long)b * n8 * Mr), Mr, xp, count, tile, Nr, accumulate: false);
                        StoreTile(w->Q, tile, (cb + b) * Mr, jp * Nr);
                    }
                }
            }
        }
    }

    /// <summary>Rows [4·b0, 4·(b0 + blocks)) of A as row panels of 4: dst[(b·n8 + k)·4 + r] (zero beyond row m or column n).</summary>
    private static void PackRowPanels(Source a, int i0, int blocks, int n8, double* dst)
    {
        var n = a.N;
        for (var b = 0; b < blocks; b++)
        {
            var o = dst + ((long)b * n8 * Mr);
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

    /// <summary>Writes the valid part of a 4 × 8 tile (row stride 8) at rows i0.., columns j0.. of the target.</summary>
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
