namespace EmbedSharp.Vectors.Formats;

/// <summary>A word that appeared again in a file; the first occurrence was kept (as gensim does) and this one dropped
/// with its vector.</summary>
/// <param name="Word">The word.</param>
/// <param name="FirstEntry">0-based position of the kept occurrence among the file's entries (its line − 1 in a
/// one-word-per-line file).</param>
/// <param name="DuplicateEntry">0-based position of the dropped occurrence.</param>
public sealed record DuplicateWord(string Word, long FirstEntry, long DuplicateEntry);

/// <summary>What a word-vector reader changed or dropped while reading. Entries are 0-based positions in the file.</summary>
public sealed class WordReadReport
{
    internal WordReadReport(long entriesRead, IReadOnlyList<DuplicateWord> duplicates, IReadOnlyList<long> skippedEntries, int replacedWords)
    {
        EntriesRead = entriesRead;
        Duplicates = duplicates;
        SkippedEntries = skippedEntries;
        ReplacedWords = replacedWords;
    }

    /// <summary>Entries read from the file (after <c>Limit</c>), before dropping duplicates and skipped words.</summary>
    public long EntriesRead { get; }

    /// <summary>Words that repeated; each later occurrence was dropped.</summary>
    public IReadOnlyList<DuplicateWord> Duplicates { get; }

    /// <summary>Entries dropped because their word was not valid UTF-8 under <see cref="InvalidUtf8Policy.Skip"/>.</summary>
    public IReadOnlyList<long> SkippedEntries { get; }

    /// <summary>Words decoded with U+FFFD replacements under <see cref="InvalidUtf8Policy.Replace"/>.</summary>
    public int ReplacedWords { get; }

    /// <summary>True when the words and rows are exactly the file's entries.</summary>
    public bool IsClean => Duplicates.Count == 0 && SkippedEntries.Count == 0 && ReplacedWords == 0;
}
