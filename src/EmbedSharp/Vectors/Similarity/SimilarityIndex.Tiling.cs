using EmbedSharp.Numerics;

namespace EmbedSharp.Vectors.Similarity;

/// <content>Batched queries: <see cref="MostSimilarBatch(FloatTensor, int, int?)"/> scores row tiles against query tiles
/// (the tile stays in cache across all queries), one top-k heap per query and worker, merged at the end.</content>
public sealed partial class SimilarityIndex
{
    private const int BatchRows = 64; // rows per tile of the batched path (kept in L2 across all queries)

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
            _unit.Row(rows[k]).CopyTo(dst);
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

        var qp = padded.Length / Dimension;
        var blockCount = CountBlocks(limit);
        var work = (long)limit * Dimension * q;
        var workers = work < _options.ParallelThreshold ? 1 : Math.Min(_options.MaxDegreeOfParallelism, blockCount);
        var heapScores = new float[(long)workers * q * k];
        var heapRows = new int[(long)workers * q * k];
        var counts = new int[workers * q];
        var next = -1;
        var d = Dimension;

        void Work(int w)
        {
            var buffer = new float[SimilarityKernels.QueryTile * BatchRows];
            int b;
            while ((b = Interlocked.Increment(ref next)) < blockCount)
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
                            var slot = (w * q) + t + kk;
                            var top = new TopK(heapScores.AsSpan(slot * k, k), heapRows.AsSpan(slot * k, k), counts[slot]);
                            top.OfferBlock(buffer.AsSpan(kk * BatchRows, n), s, [], selfRows is null ? -1 : selfRows[t + kk]);
                            counts[slot] = top.Count;
                        }
                    }
                }
            }
        }

        if (workers == 1)
        {
            Work(0);
        }
        else
        {
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, Work);
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
                var slot = (w * q) + i;
                for (var j = 0; j < counts[slot]; j++)
                {
                    merged.Offer(heapScores[(slot * k) + j], heapRows[(slot * k) + j]);
                }
            }

            result.Counts[i] = merged.SortDescending();
        }
    }

    private float[] PaddedQueries(int q) =>
        new float[(long)((q + SimilarityKernels.QueryTile - 1) / SimilarityKernels.QueryTile * SimilarityKernels.QueryTile) * Dimension];
}
