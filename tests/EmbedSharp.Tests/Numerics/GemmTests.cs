using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Numerics;

/// <summary>
/// Gemm against two references, in both modes. (1) Double precision: |c − ref| ≤ (2k + 3)·2⁻²⁴·(|α|·Σ_p |a_ip||b_pj| +
/// |β|·|c_ij|), the worst-case bound of a chain of k multiply-adds with up to two roundings each plus the roundings of α·a
/// and β·c (unit roundoff 2⁻²⁴). (2) The documented order itself, bit for bit on every path: a float chain acc = β·c (+0
/// when β = 0), then in k order acc = acc + (α·a)·b (exact mode, products rounded) or acc = fma(α·a, b, acc) (fast mode).
/// Entries of C outside the (m, n) window must stay untouched.
/// </summary>
public sealed class GemmTests
{
    private static readonly int[] EdgeSizes = [31, 32, 33, 63, 65, 127, 129];

    [Fact]
    public void Every_size_from_0_to_17_matches_both_references_on_both_paths_for_all_transposes()
    {
        var rng = new Random(15);
        foreach (var (ta, tb) in Transposes())
        {
            for (var m = 0; m <= 17; m++)
            {
                for (var n = 0; n <= 17; n++)
                {
                    for (var k = 0; k <= 17; k++)
                    {
                        var p = Problem.Make(rng, ta, tb, m, n, k, 1f, 0f, pad: 0);
                        p.Check(forcePacked: false);
                        p.Check(forcePacked: true);
                    }
                }
            }
        }
    }

    [Fact]
    public void Odd_sizes_around_tile_edges_match_for_all_transposes()
    {
        var rng = new Random(16);
        foreach (var (ta, tb) in Transposes())
        {
            foreach (var s in EdgeSizes)
            {
                Problem.Make(rng, ta, tb, s, s, s, 1f, 0f, pad: 0).Check();
                Problem.Make(rng, ta, tb, s, 17, 33, 0.5f, 1f, pad: 0).Check();
                Problem.Make(rng, ta, tb, 7, s, 65, -1.25f, 0.75f, pad: 2).Check();
                Problem.Make(rng, ta, tb, 65, 31, s, 1f, -2f, pad: 1).Check();
            }
        }
    }

    [Fact]
    public void Several_k_blocks_and_row_blocks_and_column_panels_are_covered()
    {
        var rng = new Random(17);
        foreach (var (ta, tb) in Transposes())
        {
            Problem.Make(rng, ta, tb, 150, 40, Gemm.KC + Gemm.KC + 9, 1f, 0.5f, pad: 3).Check(); // k blocks, MC blocks
            Problem.Make(rng, ta, tb, 13, Gemm.NC + 21, 5, 2f, 0f, pad: 1).Check(forcePacked: true); // two NC panels
        }
    }

    [Fact]
    public void Leading_dimensions_wider_than_the_matrix_select_a_sub_matrix_and_leave_the_rest()
    {
        var rng = new Random(18);
        foreach (var (ta, tb) in Transposes())
        {
            foreach (var pad in new[] { 1, 7, 16 })
            {
                Problem.Make(rng, ta, tb, 9, 11, 13, 1f, 1f, pad).Check(forcePacked: true);
                Problem.Make(rng, ta, tb, 9, 11, 13, 1f, 1f, pad).Check(forcePacked: false);
                Problem.Make(rng, ta, tb, 70, 45, 90, 0.25f, -1f, pad).Check();
            }
        }
    }

    [Fact]
    public void Beta_zero_ignores_nan_in_c_and_alpha_zero_or_empty_k_reads_neither_a_nor_b()
    {
        var rng = new Random(19);
        foreach (var (packed, mode) in new[] { (false, GemmMode.Exact), (true, GemmMode.Exact), (false, GemmMode.Fast), (true, GemmMode.Fast) })
        {
            var p = Problem.Make(rng, false, false, 20, 35, 40, 1f, 0f, pad: 2);
            p.C.AsSpan().Fill(float.NaN);
            p.Check(mode, packed);
            var got = p.Result(mode, packed);
            for (var i = 0; i < p.M; i++)
            {
                Assert.DoesNotContain(got.AsSpan(i * p.Ldc, p.N).ToArray(), float.IsNaN); // the padding keeps its NaN
            }
        }

        foreach (var beta in new[] { 0f, 1f, -3f })
        {
            var c = new float[] { 1f, float.NaN, 2f, 3f };
            var a = new float[] { float.NaN, float.PositiveInfinity };
            var b = new float[] { float.NaN, 1f, 2f, 3f };
            Gemm.Multiply(GemmMode.Exact, false, false, 2, 2, 1, 0f, a, 1, b, 2, beta, c, 2);
            Assert.Equal(beta == 0f ? [0f, 0f, 0f, 0f] : new[] { beta, float.NaN, 2f * beta, 3f * beta }, c);
            var c2 = new float[] { 1f, 2f, 3f, 4f };
            Gemm.Multiply(GemmMode.Fast, false, false, 2, 2, 0, 1f, [], 1, [], 2, beta, c2, 2);
            Assert.Equal(new[] { 1f * beta, 2f * beta, 3f * beta, 4f * beta }, c2);
        }
    }

    [Fact]
    public void Alpha_and_beta_scale_as_documented()
    {
        var rng = new Random(20);
        foreach (var (alpha, beta) in new[] { (1f, 1f), (-0.5f, 0f), (3f, 2.5f), (1e-3f, -1f) })
        {
            foreach (var (ta, tb) in Transposes())
            {
                Problem.Make(rng, ta, tb, 23, 29, 37, alpha, beta, pad: 1).Check(forcePacked: true);
                Problem.Make(rng, ta, tb, 23, 29, 37, alpha, beta, pad: 1).Check(forcePacked: false);
            }
        }
    }

    [Fact]
    public void Batched_entries_each_match_a_single_multiply_including_a_shared_operand()
    {
        var rng = new Random(21);
        foreach (var (ta, tb) in Transposes())
        {
            foreach (var (batch, m, n, k, shareB) in new[] { (5, 7, 9, 11, false), (3, 40, 33, 70, true), (9, 64, 64, 64, false) })
            {
                var single = Problem.Make(rng, ta, tb, m, n, k, 0.5f, 2f, pad: 1);
                var aLen = single.A.Length;
                var bLen = single.B.Length;
                var cLen = single.C.Length;
                var a = Fill(rng, aLen * batch);
                var b = Fill(rng, bLen * (shareB ? 1 : batch));
                var c = Fill(rng, cLen * batch);
                foreach (var mode in new[] { GemmMode.Exact, GemmMode.Fast })
                {
                    var expected = (float[])c.Clone();
                    for (var t = 0; t < batch; t++)
                    {
                        Gemm.Multiply(mode, ta, tb, m, n, k, 0.5f, a.AsSpan(t * aLen, aLen), single.Lda,
                            b.AsSpan(shareB ? 0 : t * bLen, bLen), single.Ldb, 2f, expected.AsSpan(t * cLen, cLen), single.Ldc, 1);
                    }

                    var got = (float[])c.Clone();
                    Gemm.MultiplyBatched(mode, ta, tb, batch, m, n, k, 0.5f, a, single.Lda, aLen, b, single.Ldb, shareB ? 0 : bLen,
                        2f, got, single.Ldc, cLen);
                    Assert.Equal(expected, got);
                }
            }
        }
    }

    [Fact]
    public void One_thread_and_all_threads_give_the_same_bits()
    {
        var rng = new Random(22);
        foreach (var (ta, tb) in Transposes())
        {
            foreach (var (m, n, k) in new[] { (301, 190, 300), (40, 700, 129), (257, 257, 257) })
            {
                var p = Problem.Make(rng, ta, tb, m, n, k, 1f, 0.5f, pad: 2);
                foreach (var mode in new[] { GemmMode.Exact, GemmMode.Fast })
                {
                    var one = (float[])p.C.Clone();
                    var all = (float[])p.C.Clone();
                    Gemm.Multiply(mode, ta, tb, m, n, k, 1f, p.A, p.Lda, p.B, p.Ldb, 0.5f, one, p.Ldc, maxParts: 1);
                    Gemm.Multiply(mode, ta, tb, m, n, k, 1f, p.A, p.Lda, p.B, p.Ldb, 0.5f, all, p.Ldc, maxParts: 2);
                    Assert.Equal(one, all);
                }
            }
        }

        // Two threads share each packed B panel: two NC column panels (so the double buffer turns over between column
        // panels, not only between k blocks), against one thread and against the documented chain.
        var wide = Problem.Make(rng, false, true, Gemm.NC + 7, Gemm.NC + 3, 2, 1f, 0.5f, pad: 0);
        foreach (var mode in new[] { GemmMode.Exact, GemmMode.Fast })
        {
            var one = (float[])wide.C.Clone();
            Gemm.Multiply(mode, false, true, wide.M, wide.N, wide.K, 1f, wide.A, wide.Lda, wide.B, wide.Ldb, 0.5f, one, wide.Ldc, maxParts: 1);
            var two = (float[])wide.C.Clone();
            Gemm.Multiply(mode, false, true, wide.M, wide.N, wide.K, 1f, wide.A, wide.Lda, wide.B, wide.Ldb, 0.5f, two, wide.Ldc, maxParts: 2);
            Assert.Equal(one, two);
            wide.Check(mode, forcePacked: false);
        }

        var batched = new float[2][];
        for (var parts = 1; parts <= 2; parts++)
        {
            var r = new Random(23);
            var (a, b, c) = (Fill(r, 6 * 96 * 80), Fill(r, 80 * 112), Fill(r, 6 * 96 * 112));
            Gemm.MultiplyBatched(GemmMode.Exact, false, false, 6, 96, 112, 80, 1f, a, 80, 96 * 80, b, 112, 0, 1f, c, 112, 96 * 112, parts);
            batched[parts - 1] = c;
        }

        Assert.Equal(batched[0], batched[1]);
    }

    [Fact]
    public void Warm_calls_allocate_nothing()
    {
        var rng = new Random(24);
        var p = Problem.Make(rng, false, true, 200, 150, 300, 1f, 1f, pad: 0);
        var small = Problem.Make(rng, true, false, 9, 10, 11, 1f, 1f, pad: 0);
        var (ba, bb, bc) = (Fill(rng, 4 * 32 * 48), Fill(rng, 4 * 48 * 40), new float[4 * 32 * 40]);
        void Calls()
        {
            Gemm.Multiply(GemmMode.Fast, false, true, 200, 150, 300, 1f, p.A, p.Lda, p.B, p.Ldb, 1f, p.C, p.Ldc);
            Gemm.Multiply(GemmMode.Exact, false, true, 200, 150, 300, 1f, p.A, p.Lda, p.B, p.Ldb, 1f, p.C, p.Ldc, maxParts: 1);
            Gemm.Multiply(GemmMode.Exact, true, false, 9, 10, 11, 1f, small.A, small.Lda, small.B, small.Ldb, 1f, small.C, small.Ldc);
            Gemm.MultiplyBatched(GemmMode.Fast, false, false, 4, 32, 40, 48, 1f, ba, 48, 32 * 48, bb, 40, 48 * 40, 0f, bc, 40, 32 * 40);
        }

        Calls();
        Calls();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 5; i++)
        {
            Calls();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Bad_arguments_name_what_is_wrong()
    {
        var x = new float[12];
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(GemmMode.Exact, false, false, -1, 2, 2, 1f, x, 2, x, 2, 0f, x, 2));
        Assert.Throws<ArgumentOutOfRangeException>("lda", () => Gemm.Multiply(GemmMode.Exact, false, false, 2, 2, 3, 1f, x, 2, x, 2, 0f, x, 2));
        Assert.Throws<ArgumentOutOfRangeException>("ldb", () => Gemm.Multiply(GemmMode.Exact, false, true, 2, 2, 3, 1f, x, 3, x, 2, 0f, x, 2));
        Assert.Throws<ArgumentOutOfRangeException>("ldc", () => Gemm.Multiply(GemmMode.Exact, false, false, 2, 3, 2, 1f, x, 2, x, 3, 0f, x, 2));
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(GemmMode.Exact, false, false, 4, 4, 4, 1f, x, 4, x, 4, 0f, new float[16], 4));
        Assert.Contains("need 16", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>("strideC", () =>
            Gemm.MultiplyBatched(GemmMode.Exact, false, false, 2, 2, 2, 2, 1f, x, 2, 4, x, 2, 4, 0f, x, 2, 3));
    }

    [Fact]
    public void Exact_mode_equals_the_in_order_loop_bit_for_bit_on_random_shapes_paths_and_thread_counts()
    {
        // The reference is the triple loop Ops.MatMulKernel used to be: sum = 0, sum += a·b in k order (the reference
        // BLAS's order, and so torch 1.13's mm on the goldens' build). Bits are compared, signed zeros included.
        var rng = new Random(25);
        int[] ks = [1, 2, 5, 17, Gemm.KC - 1, Gemm.KC, Gemm.KC + 1, (2 * Gemm.KC) + 3, 300];
        for (var trial = 0; trial < 48; trial++)
        {
            var (ta, tb) = ((trial & 1) != 0, (trial & 2) != 0);
            var m = trial % 3 == 0 ? rng.Next(1, 301) : (2 * rng.Next(0, 150)) + 1; // mostly odd sizes
            var n = trial % 5 == 0 ? rng.Next(1, 301) : (2 * rng.Next(0, 150)) + 1;
            var k = trial % 2 == 0 ? ks[rng.Next(ks.Length)] : rng.Next(1, 301);
            var a = Fill(rng, m * k);
            var b = Fill(rng, k * n);
            var expected = InOrder(a, b, m, k, n, ta, tb);
            foreach (var (parts, packed) in new[] { (1, false), (2, false), (1, true), (2, true) })
            {
                var c = new float[m * n];
                c.AsSpan().Fill(float.NaN); // β = 0: never read
                Gemm.Multiply(GemmMode.Exact, ta, tb, m, n, k, 1f, a, ta ? m : k, b, tb ? k : n, 0f, c, n, parts, packed);
                AssertBits(expected, c, $"({m}, {n}, {k}) transA={ta} transB={tb} parts={parts} packed={packed}");
            }
        }
    }

    [Fact]
    public void Exact_mode_starts_each_sum_from_positive_zero_like_the_loop()
    {
        // Every product −0 (or a mix of ±0): the loop gives 0 + (−0) = +0, and so must every path.
        foreach (var (m, n, k) in new[] { (2, 3, 4), (13, 37, 300), (7, 20, Gemm.KC + 5) })
        {
            foreach (var (ta, tb) in Transposes())
            {
                var a = new float[m * k];
                var b = new float[k * n];
                a.AsSpan().Fill(-0f);
                for (var i = 0; i < b.Length; i++)
                {
                    b[i] = i % 3 == 0 ? -0f : (i % 2 == 0 ? 1.5f : -2f);
                }

                var expected = InOrder(a, b, m, k, n, ta, tb);
                Assert.All(expected, v => Assert.Equal(0, BitConverter.SingleToInt32Bits(v)));
                foreach (var packed in new[] { false, true })
                {
                    var c = new float[m * n];
                    Gemm.Multiply(GemmMode.Exact, ta, tb, m, n, k, 1f, a, ta ? m : k, b, tb ? k : n, 0f, c, n, 2, packed);
                    AssertBits(expected, c, $"zeros ({m}, {n}, {k}) transA={ta} transB={tb} packed={packed}");
                }
            }
        }
    }

    [Fact]
    public void Ops_matmul_kernel_is_the_in_order_loop_for_every_transpose_including_empty_k()
    {
        var rng = new Random(26);
        foreach (var (m, n, k) in new[] { (1, 1, 1), (1, 9, 0), (3, 1, 7), (5, 7, 3), (33, 65, 129), (150, 97, 600), (4, 300, 2) })
        {
            foreach (var (ta, tb) in Transposes())
            {
                var a = Fill(rng, m * k);
                var b = Fill(rng, k * n);
                var c = new float[m * n];
                c.AsSpan().Fill(float.NaN);
                EmbedSharp.Autograd.Ops.MatMulKernel(a, b, c, m, k, n, ta, tb);
                AssertBits(InOrder(a, b, m, k, n, ta, tb), c, $"MatMulKernel ({m}, {k}) x ({k}, {n}) transA={ta} transB={tb}");
            }
        }
    }

    [Fact]
    public void Fast_mode_differs_from_exact_mode_where_fma_rounds_differently()
    {
        // Guards against the two modes silently running the same kernel: on random data some outputs must differ.
        var rng = new Random(27);
        var (m, n, k) = (40, 48, 200);
        var a = Fill(rng, m * k);
        var b = Fill(rng, k * n);
        var exact = new float[m * n];
        var fast = new float[m * n];
        foreach (var packed in new[] { false, true })
        {
            Gemm.Multiply(GemmMode.Exact, false, false, m, n, k, 1f, a, k, b, n, 0f, exact, n, 1, packed);
            Gemm.Multiply(GemmMode.Fast, false, false, m, n, k, 1f, a, k, b, n, 0f, fast, n, 1, packed);
            Assert.NotEqual(exact, fast);
        }
    }

    [Fact]
    public void Linear_kernels_on_the_exact_gemm_keep_the_in_order_bits_and_add_the_weight_gradient_once()
    {
        // LinearFunctions runs on Gemm's exact mode; these sizes take the packed path on 2 threads, several k blocks and
        // (300 × 4000 > the 2²⁰-float scratch) several weight-row blocks. The weight gradient starts non-zero: the new
        // sum must be formed from 0 and added once (continuing the chain from the old value would change the bits).
        var rng = new Random(28);
        foreach (var (rows, inF, outF) in new[] { (37, 300, 65), (300, 4000, 7), (9, 4000, 300) })
        {
            var x = Fill(rng, rows * inF);
            var w = Fill(rng, outF * inF);
            var bias = Fill(rng, outF);
            var gy = Fill(rng, rows * outF);
            var y = new float[rows * outF];
            EmbedSharp.Nn.Functional.LinearFunctions.Forward(x, w, bias, rows, inF, outF, y);
            var sums = InOrder(x, w, rows, inF, outF, false, true);
            for (var i = 0; i < sums.Length; i++)
            {
                sums[i] += bias[i % outF];
            }

            AssertBits(sums, y, $"linear forward ({rows}, {inF}, {outF})");
            var gx = new float[rows * inF];
            EmbedSharp.Nn.Functional.LinearFunctions.BackwardInput(gy, w, rows, inF, outF, gx);
            AssertBits(InOrder(gy, w, rows, outF, inF, false, false), gx, $"linear input gradient ({rows}, {inF}, {outF})");
            var gw = Fill(rng, outF * inF);
            var expected = InOrder(gy, x, outF, rows, inF, true, false);
            for (var i = 0; i < expected.Length; i++)
            {
                expected[i] = gw[i] + expected[i];
            }

            EmbedSharp.Nn.Functional.LinearFunctions.AccumulateWeightGrad(gy, x, rows, inF, outF, gw);
            AssertBits(expected, gw, $"linear weight gradient ({rows}, {inF}, {outF})");
        }
    }

    /// <summary>Ops.MatMulKernel's former body: each output summed over k in order from 0, products rounded, no FMA.</summary>
    private static float[] InOrder(float[] a, float[] b, int m, int k, int n, bool transA, bool transB)
    {
        var c = new float[m * n];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = 0f;
                for (var p = 0; p < k; p++)
                {
                    var x = transA ? a[(p * m) + i] : a[(i * k) + p];
                    var y = transB ? b[(j * k) + p] : b[(p * n) + j];
                    sum += x * y;
                }

                c[(i * n) + j] = sum;
            }
        }

        return c;
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, the loop gives {expected[i]:R}");
            }
        }
    }

    private static IEnumerable<(bool, bool)> Transposes() => [(false, false), (false, true), (true, false), (true, true)];

    private static float[] Fill(Random rng, int length)
    {
        var x = new float[length];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return x;
    }

    /// <summary>One product with its stored operands (row stride = width + pad) and a copy of C before the call.</summary>
    private sealed class Problem
    {
        public required bool TA { get; init; }
        public required bool TB { get; init; }
        public required int M { get; init; }
        public required int N { get; init; }
        public required int K { get; init; }
        public required float Alpha { get; init; }
        public required float Beta { get; init; }
        public required float[] A { get; init; }
        public required float[] B { get; init; }
        public required float[] C { get; init; }
        public required int Lda { get; init; }
        public required int Ldb { get; init; }
        public required int Ldc { get; init; }

        public static Problem Make(Random rng, bool ta, bool tb, int m, int n, int k, float alpha, float beta, int pad)
        {
            var (aRows, aCols) = ta ? (k, m) : (m, k);
            var (bRows, bCols) = tb ? (n, k) : (k, n);
            var (lda, ldb, ldc) = (Math.Max(1, aCols + pad), Math.Max(1, bCols + pad), Math.Max(1, n + pad));
            return new Problem
            {
                TA = ta,
                TB = tb,
                M = m,
                N = n,
                K = k,
                Alpha = alpha,
                Beta = beta,
                Lda = lda,
                Ldb = ldb,
                Ldc = ldc,
                A = Fill(rng, aRows * lda),
                B = Fill(rng, bRows * ldb),
                C = Fill(rng, m * ldc),
            };
        }

        private float At(float[] x, int ld, bool trans, int r, int col) => trans ? x[(col * ld) + r] : x[(r * ld) + col];

        public float[] Result(GemmMode mode, bool forcePacked)
        {
            var c = (float[])C.Clone();
            Gemm.Multiply(mode, TA, TB, M, N, K, Alpha, A, Lda, B, Ldb, Beta, c, Ldc, WorkSplit.MaxParts, forcePacked);
            return c;
        }

        public void Check(bool forcePacked = false)
        {
            Check(GemmMode.Exact, forcePacked);
            Check(GemmMode.Fast, forcePacked);
        }

        public void Check(GemmMode mode, bool forcePacked)
        {
            var got = Result(mode, forcePacked);
            for (var i = 0; i < M; i++)
            {
                for (var j = 0; j < Ldc; j++)
                {
                    var c0 = C[(i * Ldc) + j];
                    var g = got[(i * Ldc) + j];
                    if (j >= N)
                    {
                        Assert.Equal(BitConverter.SingleToInt32Bits(c0), BitConverter.SingleToInt32Bits(g)); // outside the window
                        continue;
                    }

                    var chain = Beta == 0f ? 0f : Beta * c0;
                    var exact = Beta == 0f ? 0.0 : (double)Beta * c0;
                    var scale = Beta == 0f ? 0.0 : Math.Abs((double)Beta * c0);
                    for (var p = 0; p < K; p++)
                    {
                        var (a, b) = (At(A, Lda, TA, i, p), At(B, Ldb, TB, p, j));
                        chain = mode == GemmMode.Exact ? chain + (Alpha * a * b) : MathF.FusedMultiplyAdd(Alpha * a, b, chain);
                        exact += (double)Alpha * a * b;
                        scale += Math.Abs((double)Alpha * a * b);
                    }

                    var tolerance = ((2 * K) + 3) * Math.Pow(2, -24) * scale;
                    if (Math.Abs(g - exact) > tolerance || BitConverter.SingleToInt32Bits(g) != BitConverter.SingleToInt32Bits(chain))
                    {
                        Assert.Fail($"{mode} ({M}, {N}, {K}) transA={TA} transB={TB} α={Alpha} β={Beta} packed={forcePacked}: " +
                            $"c[{i}, {j}] = {g:R}, chain {chain:R}, exact {exact:R} ± {tolerance:R}");
                    }
                }
            }
        }
    }
}
