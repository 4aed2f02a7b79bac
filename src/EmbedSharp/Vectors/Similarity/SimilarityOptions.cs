namespace EmbedSharp.Vectors.Similarity;

/// <summary>Options of a <see cref="SimilarityIndex"/>. Results never depend on them: only the speed does.</summary>
public sealed class SimilarityOptions
{
    private int _maxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>Most threads a query (or the build) uses; 1 runs everything on the calling thread. Default: all cores.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxDegreeOfParallelism = value;
        }
    }

    /// <summary>Work (rows × dimension × terms) below which a single query runs on the calling thread, allocating nothing.
    /// Default 2^21 (a 7,000 × 300 table).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public long ParallelThreshold
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 1L << 21;

    /// <summary>Tests only: the batched search scores every row in float32 instead of screening rows with integer bounds
    /// first (results are the same; this checks it).</summary>
    internal bool ExactScan { get; init; }
}
