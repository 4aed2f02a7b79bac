using System.Runtime.CompilerServices;
using EmbedSharp.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace EmbedSharp.Vectors.Similarity;

/// <content>The one-query search: the table in fixed row blocks, the query plan (CosAdd or CosMul terms), and the
/// block scan that offers each block's scores to a top-k heap, on one thread or on several whose heaps are merged.</content>
public sealed partial class SimilarityIndex
{
    private const int SubRows = 256; // rows scored per kernel call on the one-query path (scores on the stack)

    private readonly record struct RowBlock(int Chunk, int ChunkFirstRow, int Start, int Count);

    /// <summary>What to score: CosAdd uses the one query in Terms; CosMul the NPos then NNeg unit terms.</summary>
    private readonly record struct Plan(float[] Terms, int Dim, int NPos, int NNeg, bool CosMul, ArraySegment<int> Excluded, int Self);

    private static RowBlock[] MakeBlocks(FloatTensor table, int v, int d)
    {
        var blocks = new List<RowBlock>();
        if (v == 0)
        {
            return [];
        }

        var rowsPerChunk = d == 0 ? v : (int)Math.Min(v, table.ChunkElements / d);
        for (int c = 0, first = 0; first < v; c++, first += rowsPerChunk)
        {
            var end = Math.Min(v, first + rowsPerChunk);
            for (var s = first; s < end; s += BlockRows)
            {
                blocks.Add(new RowBlock(c, first, s, Math.Min(BlockRows, end - s)));
            }
        }

        return [.. blocks];
    }

    private ReadOnlySpan<float> BlockSpan(in RowBlock b, int start, int count) =>
        _table.Chunk(b.Chunk).Slice((start - b.ChunkFirstRow) * Dimension, count * Dimension);

    /// <summary>destination[i] = dot(query, row i) / norm i for every row (gensim: <c>dot(vectors, q) / norms</c>).</summary>
    private void ScoreAll(ReadOnlySpan<float> query, Span<float> destination)
    {
        EnsureUnchanged();
        foreach (var b in _blocks)
        {
            var dest = destination.Slice(b.Start, b.Count);
            SimilarityKernels.DotRows(query, BlockSpan(b, b.Start, b.Count), Dimension, b.Count, dest);
            TensorPrimitives.Divide(dest, _norms.AsSpan(b.Start, b.Count), dest);
        }
    }

    private Neighbor[] Run(IReadOnlyList<QueryTerm> positive, IReadOnlyList<QueryTerm>? negative, bool cosMul, int topN, int? restrictVocab, IEnumerable<string>? exclude)
    {
        ArgumentNullException.ThrowIfNull(positive);
        ArgumentOutOfRangeException.ThrowIfNegative(topN);
        negative ??= [];
        var limit = Limit(restrictVocab);
        if (cosMul && positive.Count == 0)
        {
            throw new ArgumentException("most_similar_cosmul needs at least one positive term; the positive list is empty.", nameof(positive));
        }

        // Rows to leave out: the query words (gensim), then the explicit set.
        var excluded = new SortedSet<int>();
        foreach (var t in positive.Concat(negative))
        {
            if (t.IsWord)
            {
                excluded.Add(RowOf(t.Word!, cosMul ? "positive/negative" : "positive/negative"));
            }
        }

        if (exclude is not null)
        {
            foreach (var w in exclude)
            {
                var r = _source.IndexOf(w);
                if (r >= 0)
                {
                    excluded.Add(r);
                }
            }
        }

        var d = Dimension;
        float[] terms;
        if (!cosMul)
        {
            terms = new float[d];
            QueryVector(positive, negative, terms);
        }
        else
        {
            terms = new float[(positive.Count + negative.Count) * d];
            var k = 0;
            foreach (var t in positive.Concat(negative))
            {
                var dst = terms.AsSpan(k++ * d, d);
                if (t.IsWord)
                {
                    var r = RowOf(t.Word!, "term");
                    RequireNonZero(r, "term");
                    UnitRow(r, dst);
                }
                else
                {
                    CheckVector(t.Vector.Span, "term");
                    t.Vector.Span.CopyTo(dst);
                    SimilarityKernels.UnitVecInPlace(dst);
                }
            }
        }

        if (topN == 0)
        {
            return [];
        }

        var cap = Math.Min(topN, limit);
        var scores = new float[cap];
        var rows = new int[cap];
        var plan = new Plan(terms, d, cosMul ? positive.Count : 1, cosMul ? negative.Count : 0, cosMul, new ArraySegment<int>([.. excluded]), -1);
        var n = Select(plan, limit, scores, rows);
        var result = new Neighbor[n];
        for (var j = 0; j < n; j++)
        {
            result[j] = new Neighbor(_source.Words[rows[j]], rows[j], scores[j]);
        }

        return result;
    }

    /// <summary>Scores rows [0, limit) with the plan and keeps the best scores.Length, best first; returns the count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Select(Plan plan, int limit, Span<float> scores, Span<int> rows)
    {
        var k = scores.Length;
        if (k == 0 || limit == 0)
        {
            return 0;
        }

        EnsureUnchanged();
        var termCount = plan.CosMul ? plan.NPos + plan.NNeg : 1;
        var work = (long)limit * plan.Dim * termCount;
        var blockCount = CountBlocks(limit);
        var workers = work < _options.ParallelThreshold ? 1 : Math.Min(_options.MaxDegreeOfParallelism, blockCount);
        if (workers <= 1)
        {
            var top = new TopK(scores, rows);
            Span<float> buffer = stackalloc float[3 * SubRows];
            for (var b = 0; b < blockCount; b++)
            {
                ScoreAndOffer(plan, _blocks[b], limit, ref top, buffer);
            }

            return top.SortDescending();
        }

        return SelectParallel(plan, limit, blockCount, workers, scores, rows);
    }

    /// <summary>The parallel half of <see cref="Select"/> (a separate method so the sequential path allocates no closure).</summary>
    private int SelectParallel(Plan plan, int limit, int blockCount, int workers, Span<float> scores, Span<int> rows)
    {
        var k = scores.Length;
        var heapScores = new float[workers * k];
        var heapRows = new int[workers * k];
        var counts = new int[workers];
        var next = -1;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (w) =>
        {
            var top = new TopK(heapScores.AsSpan(w * k, k), heapRows.AsSpan(w * k, k));
            Span<float> buffer = stackalloc float[3 * SubRows];
            int b;
            while ((b = Interlocked.Increment(ref next)) < blockCount)
            {
                ScoreAndOffer(plan, _blocks[b], limit, ref top, buffer);
            }

            counts[w] = top.Count;
        });

        var merged = new TopK(scores, rows);
        for (var w = 0; w < workers; w++)
        {
            for (var j = 0; j < counts[w]; j++)
            {
                merged.Offer(heapScores[(w * k) + j], heapRows[(w * k) + j]);
            }
        }

        return merged.SortDescending();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScoreAndOffer(in Plan plan, in RowBlock block, int limit, ref TopK top, scoped Span<float> buffer)
    {
        var end = Math.Min(block.Start + block.Count, limit);
        var d = plan.Dim;
        var dest = buffer[..SubRows];
        var tmp = buffer.Slice(SubRows, SubRows);
        var neg = buffer.Slice(2 * SubRows, SubRows);
        for (var s = block.Start; s < end; s += SubRows)
        {
            var n = Math.Min(SubRows, end - s);
            var m = BlockSpan(block, s, n);
            var norms = _norms.AsSpan(s, n);
            if (!plan.CosMul)
            {
                SimilarityKernels.DotRows(plan.Terms.AsSpan(0, d), m, d, n, dest);
                TensorPrimitives.Divide(dest[..n], norms, dest);
            }
            else
            {
                for (var t = 0; t < plan.NPos + plan.NNeg; t++)
                {
                    SimilarityKernels.DotRows(plan.Terms.AsSpan(t * d, d), m, d, n, tmp);
                    TensorPrimitives.Divide(tmp[..n], norms, tmp);
                    var isPos = t < plan.NPos;
                    var first = t == 0 || t == plan.NPos;
                    var acc = isPos ? dest : neg;
                    for (var j = 0; j < n; j++)
                    {
                        var shifted = (1f + tmp[j]) / 2f; // gensim: (1 + dot / norm) / 2
                        acc[j] = first ? shifted : acc[j] * shifted;
                    }
                }

                if (plan.NNeg == 0)
                {
                    // gensim: prod([]) is the float64 1.0, so the divisor is float32(1.0 + 1e-6).
                    const float Divisor = (float)(1.0 + 0.000001);
                    for (var j = 0; j < n; j++)
                    {
                        dest[j] /= Divisor;
                    }
                }
                else
                {
                    for (var j = 0; j < n; j++)
                    {
                        dest[j] /= neg[j] + 0.000001f;
                    }
                }
            }

            top.OfferBlock(dest[..n], s, plan.Excluded, plan.Self);
        }
    }

    private int CountBlocks(int limit)
    {
        var n = 0;
        while (n < _blocks.Length && _blocks[n].Start < limit)
        {
            n++;
        }

        return n;
    }
}
