using EmbedSharp.Numerics;

namespace EmbedSharp.Vectors;

/// <summary>
/// Pretrained word vectors: a vocabulary of distinct words and a (V, D) float32 matrix whose row i is the vector of
/// word i (gensim: <c>KeyedVectors</c>). The matrix may live in managed memory or in a memory-mapped file; dispose the
/// object to release a mapping. Similarity queries use an index built explicitly from it (unit-normalised once, never lazily).
/// </summary>
public sealed class WordVectors : IDisposable
{
    private readonly IWordIndex _index;
    private IDisposable? _storage;

    /// <summary>Creates word vectors from distinct words and their (V, D) matrix (no copy).</summary>
    /// <param name="words">The words, in row order; each must be distinct.</param>
    /// <param name="vectors">The matrix, shape (words.Count, D).</param>
    /// <param name="storage">An owner of the matrix's memory (a mapping) to dispose with this object, or null.</param>
    /// <exception cref="ArgumentException">The matrix is not 2-D, its row count differs from the word count, or a word repeats.</exception>
    public WordVectors(IReadOnlyList<string> words, FloatTensor vectors, IDisposable? storage = null)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Rank != 2)
        {
            throw new ArgumentException($"Word vectors need a (V, D) matrix; got shape {FloatTensor.FormatShape(vectors.Shape)}.", nameof(vectors));
        }

        if (vectors.Shape[0] != words.Count)
        {
            throw new ArgumentException($"{words.Count} words but the matrix has {vectors.Shape[0]} rows.", nameof(vectors));
        }

        _index = new DictionaryWordIndex(words, nameof(words));
        Vectors = vectors;
        _storage = storage;
    }

    /// <summary>Creates word vectors over a prepared word index (such as a memory-mapped file's on-disk hash table,
    /// which opens in constant time instead of building a dictionary of every word).</summary>
    internal WordVectors(IWordIndex index, FloatTensor vectors, IDisposable? storage)
    {
        if (vectors.Rank != 2 || vectors.Shape[0] != index.Count)
        {
            throw new ArgumentException($"{index.Count} words but the matrix has shape {FloatTensor.FormatShape(vectors.Shape)}.", nameof(vectors));
        }

        _index = index;
        Vectors = vectors;
        _storage = storage;
    }

    /// <summary>The words, in row order.</summary>
    public IReadOnlyList<string> Words => _index.Words;

    /// <summary>The (V, D) matrix. Shape: (Count, Dimension).</summary>
    public FloatTensor Vectors { get; }

    /// <summary>Number of words V.</summary>
    public int Count => _index.Count;

    /// <summary>Vector dimension D.</summary>
    public int Dimension => (int)Vectors.Shape[1];

    /// <summary>Whether <paramref name="word"/> has a vector (ordinal, case-sensitive).</summary>
    public bool Contains(string word) => _index.IndexOf(word) >= 0;

    /// <summary>The row of <paramref name="word"/>, or −1.</summary>
    public int IndexOf(string word) => _index.IndexOf(word);

    /// <summary>The vector of <paramref name="word"/> (a view of the matrix row).</summary>
    /// <exception cref="KeyNotFoundException">The word is not in the vocabulary.</exception>
    public ReadOnlySpan<float> this[string word] =>
        _index.IndexOf(word) is var i and >= 0 ? Vectors.Row(i) : throw new KeyNotFoundException($"'{word}' is not among the {Count} words.");

    /// <summary>The vector of row <paramref name="index"/> (a view).</summary>
    public ReadOnlySpan<float> GetVector(int index) => Vectors.Row(index);

    /// <summary>Copies the vector of <paramref name="word"/> into <paramref name="destination"/>; false if the word is unknown.</summary>
    public bool TryGetVector(string word, Span<float> destination)
    {
        var i = _index.IndexOf(word);
        if (i < 0)
        {
            return false;
        }

        Vectors.Row(i).CopyTo(destination);
        return true;
    }

    /// <summary>Checks that every value is finite, as an embedding table built from these vectors needs (PyTorch's
    /// <c>nn.Embedding.from_pretrained</c> would carry a NaN or ±∞ into every sum it enters); one vectorised pass.</summary>
    /// <param name="filePath">The file the vectors came from, named in the message.</param>
    /// <param name="purpose">What needs finite values, for the message (e.g. "aligning to a vocabulary").</param>
    /// <exception cref="Formats.VectorFormatException">A value is NaN or ±∞; the message names the file, the word, its row and column.</exception>
    public void EnsureFinite(string? filePath, string purpose)
    {
        ArgumentException.ThrowIfNullOrEmpty(purpose);
        if (Formats.WordRows.FindNonFinite(Vectors, Vectors.RowCount, out var row, out var column))
        {
            var value = Vectors.Row(row)[column];
            throw new Formats.VectorFormatException(
                FormattableString.Invariant($"The vector of '{Words[(int)row]}' (row {row}) holds {value} at column {column}; {purpose} needs finite values (fix or drop that vector)."),
                filePath, -1, -1);
        }
    }

    /// <summary>Releases a memory mapping behind the matrix, if any; the vectors must not be used afterwards.</summary>
    public void Dispose()
    {
        _storage?.Dispose();
        _storage = null;
    }
}
