namespace EmbedSharp.Vectors.Alignment;

/// <summary>
/// A source of vectors for words that may not be in a fixed table, such as a fastText model composing a vector from
/// character n-grams (fastText: <c>getWordVector</c>; gensim: <c>FastTextKeyedVectors.get_vector</c>).
/// </summary>
public interface IWordVectorProvider
{
    /// <summary>The vector length D.</summary>
    int Dimension { get; }

    /// <summary>Writes the vector of <paramref name="word"/> into <paramref name="destination"/> (length
    /// <see cref="Dimension"/>) and returns true, or returns false when it has none (for example no n-gram matched).</summary>
    bool TryGetVector(string word, Span<float> destination);
}
