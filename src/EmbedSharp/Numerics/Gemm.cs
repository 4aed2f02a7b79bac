using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

#pragma warning disable CS8500 // the work struct lives on the caller's stack, which waits

namespace EmbedSharp.Numerics;

/// <summary>How <see cref="Gemm"/> forms each step of an output's sum over k.</summary>
internal enum GemmMode
{
    /// <summary>Multiply, round, then add (no fused multiply-add): bit-identical to a sequential float sum over k.</summary>
    Exact,

    /// <summary>Fused multiply-add: one rounding per step, faster where the FMA units are the bottleneck.</summary>
    Fast,
}

/// <summary>
/// Single-precision general matrix multiply on row-major spans: <c>C ← α·op(A)·op(B) + β·C</c>, op(X) = X or Xᵀ.
/// BLAS: <c>sgemm</c> (as <c>cblas_sgemm(CblasRowMajor, …)</c>); the batched form is <c>sgemm_strided_batched</c>
/// (torch: <c>torch.baddbmm</c>, <c>torch.bmm</c> when α = 1, β = 0).
/// Shape: op(A) (m, k), op(B) (k, n), C (m, n). A is stored (m, k) with row stride lda ≥ k, or (k, m) with lda ≥ m when
/// transposed; B is stored (k, n) with ldb ≥ n, or (n, k) with ldb ≥ k when transposed; C (m, n) with ldc ≥ n. A larger
/// leading dimension selects a sub-matrix. C must not overlap A or B.
/// </summary>
/// <remarks>
/// <para>Order of operations, the same on every path: each output is one sequential chain over k,
/// <c>acc = β·c</c> (exactly +0 when β = 0, so NaN or ∞ already in C is ignored, as in BLAS), then for p = 0 … k−1
/// <list type="bullet">
/// <item><see cref="GemmMode.Exact"/>: <c>acc = acc + round(round(α·a[i, p])·b[p, j])</c>, the product rounded before the
/// add (no FMA). With α = 1 and β = 0 this is the reference BLAS's <c>sgemm</c> and so torch 1.13's <c>mm</c> on a netlib
/// build, bit for bit (tests/data/autograd/README.md);</item>
/// <item><see cref="GemmMode.Fast"/>: <c>acc = fma(round(α·a[i, p]), b[p, j], acc)</c>, one rounding per step, about
/// twice the throughput where adds and FMAs share ports, and within a tolerance of any BLAS.</item>
/// </list>
/// and <c>c = acc</c>. The kernels vectorise across the rows and columns of C, never across k, and carry each running sum
/// through C between k blocks, so the order is kept. With α = 0 or k = 0 A and B are not read and C becomes β·C. So the
/// result does not depend on the blocking, on the small-size path against the packed path, nor on the number of threads:
/// parallel parts only split the rows or columns of C (or the batch).</para>
/// <para>Large products pack a (KC, MC) block of α·op(A) and a (KC, NC) panel of op(B) into aligned per-thread scratch
/// (allocated once per thread, grown only for a wider B) and run a 6 × 16 register-blocked AVX2/FMA micro-kernel over
/// them, k blocked by KC (the method of Goto and van de Geijn, and of BLIS). Without AVX2/FMA hardware every size takes
/// the simple path, which gives the same bits (<see cref="MathF.FusedMultiplyAdd"/> in fast mode).</para>
/// </remarks>
internal static unsafe partial class Gemm
{
    /// <summary>Multiply-adds (m·n·k) below which the simple unpacked path runs. Measured on one Zen 3 core (squares,
    /// 1 thread): the packed path was already as fast at 8³ (2.0 against 1.8 GFLOP/s, call overhead dominating) and faster
    /// from 12³ on (6.0 against 2.4; 14.1 against 5.0 at 16³; far more when B is transposed), so only products below 8³
    /// skip packing.</summary>
    internal const long SmallWork = 8L * 8 * 8;

    /// <summary>Multiply-adds each parallel part should get at least.</summary>
    private const long MinWorkPerPart = 1L << 20;

    /// <summary>C ← α·op(A)·op(B) + β·C on up to <see cref="WorkSplit.MaxParts"/> threads. BLAS: sgemm.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative or a leading dimension is below the width.</exception>
    /// <exception cref="ArgumentException">A span is shorter than its matrix.</exception>
    public static void Multiply(GemmMode mode, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
        Multiply(mode, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, WorkSplit.MaxParts);

    /// <summary><see cref="Multiply(GemmMode, bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
    /// on at most <paramref name="maxParts"/> threads (tests compare 1 with the default), on the packed path whatever the
    /// size when <paramref name="forcePacked"/> (tests reach its edge tiles with small sizes).</summary>
    internal static void Multiply(GemmMode mode, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int maxParts,
        bool forcePacked = false) =>
        MultiplyBatched(mode, transA, transB, 1, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, maxParts, forcePacked);

    /// <summary>For each t in [0, batchCount): C_t ← α·op(A_t)·op(B_t) + β·C_t with X_t starting at t·strideX in its span.
    /// A stride of 0 uses one A (or B) for every batch entry; C entries must not overlap. BLAS: sgemm_strided_batched.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size or stride is negative, a leading dimension is below the
    /// width, or C entries overlap.</exception>
    /// <exception cref="ArgumentException">A span is shorter than its batch of matrices.</exception>
    public static void MultiplyBatched(GemmMode mode, bool transA, bool transB, int batchCount, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, long strideA, ReadOnlySpan<float> b, int ldb, long strideB,
        float beta, Span<float> c, int ldc, long strideC) =>
        MultiplyBatched(mode, transA, transB, batchCount, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC,
            WorkSplit.MaxParts);

    /// <summary>The batched multiply on at most <paramref name="maxParts"/> threads (<paramref name="forcePacked"/>: as
    /// in <see cref="Multiply(GemmMode, bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int, int, bool)"/>).</summary>
    internal static void MultiplyBatched(GemmMode mode, bool transA, bool transB, int batchCount, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, long strideA, ReadOnlySpan<float> b, int ldb, long strideB,
        float beta, Span<float> c, int ldc, long strideC, int maxParts, bool forcePacked = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batchCount);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(strideA);
        ArgumentOutOfRangeException.ThrowIfNegative(strideB);
        ArgumentOutOfRangeException.ThrowIfNegative(strideC);
        var reads = alpha != 0f && k > 0;
        CheckMatrix(a.Length, transA ? k : m, transA ? m : k, lda, strideA, reads ? batchCount : 0, "a", nameof(lda));
        CheckMatrix(b.Length, transB ? n : k, transB ? k : n, ldb, strideB, reads ? batchCount : 0, "b", nameof(ldb));
        CheckMatrix(c.Length, m, n, ldc, strideC, batchCount, "c", nameof(ldc));
        if (batchCount > 1 && m > 0 && n > 0 && strideC < ((long)(m - 1) * ldc) + n)
        {
            throw new ArgumentOutOfRangeException(nameof(strideC), strideC,
                $"C entries of ({m}, {n}) with ldc {ldc} overlap at stride {strideC}.");
        }

        if (batchCount == 0 || m == 0 || n == 0)
        {
            return;
        }

        fixed (float* pa = a, pb = b, pc = c)
        {
            var w = new Work
            {
                Exact = mode == GemmMode.Exact,
                TransA = transA,
                TransB = transB,
                M = m,
                N = n,
                K = k,
                Alpha = alpha,
                Beta = beta,
                A = pa,
                Lda = lda,
                StrideA = strideA,
                B = pb,
                Ldb = ldb,
                StrideB = strideB,
                C = pc,
                Ldc = ldc,
                StrideC = strideC,
                SmallWork = forcePacked ? 0 : SmallWork,
            };
            var work = (long)m * n * Math.Max(k, 1);
            var parts = Math.Min(Math.Max(1, maxParts), WorkSplit.Parts(work * batchCount, MinWorkPerPart));
            if (parts > 1 && batchCount >= parts)
            {
                w.Batches = batchCount;
                WorkSplit.Run(&BatchPart, &w, parts);
                return;
            }

            // Split one product over its rows, in whole micro-tiles, or over its columns when it is wider than tall. A row
            // split on the packed path shares each packed B panel between the threads (SharedRows); a column split packs
            // disjoint parts of B already (each thread packs the A blocks of its own, which are small when m < n).
            parts = Math.Min(Math.Max(1, maxParts), WorkSplit.Parts(work, MinWorkPerPart));
            w.SplitRows = m >= n;
            w.Tiles = w.SplitRows ? (m + MR - 1) / MR : (n + NR - 1) / NR;
            parts = (int)Math.Min(parts, w.Tiles);
            for (var t = 0; t < batchCount; t++)
            {
                w.Entry = t;
                if (parts <= 1)
                {
                    Product(ref w, t, 0, m, 0, n);
                }
                else if (w.SplitRows && TakesPackedPath(ref w))
                {
                    SharedRows(&w, parts);
                }
                else
                {
                    WorkSplit.Run(&TilePart, &w, parts);
                }
            }
        }
    }

    private static void CheckMatrix(int length, int rows, int cols, int ld, long stride, int batch, string name, string ldName)
    {
        if (ld < Math.Max(1, cols))
        {
            throw new ArgumentOutOfRangeException(ldName, ld, $"The leading dimension of {name} must be at least {Math.Max(1, cols)}.");
        }

        if (batch == 0 || rows == 0 || cols == 0)
        {
            return;
        }

        var need = (stride * (batch - 1)) + ((long)(rows - 1) * ld) + cols;
        if (length < need)
        {
            throw new ArgumentException(
                $"{name} has {length} elements; {batch} matrices of ({rows}, {cols}) with leading dimension {ld} and stride {stride} need {need}.",
                name);
        }
    }

    private struct Work
    {
        public bool Exact;
        public bool TransA;
        public bool TransB;
        public bool SplitRows;
        public int M;
        public int N;
        public int K;
        public int Tiles;
        public int Batches;
        public int Entry;
        public float Alpha;
        public float Beta;
        public float* A;
        public float* B;
        public float* C;
        public int Lda;
        public int Ldb;
        public int Ldc;
        public long StrideA;
        public long StrideB;
        public long StrideC;
        public long SmallWork;
        public float* Panel0;
        public float* Panel1;
        public int KBlocks;
        public int Blocks;
        public int Units;
        public int NextUnit;
        public int DoneUnits;
    }

    private static void BatchPart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<Work>(context);
        var (first, last) = WorkSplit.Range(w.Batches, part, parts);
        for (var t = (int)first; t < last; t++)
        {
            Product(ref w, t, 0, w.M, 0, w.N);
        }
    }

    private static void TilePart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<Work>(context);
        var (first, last) = WorkSplit.Range(w.Tiles, part, parts);
        if (w.SplitRows)
        {
            Product(ref w, w.Entry, (int)first * MR, (int)Math.Min(last * MR, w.M), 0, w.N);
        }
        else
        {
            Product(ref w, w.Entry, 0, w.M, (int)first * NR, (int)Math.Min(last * NR, w.N));
        }
    }

    /// <summary>Rows [r0, r1) and columns [c0, c1) of batch entry t.</summary>
    private static void Product(ref Work w, int t, int r0, int r1, int c0, int c1)
    {
        if (r0 >= r1 || c0 >= c1)
        {
            return;
        }

        var a = w.A + (w.StrideA * t);
        var b = w.B + (w.StrideB * t);
        var c = w.C + (w.StrideC * t);
        if (w.Alpha == 0f || w.K == 0)
        {
            ScaleC(c, w.Ldc, r0, r1, c0, c1, w.Beta);
        }
        else if (!Fma.IsSupported || !Avx.IsSupported || (long)w.M * w.N * w.K < w.SmallWork)
        {
            Simple(ref w, a, b, c, r0, r1, c0, c1);
        }
        else if (w.Exact)
        {
            Packed<ExactStep>(ref w, a, b, c, r0, r1, c0, c1);
        }
        else
        {
            Packed<FusedStep>(ref w, a, b, c, r0, r1, c0, c1);
        }
    }

    /// <summary>C ← β·C over a block (zeros when β = 0, whatever C held).</summary>
    private static void ScaleC(float* c, int ldc, int r0, int r1, int c0, int c1, float beta)
    {
        for (var i = r0; i < r1; i++)
        {
            var row = new Span<float>(c + ((long)i * ldc) + c0, c1 - c0);
            if (beta == 0f)
            {
                row.Clear();
            }
            else if (beta != 1f)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
            }
        }
    }

    /// <summary>The unpacked path: each row of C is scaled by β, then updated once per p with α·a[i, p] times op(B) row p
    /// (<c>c + round(s·b)</c> in exact mode, <c>fma(s, b, c)</c> in fast mode).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Simple(ref Work w, float* a, float* b, float* c, int r0, int r1, int c0, int c1)
    {
        ScaleC(c, w.Ldc, r0, r1, c0, c1, w.Beta);
        var width = c1 - c0;
        for (var i = r0; i < r1; i++)
        {
            var row = c + ((long)i * w.Ldc) + c0;
            for (var p = 0; p < w.K; p++)
            {
                var x = w.TransA ? a[((long)p * w.Lda) + i] : a[((long)i * w.Lda) + p];
                var s = w.Alpha * x;
                if (w.TransB)
                {
                    var col = b + ((long)c0 * w.Ldb) + p;
                    for (var j = 0; j < width; j++)
                    {
                        var y = col[(long)j * w.Ldb];
                        row[j] = w.Exact ? row[j] + (s * y) : MathF.FusedMultiplyAdd(s, y, row[j]);
                    }
                }
                else
                {
                    var brow = b + ((long)p * w.Ldb) + c0;
                    var j = 0;
                    if (Vector256.IsHardwareAccelerated)
                    {
                        var vs = Vector256.Create(s);
                        for (; j + 8 <= width; j += 8)
                        {
                            var y = Vector256.Load(brow + j);
                            var acc = Vector256.Load(row + j);
                            (w.Exact ? acc + (vs * y) : Vector256.FusedMultiplyAdd(vs, y, acc)).Store(row + j);
                        }
                    }

                    for (; j < width; j++)
                    {
                        row[j] = w.Exact ? row[j] + (s * brow[j]) : MathF.FusedMultiplyAdd(s, brow[j], row[j]);
                    }
                }
            }
        }
    }
}
