using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EmbedSharp.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace EmbedSharp.Vectors.Similarity;

/// <content>Batched queries: <see cref="MostSimilarBatch(FloatTensor, int, int?)"/> scores row tiles against query tiles
/// (the tile stays in cache across all queries), one top-k heap per query and worker, merged at the end.</content>
public sealed partial class SimilarityIndex
{
    private const int BatchRows = 64; // rows per tile of the batched path (kept in L2 across all queries)
    private const int ScreenRows = 256; // rows per tile of the screened batch path (quantised: 256 · D int16, kept in L2)
    private const int MinScreenLimit = 64; // below this quantisation range (d > 524,288) screening would pass nearly every row
    private const float Ulp = 1f / (1 << 23); // 2^-23

    /// <summary>
    /// Batched <see cref="MostSimilar(ReadOnlySpan{float}, int, int?, IEnumerable{string}?)"/>: each row of
    /// <paramref name="queries"/> is unit-normalised (gensim's rule) and scored against every row of the table with a SIMD
    /// matrix multiply on all cores (fixed row tiles kept in cache across the queries), keeping the best
    /// <paramref name="topN"/> per query with a small heap. Each query's result equals the single-query result exactly.
    /// Shape: queries (Q, D); result (Q, topN).
    /// </summary>
    /// <exception cref="ArgumentException">The queries are not (Q, D) or hold NaN or ±∞.</exception>
    public NeighborBatch MostSimilarBatch(FloatTensor queries, int topN = 10, int? restrictVocab = null)
    {
        ArgumentNullException.ThrowIfNull(queries);
        if (queries.Rank != 2 || queries.Shape[1] != Dimension)
        {
            throw new ArgumentException($"Queries must be (Q, {Dimension}); got shape {FloatTensor.FormatShape(queries.Shape)}.", nameof(queries));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(topN);
        var q = (int)queries.Shape[0];
        var limit = Limit(restrictVocab);
        var padded = PaddedQueries(q);
        for (var k = 0; k < q; k++)
        {
            var dst = padded.AsSpan(k * Dimension, Dimension);
            ReadOnlySpan<float> src = queries.Row(k);
            CheckVector(src, $"{nameof(queries)}[{k}]");
            src.CopyTo(dst);
            SimilarityKernels.UnitVecInPlace(dst);
        }

        var result = new NeighborBatch(_source.Words, q, topN);
        RunBatch(padded, q, null, limit, topN, result);
        return result;
    }

    /// <summary>
    /// Batched <see cref="MostSimilar(string, int, int?)"/>: the neighbours of each word (itself excluded), computed with
    /// one matrix multiply. Entry k equals <c>MostSimilar(words[k], topN, restrictVocab)</c> exactly.
    /// </summary>
    /// <exception cref="KeyNotFoundException">A word is not in the table.</exception>
    /// <exception cref="ArgumentException">A word's vector is all zeros.</exception>
    public NeighborBatch MostSimilarBatch(IReadOnlyList<string> words, int topN = 10, int? restrictVocab = null)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentOutOfRangeException.ThrowIfNegative(topN);
        var rows = Rows(words, nameof(words));
        foreach (var r in rows)
        {
            RequireNonZero(r, "word");
        }

        var limit = Limit(restrictVocab);
        var padded = PaddedQueries(rows.Length);
        for (var k = 0; k < rows.Length; k++)
        {
            var dst = padded.AsSpan(k * Dimension, Dimension);
            UnitRow(rows[k], dst);
            SimilarityKernels.UnitVecInPlace(dst);
        }

        var result = new NeighborBatch(_source.Words, rows.Length, topN);
        RunBatch(padded, rows.Length, rows, limit, topN, result);
        return result;
    }

    private void RunBatch(float[] padded, int q, int[]? selfRows, int limit, int topN, NeighborBatch result)
    {
        var k = Math.Min(topN, limit);
        if (q == 0 || k == 0)
        {
            Array.Fill(result.Rows, -1);
            Array.Fill(result.Scores, float.NaN);
            return;
        }

        EnsureUnchanged();
        if (Avx2.IsSupported && !_options.ExactScan && SimilarityKernels.ScreenLimit(Dimension) >= MinScreenLimit)
        {
            RunBatchScreened(padded, q, selfRows, limit, k, topN, result);
            return;
        }

        var qp = padded.Length / Dimension;
        var d = Dimension;
        RunOverBlocks(limit, q, k, topN, result, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (w, heaps) =>
        {
            var buffer = new float[SimilarityKernels.QueryTile * BatchRows];
            int b;
            while ((b = heaps.NextBlock()) >= 0)
            {
                var block = _blocks[b];
                var end = Math.Min(block.Start + block.Count, limit);
                for (var s = block.Start; s < end; s += BatchRows)
                {
                    var n = Math.Min(BatchRows, end - s);
                    var m = BlockSpan(block, s, n);
                    for (var t = 0; t < qp; t += SimilarityKernels.QueryTile)
                    {
                        SimilarityKernels.DotRows4(padded.AsSpan(t * d, SimilarityKernels.QueryTile * d), m, d, n, buffer, BatchRows);
                        for (var kk = 0; kk < SimilarityKernels.QueryTile && t + kk < q; kk++)
                        {
                            var dots = buffer.AsSpan(kk * BatchRows, n);
                            TensorPrimitives.Divide(dots, _norms.AsSpan(s, n), dots);
                            var top = heaps.Open(w, t + kk);
                            top.OfferBlock(buffer.AsSpan(kk * BatchRows, n), s, [], selfRows is null ? -1 : selfRows[t + kk]);
                            heaps.Close(w, t + kk, top);
                        }
                    }
                }
            }
        });
    }

    /// <summary>Runs <paramref name="work"/>(worker, heaps) on every worker (one, below the parallel threshold), each
    /// taking row blocks below <paramref name="limit"/> from <see cref="BatchHeaps.NextBlock"/> and keeping its own heap
    /// per query, then merges the heaps into <paramref name="result"/>, best first.</summary>
    private void RunOverBlocks(int limit, int q, int k, int topN, NeighborBatch result, Action<int, BatchHeaps> work)
    {
        var blockCount = CountBlocks(limit);
        var workers = (long)limit * Dimension * q < _options.ParallelThreshold ? 1 : Math.Min(_options.MaxDegreeOfParallelism, blockCount);
        var heaps = new BatchHeaps(workers, q, k, blockCount);
        if (workers == 1)
        {
            work(0, heaps);
        }
        else
        {
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w => work(w, heaps));
        }

        for (var i = 0; i < q; i++)
        {
            var outScores = result.Scores.AsSpan(i * topN, topN);
            var outRows = result.Rows.AsSpan(i * topN, topN);
            outScores.Fill(float.NaN);
            outRows.Fill(-1);
            var merged = new TopK(outScores[..k], outRows[..k]);
            for (var w = 0; w < workers; w++)
            {
                heaps.OfferAll(w, i, ref merged);
            }

            result.Counts[i] = merged.SortDescending();
        }
    }

    /// <summary>The per-worker top-k heaps of a batch (slot = worker·Q + query) and the shared block counter.</summary>
    private sealed class BatchHeaps(int workers, int q, int k, int blockCount)
    {
        private readonly float[] _scores = new float[(long)workers * q * k];
        private readonly int[] _rows = new int[(long)workers * q * k];
        private readonly int[] _counts = new int[workers * q];
        private int _next = -1;

        /// <summary>The next unclaimed row block, or -1 when all are taken.</summary>
        public int NextBlock()
        {
            var b = Interlocked.Increment(ref _next);
            return b < blockCount ? b : -1;
        }

        /// <summary>The heap of <paramref name="query"/> on worker <paramref name="w"/>, as far as it is filled.</summary>
        public TopK Open(int w, int query)
        {
            var slot = (w * q) + query;
            return new TopK(_scores.AsSpan(slot * k, k), _rows.AsSpan(slot * k, k), _counts[slot]);
        }

        /// <summary>Records how far <paramref name="top"/> (from <see cref="Open"/>) is filled.</summary>
        public void Close(int w, int query, in TopK top) => _counts[(w * q) + query] = top.Count;

        /// <summary>Offers every entry of one heap to <paramref name="merged"/>.</summary>
        public void OfferAll(int w, int query, ref TopK merged)
        {
            var slot = (w * q) + query;
            for (var j = 0; j < _counts[slot]; j++)
            {
                merged.Offer(_scores[(slot * k) + j], _rows[(slot * k) + j]);
            }
        }
    }

    /// <summary>
    /// The batched search with integer screening. Each row tile and every query are quantised to int16 (scale =
    /// max|v| / M, M from <see cref="SimilarityKernels.ScreenLimit"/>) and their exact integer dot products bound every
    /// score from above: with q = s_q·q̂ + ρ and x = s_x·x̂ + r, |q·x − s_q·s_x·(q̂·x̂)| ≤ ‖s_q·q̂‖·‖r‖ + ‖ρ‖·‖x‖, and
    /// ‖s_q·q̂‖ ≤ ‖q‖ + ‖ρ‖. Dividing by the row's norm gives an upper bound U of its score, to which the float32 rounding of
    /// every step (the norm, the residual sums, the canonical dot product the score is computed with, U's own arithmetic)
    /// is added as (D + 16)·2⁻²³ plus relative widenings of (D + 2)·2⁻²³. A row whose U is below the worst score a query's
    /// full heap keeps cannot enter it; every other row is scored exactly as the single-query path scores it
    /// (<see cref="SimilarityKernels.Dot"/> / norm) and offered. So the results are exactly the exhaustive search's;
    /// only rows that cannot be among the best are never scored in float32. Rows with a zero or non-finite norm and
    /// queries that cannot be quantised always take the exact path.
    /// </summary>
    private void RunBatchScreened(float[] padded, int q, int[]? selfRows, int limit, int k, int topN, NeighborBatch result)
    {
        var d = Dimension;
        var dp = SimilarityKernels.ScreenDim(d);
        var m = SimilarityKernels.ScreenLimit(d);
        var tile = SimilarityKernels.QueryTile;
        var qp = (q + tile - 1) / tile * tile;
        var rel = (d + 2) * Ulp; // relative widening of float32 norms and sums of d squares
        var slack = (d + 16) * Ulp; // absolute: rounding of the canonical score and of U
        var queryInts = new short[(long)qp * dp]; // (Qp, Dp) quantised queries, zero rows as padding
        var queryScale = new float[q]; // s_q
        var queryA = new float[q]; // bound on ‖s_q·q̂‖
        var queryE = new float[q]; // ‖ρ‖·max ‖x‖/norm + slack
        for (var i = 0; i < q; i++)
        {
            var u = padded.AsSpan(i * d, d);
            var scale = SimilarityKernels.Quantize(u, m, queryInts.AsSpan(i * dp, dp), out var residual);
            var e = residual * (1 + rel);
            var norm = MathF.Sqrt(TensorPrimitives.SumOfSquares(u)) * (1 + rel);
            queryScale[i] = scale;
            queryA[i] = (norm + e) * (1 + rel);
            queryE[i] = (e * (1 + rel) * (1 + rel)) + slack;
        }

        RunOverBlocks(limit, q, k, topN, result, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (w, heaps) =>
        {
            var rowInts = new short[ScreenRows * dp]; // (ScreenRows, Dp) the tile, quantised, row-major
            var panels = new int[ScreenRows * dp / 2]; // the same rows in panels of 8 (SimilarityKernels.Interleave)
            var panelLength = dp / 2 * SimilarityKernels.PanelRows;
            var rowC = new float[ScreenRows]; // s_x / norm
            var rowB = new float[ScreenRows]; // ‖r‖ / norm, widened
            var dots = new int[tile * 2 * SimilarityKernels.PanelRows];
            int b;
            while ((b = heaps.NextBlock()) >= 0)
            {
                var block = _blocks[b];
                var end = Math.Min(block.Start + block.Count, limit);
                for (var s = block.Start; s < end; s += ScreenRows)
                {
                    var n = Math.Min(ScreenRows, end - s);
                    var raw = BlockSpan(block, s, n);
                    for (var j = 0; j < n; j++)
                    {
                        var norm = _norms[s + j];
                        var scale = SimilarityKernels.Quantize(raw.Slice(j * d, d), m, rowInts.AsSpan(j * dp, dp), out var residual);
                        var exact = !(norm > 0f) || !float.IsFinite(norm) || !float.IsFinite(scale);
                        rowC[j] = exact ? float.NaN : scale / norm; // NaN: U is NaN, never below a threshold
                        rowB[j] = exact ? float.NaN : residual * (1 + rel) / norm * (1 + rel);
                    }

                    var panelCount = (n + SimilarityKernels.PanelRows - 1) / SimilarityKernels.PanelRows;
                    for (var p = 0; p < panelCount; p++)
                    {
                        var first = p * SimilarityKernels.PanelRows;
                        SimilarityKernels.Interleave(
                            rowInts.AsSpan(first * dp), dp, Math.Min(SimilarityKernels.PanelRows, n - first), panels.AsSpan(p * panelLength, panelLength));
                    }

                    for (var t = 0; t < qp; t += tile)
                    {
                        var queryTile = queryInts.AsSpan(t * dp, tile * dp);
                        for (var p = 0; p < panelCount; p += 2)
                        {
                            var p2 = Math.Min(p + 1, panelCount - 1);
                            SimilarityKernels.ScreenPanels4(queryTile, dp, panels.AsSpan(p * panelLength, panelLength), panels.AsSpan(p2 * panelLength, panelLength), dots);
                            for (var kk = 0; kk < tile && t + kk < q; kk++)
                            {
                                var query = t + kk;
                                var top = heaps.Open(w, query);
                                for (var h = 0; h < 2 && p + h < panelCount; h++)
                                {
                                    var r0 = (p + h) * SimilarityKernels.PanelRows;
                                    var valid = Math.Min(SimilarityKernels.PanelRows, n - r0);
                                    var ints = Vector256.LoadUnsafe(ref dots[0], (nuint)((kk * 2 * SimilarityKernels.PanelRows) + (h * SimilarityKernels.PanelRows)));
                                    var bound = Vector256.FusedMultiplyAdd(
                                        Vector256.ConvertToSingle(ints),
                                        Vector256.Create(queryScale[query]) * Vector256.LoadUnsafe(ref rowC[0], (nuint)r0),
                                        Vector256.FusedMultiplyAdd(Vector256.Create(queryA[query]), Vector256.LoadUnsafe(ref rowB[0], (nuint)r0), Vector256.Create(queryE[query])));
                                    var below = Vector256.LessThan(bound, Vector256.Create(top.Threshold)); // false for NaN
                                    var pass = ~below.ExtractMostSignificantBits() & ((1u << valid) - 1);
                                    while (pass != 0)
                                    {
                                        var j = BitOperations.TrailingZeroCount(pass);
                                        pass &= pass - 1;
                                        var row = s + r0 + j;
                                        if (bound.GetElement(j) < top.Threshold || (selfRows is not null && row == selfRows[query]))
                                        {
                                            continue;
                                        }

                                        var score = SimilarityKernels.Dot(padded.AsSpan(query * d, d), raw.Slice((r0 + j) * d, d)) / _norms[row];
                                        top.Offer(score, row);
                                    }
                                }

                                heaps.Close(w, query, top);
                            }
                        }
                    }
                }
            }
        });
    }

    private float[] PaddedQueries(int q) =>
        new float[(long)((q + SimilarityKernels.QueryTile - 1) / SimilarityKernels.QueryTile * SimilarityKernels.QueryTile) * Dimension];
}
