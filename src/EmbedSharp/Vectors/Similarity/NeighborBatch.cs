namespace EmbedSharp.Vectors.Similarity;

/// <summary>
/// Results of a batched query: for each of Q queries up to TopN (row, score) pairs, best first.
/// Shape: Rows and Scores (Q, TopN) row-major; Counts (Q). Unused slots hold row −1 and score NaN.
/// </summary>
public sealed class NeighborBatch
{
    private readonly IReadOnlyList<string> _words;

    internal NeighborBatch(IReadOnlyList<string> words, int queryCount, int topN)
    {
        _words = words;
        QueryCount = queryCount;
        TopN = topN;
        Rows = new int[(long)queryCount * topN];
        Scores = new float[(long)queryCount * topN];
        Counts = new int[queryCount];
    }

    /// <summary>Number of queries Q.</summary>
    public int QueryCount { get; }

    /// <summary>Results kept per query.</summary>
    public int TopN { get; }

    /// <summary>Rows of the results. Shape: (Q, TopN).</summary>
    public int[] Rows { get; }

    /// <summary>Scores of the results. Shape: (Q, TopN).</summary>
    public float[] Scores { get; }

    /// <summary>How many results each query has (TopN unless the searched rows were fewer). Shape: (Q).</summary>
    public int[] Counts { get; }

    /// <summary>The results of query <paramref name="query"/> as words, best first.</summary>
    public Neighbor[] this[int query]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)query, (uint)QueryCount, nameof(query));
            var result = new Neighbor[Counts[query]];
            for (var j = 0; j < result.Length; j++)
            {
                var row = Rows[((long)query * TopN) + j];
                result[j] = new Neighbor(_words[row], row, Scores[((long)query * TopN) + j]);
            }

            return result;
        }
    }
}
