namespace EmbedSharp.Vectors.Formats;

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

    /// <summary>Entries dropped because their word was not valid UTF-8 under <see cref="Utf8Policy.Skip"/>.</summary>
    public IReadOnlyList<long> SkippedEntries { get; }

    /// <summary>Words decoded with U+FFFD replacements under <see cref="Utf8Policy.Replace"/>.</summary>
    public int ReplacedWords { get; }

    /// <summary>True when the words and rows are exactly the file's entries.</summary>
    public bool IsClean => Duplicates.Count == 0 && SkippedEntries.Count == 0 && ReplacedWords == 0;
}
