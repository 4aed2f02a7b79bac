using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbedSharp.Vectors.Similarity;

/// <summary>
/// Stateless kernels behind <see cref="SimilarityIndex"/>: gensim-exact norms and mean vectors, SIMD dot products whose
/// summation order is the same in every kernel (so a score never depends on which kernel, block or thread computed it),
/// and a bounded top-k selection with a total order (higher score first, then lower row; NaN after every number).
/// </summary>
internal static class SimilarityKernels
{
    /// <summary>Rows per microkernel call of the one-query path.</summary>
    internal const int RowTile = 8;

    /// <summary>Queries per microkernel call of the batched path.</summary>
    internal const int QueryTile = 4;

    /// <summary>
    /// numpy's float32 pairwise sum of x[i]² (what <c>np.linalg.norm(v, axis=1)</c> reduces, numpy 1.24
    /// <c>pairwise_sum</c>: eight interleaved partial sums for n ≤ 128, halves above), then sqrt in float32.
    /// Bit-exact with gensim's <c>KeyedVectors.norms</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float NumpyNorm(ReadOnlySpan<float> x)
    {
        return MathF.Sqrt(PairwiseSumOfSquares(x));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float PairwiseSumOfSquares(ReadOnlySpan<float> a)
    {
        var n = a.Length;
        if (n < 8)
        {
            var res = 0f;
            for (var i = 0; i < n; i++)
            {
                res += a[i] * a[i];
            }

            return res;
        }

        if (n <= 128)
        {
            // numpy keeps eight partial sums r[j] += a[i + j]: exactly one 8-lane vector of sums (products rounded, then added).
            ref var p = ref MemoryMarshal.GetReference(a);
            var first = Vector256.LoadUnsafe(ref p);
            var r = first * first;
            var i = 8;
            for (; i < n - (n % 8); i += 8)
            {
                var x = Vector256.LoadUnsafe(ref p, (nuint)i);
                r += x * x;
            }

            var res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++)
            {
                res += a[i] * a[i];
            }

            return res;
        }

        var n2 = n / 2;
        n2 -= n2 % 8;
        return PairwiseSumOfSquares(a[..n2]) + PairwiseSumOfSquares(a[n2..]);
    }

    /// <summary>
    /// gensim's <c>matutils.unitvec</c> on a float32 vector, in place. gensim binds its BLAS helpers to float64
    /// (<c>blas('nrm2', np.array([], dtype=float))</c>), so the vector is widened to double, norm = dnrm2 (reference BLAS
    /// 3.10+: squares summed in order in double; float32 inputs never reach its scaled ranges), each element is multiplied
    /// by 1.0 / norm in double (dscal) and rounded back to float32. A zero vector is left unchanged (as gensim). Bit-exact.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void UnitVecInPlace(Span<float> v)
    {
        var sum = 0.0;
        foreach (var x in v)
        {
            sum += (double)x * x;
        }

        var norm = Math.Sqrt(sum);
        if (norm > 0.0)
        {
            var alpha = 1.0 / norm;
            for (var i = 0; i < v.Length; i++)
            {
                v[i] = (float)(alpha * v[i]);
            }
        }
    }

    /// <summary>Horizontal sum in a fixed order (used by every kernel so scores agree bit for bit).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float HorizontalSum(Vector256<float> v)
    {
        var s = v.GetLower() + v.GetUpper(); // 4 lanes
        var t = s + Vector128.Shuffle(s, Vector128.Create(2, 3, 0, 1));
        return t.ToScalar() + t.GetElement(1);
    }

    /// <summary>The canonical dot product: one 8-lane FMA accumulator, fixed horizontal sum, scalar FMA tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var d = a.Length;
        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        var acc = Vector256<float>.Zero;
        var i = 0;
        for (; i <= d - 8; i += 8)
        {
            acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, (nuint)i), Vector256.LoadUnsafe(ref pb, (nuint)i), acc);
        }

        var s = HorizontalSum(acc);
        for (; i < d; i++)
        {
            s = MathF.FusedMultiplyAdd(Unsafe.Add(ref pa, i), Unsafe.Add(ref pb, i), s);
        }

        return s;
    }

    /// <summary>
    /// Scores of one query against <paramref name="count"/> consecutive rows (row-major, <paramref name="dim"/> each):
    /// destination[r] = Dot(query, row r), eight rows per pass. Shape: rows (count, dim), destination (count).
    /// </summary>
    /// <remarks>One pass over the table is bound by read bandwidth: while a tile of eight rows (32·dim bytes) is scored,
    /// the tile two ahead is prefetched, four cache lines per 8-float step (32·dim bytes over dim/8 steps). The hardware
    /// prefetchers alone reached about 83 % of the measured read bandwidth on the 400k × 300 table (Zen 5, two threads),
    /// with this 84–92 % over several runs: its own share is within the spread of those runs.
    /// Prefetches past the rows are harmless hints (they never fault).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void DotRows(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, int dim, int count, Span<float> destination)
    {
        ref var q = ref MemoryMarshal.GetReference(query);
        ref var m = ref MemoryMarshal.GetReference(rows);
        var prefetch = Sse.IsSupported;
        var r = 0;
        for (; r <= count - RowTile; r += RowTile)
        {
            ref var b0 = ref Unsafe.Add(ref m, (nint)r * dim);
            var ahead = (byte*)Unsafe.AsPointer(ref Unsafe.Add(ref b0, 2 * RowTile * dim)); // a hint only: no pin needed
            ref var b1 = ref Unsafe.Add(ref b0, dim);
            ref var b2 = ref Unsafe.Add(ref b1, dim);
            ref var b3 = ref Unsafe.Add(ref b2, dim);
            ref var b4 = ref Unsafe.Add(ref b3, dim);
            ref var b5 = ref Unsafe.Add(ref b4, dim);
            ref var b6 = ref Unsafe.Add(ref b5, dim);
            ref var b7 = ref Unsafe.Add(ref b6, dim);
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            var i = 0;
            for (; i <= dim - 8; i += 8, ahead += 256)
            {
                if (prefetch)
                {
                    Sse.Prefetch0(ahead);
                    Sse.Prefetch0(ahead + 64);
                    Sse.Prefetch0(ahead + 128);
                    Sse.Prefetch0(ahead + 192);
                }

                var x = Vector256.LoadUnsafe(ref q, (nuint)i);
                a0 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref b0, (nuint)i), a0);
                a1 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref b1, (nuint)i), a1);
                a2 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref b2, (nuint)i), a2);
                a3 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref b3, (nuint)i), a3);
                a4 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref b4, (nuint)i), a4);
                a5 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref b5, (nuint)i), a5);
                a6 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref b6, (nuint)i), a6);
                a7 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref b7, (nuint)i), a7);
            }

            float s0 = HorizontalSum(a0), s1 = HorizontalSum(a1), s2 = HorizontalSum(a2), s3 = HorizontalSum(a3);
            float s4 = HorizontalSum(a4), s5 = HorizontalSum(a5), s6 = HorizontalSum(a6), s7 = HorizontalSum(a7);
            for (; i < dim; i++)
            {
                var x = Unsafe.Add(ref q, i);
                s0 = MathF.FusedMultiplyAdd(x, Unsafe.Add(ref b0, i), s0);
                s1 = MathF.FusedMultiplyAdd(x, Unsafe.Add(ref b1, i), s1);
                s2 = MathF.FusedMultiplyAdd(x, Unsafe.Add(ref b2, i), s2);
                s3 = MathF.FusedMultiplyAdd(x, Unsafe.Add(ref b3, i), s3);
                s4 = MathF.FusedMultiplyAdd(x, Unsafe.Add(ref b4, i), s4);
                s5 = MathF.FusedMultiplyAdd(x, Unsafe.Add(ref b5, i), s5);
                s6 = MathF.FusedMultiplyAdd(x, Unsafe.Add(ref b6, i), s6);
                s7 = MathF.FusedMultiplyAdd(x, Unsafe.Add(ref b7, i), s7);
            }

            destination[r] = s0;
            destination[r + 1] = s1;
            destination[r + 2] = s2;
            destination[r + 3] = s3;
            destination[r + 4] = s4;
            destination[r + 5] = s5;
            destination[r + 6] = s6;
            destination[r + 7] = s7;
        }

        for (; r < count; r++)
        {
            destination[r] = Dot(query, rows.Slice(r * dim, dim));
        }
    }

    /// <summary>
    /// Scores of four queries against <paramref name="count"/> consecutive rows: destination[k·stride + r] =
    /// Dot(query k, row r), two rows per pass (8 accumulators). Shape: queries (4, dim), rows (count, dim).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void DotRows4(ReadOnlySpan<float> queries, ReadOnlySpan<float> rows, int dim, int count, Span<float> destination, int stride)
    {
        ref var q0 = ref MemoryMarshal.GetReference(queries);
        ref var q1 = ref Unsafe.Add(ref q0, dim);
        ref var q2 = ref Unsafe.Add(ref q1, dim);
        ref var q3 = ref Unsafe.Add(ref q2, dim);
        ref var m = ref MemoryMarshal.GetReference(rows);
        var r = 0;
        for (; r <= count - 2; r += 2)
        {
            ref var b0 = ref Unsafe.Add(ref m, (nint)r * dim);
            ref var b1 = ref Unsafe.Add(ref b0, dim);
            Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default, a30 = default, a31 = default;
            var i = 0;
            for (; i <= dim - 8; i += 8)
            {
                var y0 = Vector256.LoadUnsafe(ref b0, (nuint)i);
                var y1 = Vector256.LoadUnsafe(ref b1, (nuint)i);
                var x = Vector256.LoadUnsafe(ref q0, (nuint)i);
                a00 = Vector256.FusedMultiplyAdd(x, y0, a00);
                a01 = Vector256.FusedMultiplyAdd(x, y1, a01);
                x = Vector256.LoadUnsafe(ref q1, (nuint)i);
                a10 = Vector256.FusedMultiplyAdd(x, y0, a10);
                a11 = Vector256.FusedMultiplyAdd(x, y1, a11);
                x = Vector256.LoadUnsafe(ref q2, (nuint)i);
                a20 = Vector256.FusedMultiplyAdd(x, y0, a20);
                a21 = Vector256.FusedMultiplyAdd(x, y1, a21);
                x = Vector256.LoadUnsafe(ref q3, (nuint)i);
                a30 = Vector256.FusedMultiplyAdd(x, y0, a30);
                a31 = Vector256.FusedMultiplyAdd(x, y1, a31);
            }

            float s00 = HorizontalSum(a00), s01 = HorizontalSum(a01), s10 = HorizontalSum(a10), s11 = HorizontalSum(a11);
            float s20 = HorizontalSum(a20), s21 = HorizontalSum(a21), s30 = HorizontalSum(a30), s31 = HorizontalSum(a31);
            for (; i < dim; i++)
            {
                float y0 = Unsafe.Add(ref b0, i), y1 = Unsafe.Add(ref b1, i);
                float x0 = Unsafe.Add(ref q0, i), x1 = Unsafe.Add(ref q1, i), x2 = Unsafe.Add(ref q2, i), x3 = Unsafe.Add(ref q3, i);
                s00 = MathF.FusedMultiplyAdd(x0, y0, s00);
                s01 = MathF.FusedMultiplyAdd(x0, y1, s01);
                s10 = MathF.FusedMultiplyAdd(x1, y0, s10);
                s11 = MathF.FusedMultiplyAdd(x1, y1, s11);
                s20 = MathF.FusedMultiplyAdd(x2, y0, s20);
                s21 = MathF.FusedMultiplyAdd(x2, y1, s21);
                s30 = MathF.FusedMultiplyAdd(x3, y0, s30);
                s31 = MathF.FusedMultiplyAdd(x3, y1, s31);
            }

            destination[r] = s00;
            destination[r + 1] = s01;
            destination[stride + r] = s10;
            destination[stride + r + 1] = s11;
            destination[(2 * stride) + r] = s20;
            destination[(2 * stride) + r + 1] = s21;
            destination[(3 * stride) + r] = s30;
            destination[(3 * stride) + r + 1] = s31;
        }

        for (; r < count; r++)
        {
            var row = rows.Slice(r * dim, dim);
            for (var k = 0; k < QueryTile; k++)
            {
                destination[(k * stride) + r] = Dot(queries.Slice(k * dim, dim), row);
            }
        }
    }

    /// <summary>Elements per step of the screening kernel (one 256-bit vector of int16).</summary>
    internal const int ScreenLanes = 16;

    /// <summary>Dimension rounded up to a multiple of <see cref="ScreenLanes"/> (quantised vectors are zero-padded).</summary>
    internal static int ScreenDim(int d) => (d + ScreenLanes - 1) / ScreenLanes * ScreenLanes;

    /// <summary>
    /// Largest |integer| of the screening quantisation for dimension <paramref name="d"/>: M = ⌊√((2³¹ − 1) / d)⌋ (at
    /// most 32,767), so d·M² ≤ 2³¹ − 1 and no int32 sum of d products of two quantised values can overflow.
    /// </summary>
    internal static int ScreenLimit(int d) => (int)Math.Min(short.MaxValue, Math.Floor(Math.Sqrt(int.MaxValue / (double)Math.Max(1, d))));

    /// <summary>
    /// Quantises <paramref name="x"/> for screening: x̂_j = round(x_j / s) with s = max|x| / <paramref name="limit"/>, so
    /// |x̂_j| ≤ limit; returns s (0 for a zero vector) and the residual norm ‖x − s·x̂‖ (each residual computed with one
    /// rounding by a fused multiply-add, summed in float32; callers widen it by the float32 summation bound). Within each
    /// group of 16 the int16 values are stored in the order AVX2's pack instruction leaves them (the same order for every
    /// vector, so dot products are unaffected); the tail after the last full group keeps its order; padding is zero.
    /// Shape: x (d), destination (ScreenDim(d)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Quantize(ReadOnlySpan<float> x, int limit, Span<short> destination, out float residualNorm)
    {
        var d = x.Length;
        var m = MathF.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(x));
        if (!(m > 0f) || !float.IsFinite(m))
        {
            destination.Clear();
            residualNorm = m == 0f ? 0f : float.NaN;
            return m == 0f ? 0f : float.NaN;
        }

        var scale = m / limit;
        var inverse = limit / m;
        ref var px = ref MemoryMarshal.GetReference(x);
        ref var pd = ref MemoryMarshal.GetReference(destination);
        var sq = Vector256<float>.Zero;
        var vs = Vector256.Create(scale);
        var vi = Vector256.Create(inverse);
        var j = 0;
        if (Avx2.IsSupported)
        {
            for (; j <= d - ScreenLanes; j += ScreenLanes)
            {
                var x0 = Vector256.LoadUnsafe(ref px, (nuint)j);
                var x1 = Vector256.LoadUnsafe(ref px, (nuint)(j + 8));
                var i0 = Avx.ConvertToVector256Int32(x0 * vi); // round to nearest even
                var i1 = Avx.ConvertToVector256Int32(x1 * vi);
                var r0 = Vector256.FusedMultiplyAdd(-vs, Avx.ConvertToVector256Single(i0), x0);
                var r1 = Vector256.FusedMultiplyAdd(-vs, Avx.ConvertToVector256Single(i1), x1);
                sq = Vector256.FusedMultiplyAdd(r0, r0, sq);
                sq = Vector256.FusedMultiplyAdd(r1, r1, sq);
                Avx2.PackSignedSaturate(i0, i1).StoreUnsafe(ref pd, (nuint)j);
            }
        }

        var residual = Vector256.Sum(sq);
        for (; j < d; j++)
        {
            var v = Unsafe.Add(ref px, j);
            var q = MathF.Round(v * inverse, MidpointRounding.ToEven);
            var r = MathF.FusedMultiplyAdd(-scale, q, v);
            residual = MathF.FusedMultiplyAdd(r, r, residual);
            Unsafe.Add(ref pd, j) = (short)q;
        }

        destination[d..].Clear();
        residualNorm = MathF.Sqrt(residual);
        return scale;
    }

    /// <summary>Rows per panel of the screening kernel: a panel stores, for every pair of dimensions, the two int16 values
    /// of each of its 8 rows side by side (one 256-bit vector per pair).</summary>
    internal const int PanelRows = 8;

    /// <summary>
    /// Interleaves <paramref name="count"/> (≤ 8) quantised rows into one panel: panel[p·8 + r] holds dimensions 2p and
    /// 2p + 1 of row r (as one int32); rows from count to 7 are zero. Shape: rows (count, dim), panel (dim / 2 · 8).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Interleave(ReadOnlySpan<short> rows, int dim, int count, Span<int> panel)
    {
        var pairs = dim / 2;
        var source = MemoryMarshal.Cast<short, int>(rows);
        if (count < PanelRows)
        {
            panel[..(pairs * PanelRows)].Clear();
        }

        for (var r = 0; r < count; r++)
        {
            var row = source.Slice(r * pairs, pairs);
            for (var p = 0; p < pairs; p++)
            {
                panel[(p * PanelRows) + r] = row[p];
            }
        }
    }

    /// <summary>
    /// Exact int32 dot products of four quantised queries with the 16 rows of two panels (see <see cref="Interleave"/>):
    /// for each query one vector of 8 sums per panel, written to destination[k·16 .. k·16 + 16) (panel A then B). Each
    /// step multiplies a broadcast pair of query values with a panel vector (AVX2 multiply-add of int16 pairs), so no
    /// horizontal sums are needed. Shape: queries (4, dim), panels (dim / 2 · 8) each, dim a multiple of 16. Requires AVX2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ScreenPanels4(ReadOnlySpan<short> queries, int dim, ReadOnlySpan<int> panelA, ReadOnlySpan<int> panelB, Span<int> destination)
    {
        var pairs = dim / 2;
        var q = MemoryMarshal.Cast<short, int>(queries);
        ref var q0 = ref MemoryMarshal.GetReference(q);
        ref var q1 = ref Unsafe.Add(ref q0, pairs);
        ref var q2 = ref Unsafe.Add(ref q1, pairs);
        ref var q3 = ref Unsafe.Add(ref q2, pairs);
        ref var pa = ref MemoryMarshal.GetReference(panelA);
        ref var pb = ref MemoryMarshal.GetReference(panelB);
        Vector256<int> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
        for (var p = 0; p < pairs; p++)
        {
            var ya = Vector256.LoadUnsafe(ref pa, (nuint)(p * PanelRows)).AsInt16();
            var yb = Vector256.LoadUnsafe(ref pb, (nuint)(p * PanelRows)).AsInt16();
            var x = Vector256.Create(Unsafe.Add(ref q0, p)).AsInt16();
            a0 += Avx2.MultiplyAddAdjacent(x, ya);
            b0 += Avx2.MultiplyAddAdjacent(x, yb);
            x = Vector256.Create(Unsafe.Add(ref q1, p)).AsInt16();
            a1 += Avx2.MultiplyAddAdjacent(x, ya);
            b1 += Avx2.MultiplyAddAdjacent(x, yb);
            x = Vector256.Create(Unsafe.Add(ref q2, p)).AsInt16();
            a2 += Avx2.MultiplyAddAdjacent(x, ya);
            b2 += Avx2.MultiplyAddAdjacent(x, yb);
            x = Vector256.Create(Unsafe.Add(ref q3, p)).AsInt16();
            a3 += Avx2.MultiplyAddAdjacent(x, ya);
            b3 += Avx2.MultiplyAddAdjacent(x, yb);
        }

        ref var d = ref MemoryMarshal.GetReference(destination);
        a0.StoreUnsafe(ref d, 0);
        b0.StoreUnsafe(ref d, 8);
        a1.StoreUnsafe(ref d, 16);
        b1.StoreUnsafe(ref d, 24);
        a2.StoreUnsafe(ref d, 32);
        b2.StoreUnsafe(ref d, 40);
        a3.StoreUnsafe(ref d, 48);
        b3.StoreUnsafe(ref d, 56);
    }

    /// <summary>The total order of results: a before b when a scores higher, or equal and a's row is lower; NaN last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Better(float s1, int i1, float s2, int i2)
    {
        if (s1 > s2)
        {
            return true;
        }

        if (s1 < s2)
        {
            return false;
        }

        var n1 = float.IsNaN(s1);
        var n2 = float.IsNaN(s2);
        return n1 != n2 ? n2 : i1 < i2;
    }
}

/// <summary>
/// A bounded selection of the k best (score, row) pairs in caller memory: a binary heap whose root is the worst kept
/// entry, so a candidate costs one comparison unless it enters. <see cref="SortDescending"/> turns it into a best-first list.
/// </summary>
internal ref struct TopK
{
    private readonly Span<float> _scores;
    private readonly Span<int> _rows;
    private int _count;

    public TopK(Span<float> scores, Span<int> rows, int count = 0)
    {
        _scores = scores;
        _rows = rows;
        _count = count;
    }

    public readonly int Count => _count;

    public readonly int Capacity => _scores.Length;

    /// <summary>The score a candidate must reach to enter: the worst kept score once full, −∞ before.</summary>
    public readonly float Threshold => _count == _scores.Length && _count > 0 ? _scores[0] : float.NegativeInfinity;

    /// <summary>Offers every score of a block whose first row is <paramref name="firstRow"/>; rows in
    /// <paramref name="excludedSorted"/> or equal to <paramref name="self"/> never enter.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void OfferBlock(scoped ReadOnlySpan<float> scores, int firstRow, scoped ReadOnlySpan<int> excludedSorted, int self)
    {
        var capacity = _scores.Length;
        if (capacity == 0)
        {
            return;
        }

        for (var j = 0; j < scores.Length; j++)
        {
            var s = scores[j];
            var row = firstRow + j;
            if (_count == capacity)
            {
                var worst = _scores[0];
                if (s < worst || !SimilarityKernels.Better(s, row, worst, _rows[0]))
                {
                    continue;
                }
            }

            if (row == self || (!excludedSorted.IsEmpty && excludedSorted.BinarySearch(row) >= 0))
            {
                continue;
            }

            Push(s, row);
        }
    }

    /// <summary>Offers one (score, row) pair.</summary>
    public void Offer(float s, int row)
    {
        if (_count < _scores.Length)
        {
            Push(s, row);
        }
        else if (_scores.Length > 0 && SimilarityKernels.Better(s, row, _scores[0], _rows[0]))
        {
            Push(s, row);
        }
    }

    private void Push(float s, int row)
    {
        if (_count < _scores.Length)
        {
            // Sift up from the end: the parent must stay worse than (or equal to) its children.
            var i = _count++;
            while (i > 0)
            {
                var p = (i - 1) >> 1;
                if (!SimilarityKernels.Better(_scores[p], _rows[p], s, row))
                {
                    break;
                }

                _scores[i] = _scores[p];
                _rows[i] = _rows[p];
                i = p;
            }

            _scores[i] = s;
            _rows[i] = row;
            return;
        }

        SiftDown(0, s, row, _count);
    }

    private readonly void SiftDown(int i, float s, int row, int count)
    {
        while (true)
        {
            var c = (2 * i) + 1;
            if (c >= count)
            {
                break;
            }

            // Pick the worse child.
            if (c + 1 < count && SimilarityKernels.Better(_scores[c], _rows[c], _scores[c + 1], _rows[c + 1]))
            {
                c++;
            }

            if (!SimilarityKernels.Better(s, row, _scores[c], _rows[c]))
            {
                break;
            }

            _scores[i] = _scores[c];
            _rows[i] = _rows[c];
            i = c;
        }

        _scores[i] = s;
        _rows[i] = row;
    }

    /// <summary>Sorts the kept entries in place, best first, and returns how many there are.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly int SortDescending()
    {
        // Heap sort: move the worst (root) to the end of the shrinking heap.
        for (var n = _count; n > 1; n--)
        {
            var s = _scores[n - 1];
            var r = _rows[n - 1];
            _scores[n - 1] = _scores[0];
            _rows[n - 1] = _rows[0];
            SiftDown(0, s, r, n - 1);
        }

        return _count;
    }
}
