namespace EmbedSharp.Vectors;

/// <summary>
/// Word ↔ row lookup behind <see cref="WordVectors"/>: either an in-memory dictionary built from a word list, or an
/// index that lives in a memory-mapped file (the native format's on-disk hash table), which opens in constant time.
/// </summary>
internal interface IWordIndex
{
    /// <summary>Number of words V.</summary>
    int Count { get; }

    /// <summary>The words in row order (a mapped index decodes them on demand).</summary>
    IReadOnlyList<string> Words { get; }

    /// <summary>The row of <paramref name="word"/> (ordinal), or −1.</summary>
    int IndexOf(string word);
}

/// <summary>The in-memory index: a copy of the words and an ordinal dictionary, built eagerly.</summary>
internal sealed class DictionaryWordIndex : IWordIndex
{
    private readonly string[] _words;
    private readonly Dictionary<string, int> _rows;

    /// <exception cref="ArgumentException">A word is null or repeats (the message names it and both rows).</exception>
    public DictionaryWordIndex(IReadOnlyList<string> words, string paramName)
    {
        _words = [.. words];
        _rows = new Dictionary<string, int>(_words.Length, StringComparer.Ordinal);
        for (var i = 0; i < _words.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(_words[i], paramName);
            if (!_rows.TryAdd(_words[i], i))
            {
                throw new ArgumentException($"The word '{_words[i]}' appears at rows {_rows[_words[i]]} and {i}; words must be distinct.", paramName);
            }
        }
    }

    public int Count => _words.Length;

    public IReadOnlyList<string> Words => _words;

    public int IndexOf(string word) => _rows.TryGetValue(word, out var i) ? i : -1;
}
