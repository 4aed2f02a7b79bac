namespace EmbedSharp.Vectors.Similarity;

/// <summary>
/// One term of a similarity query: a word of the table (its unit vector is used) or a raw vector (used as given, as
/// gensim does with an ndarray key: <c>get_mean_vector</c> normalises word vectors only). Converts implicitly from a
/// string and from a float array.
/// </summary>
public readonly struct QueryTerm
{
    private QueryTerm(string? word, ReadOnlyMemory<float> vector)
    {
        Word = word;
        Vector = vector;
    }

    /// <summary>The word, or null for a vector term.</summary>
    public string? Word { get; }

    /// <summary>The vector of a vector term (empty for a word term).</summary>
    public ReadOnlyMemory<float> Vector { get; }

    /// <summary>Whether the term is a word.</summary>
    public bool IsWord => Word is not null;

    /// <summary>A word term.</summary>
    public static QueryTerm FromWord(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        return new QueryTerm(word, default);
    }

    /// <summary>A vector term (no copy: do not change the memory while a query runs).</summary>
    public static QueryTerm FromVector(ReadOnlyMemory<float> vector) => new(null, vector);

    /// <summary>A word term.</summary>
    public static implicit operator QueryTerm(string word) => FromWord(word);

    /// <summary>A vector term.</summary>
    public static implicit operator QueryTerm(float[] vector) => FromVector(vector);

    /// <inheritdoc/>
    public override string ToString() => Word ?? $"vector[{Vector.Length}]";
}
