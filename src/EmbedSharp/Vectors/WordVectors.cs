using EmbedSharp.Numerics;

namespace EmbedSharp.Vectors;

/// <summary>
/// Pretrained word vectors: a vocabulary of distinct words and a (V, D) float32 matrix whose row i is the vector of
/// word i (gensim: <c>KeyedVectors</c>). The matrix may live in managed memory or in a memory-mapped file; dispose the
/// object to release a mapping. Similarity queries use an index built explicitly from it (unit-normalised once, never lazily).
/// </summary>
public sealed class WordVectors : IDisposable
{
    private readonly string[] _words;
    private readonly Dictionary<string, int> _index;
    private IDisposable? _storage;

    /// <summary>Creates word vectors from distinct words and their (V, D) matrix (no copy).</summary>
    /// <param name="words">The words, in row order; each must be distinct.</param>
    /// <param name="vectors">The matrix, shape (words.Count, D).</param>
    /// <param name="storage">An owner of the matrix's memory (a mapping) to dispose with this object, or null.</param>
    /// <exception cref="ArgumentException">The matrix is not 2-D, its row count differs from the word count, or a word repeats.</exception>
    public WordVectors(IReadOnlyList<string> words, Tensor vectors, IDisposable? storage = null)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Rank != 2)
        {
            throw new ArgumentException($"Word vectors need a (V, D) matrix; got shape {Tensor.FormatShape(vectors.Shape)}.", nameof(vectors));
        }

        if (vectors.Shape[0] != words.Count)
        {
            throw new ArgumentException($"{words.Count} words but the matrix has {vectors.Shape[0]} rows.", nameof(vectors));
        }

        _words = [.. words];
        _index = new Dictionary<string, int>(_words.Length, StringComparer.Ordinal);
        for (var i = 0; i < _words.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(_words[i], nameof(words));
            if (!_index.TryAdd(_words[i], i))
            {
                throw new ArgumentException($"The word '{_words[i]}' appears at rows {_index[_words[i]]} and {i}; words must be distinct.", nameof(words));
            }
        }

        Vectors = vectors;
        _storage = storage;
    }

    /// <summary>The words, in row order.</summary>
    public IReadOnlyList<string> Words => _words;

    /// <summary>The (V, D) matrix. Shape: (Count, Dimension).</summary>
    public Tensor Vectors { get; }

    /// <summary>Number of words V.</summary>
    public int Count => _words.Length;

    /// <summary>Vector dimension D.</summary>
    public int Dimension => (int)Vectors.Shape[1];

    /// <summary>Whether <paramref name="word"/> has a vector (ordinal, case-sensitive).</summary>
    public bool Contains(string word) => _index.ContainsKey(word);

    /// <summary>The row of <paramref name="word"/>, or −1.</summary>
    public int IndexOf(string word) => _index.TryGetValue(word, out var i) ? i : -1;

    /// <summary>The vector of <paramref name="word"/> (a view of the matrix row).</summary>
    /// <exception cref="KeyNotFoundException">The word is not in the vocabulary.</exception>
    public ReadOnlySpan<float> this[string word] =>
        _index.TryGetValue(word, out var i) ? Vectors.Row(i) : throw new KeyNotFoundException($"'{word}' is not among the {Count} words.");

    /// <summary>The vector of row <paramref name="index"/> (a view).</summary>
    public ReadOnlySpan<float> GetVector(int index) => Vectors.Row(index);

    /// <summary>Copies the vector of <paramref name="word"/> into <paramref name="destination"/>; false if the word is unknown.</summary>
    public bool TryGetVector(string word, Span<float> destination)
    {
        if (!_index.TryGetValue(word, out var i))
        {
            return false;
        }

        Vectors.Row(i).CopyTo(destination);
        return true;
    }

    /// <summary>Releases a memory mapping behind the matrix, if any; the vectors must not be used afterwards.</summary>
    public void Dispose()
    {
        _storage?.Dispose();
        _storage = null;
    }
}
