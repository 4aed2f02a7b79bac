namespace EmbedSharp.Vectors.Formats;

/// <summary>A word that appeared again after its first entry; the later vector was dropped.</summary>
/// <param name="Word">The repeated word.</param>
/// <param name="Entry">0-based index of the dropped entry among the file's entries.</param>
/// <param name="FirstEntry">0-based index of the entry that was kept.</param>
/// <param name="Line">1-based line of the dropped entry in a text file, −1 in a binary file.</param>
/// <param name="ByteOffset">Offset of the dropped entry from the start of the (decompressed) file.</param>
public readonly record struct DuplicateWord(string Word, long Entry, long FirstEntry, long Line, long ByteOffset);

/// <summary>An entry left out of the result (for example an invalid UTF-8 word under <see cref="Utf8Policy.Skip"/>).</summary>
/// <param name="Entry">0-based index of the entry among the file's entries.</param>
/// <param name="Line">1-based line in a text file, −1 in a binary file.</param>
/// <param name="ByteOffset">Offset of the entry from the start of the (decompressed) file.</param>
/// <param name="Reason">Why it was left out.</param>
public readonly record struct SkippedEntry(long Entry, long Line, long ByteOffset, string Reason);

/// <summary>What a word-vector reader returns: the vectors, plus what it dropped and why.</summary>
public sealed class VectorReadResult
{
    internal VectorReadResult(WordVectors vectors, long entriesRead, IReadOnlyList<DuplicateWord> duplicates, IReadOnlyList<SkippedEntry> skipped, int replacedWords = 0)
    {
        ReplacedWords = replacedWords;
        Vectors = vectors;
        EntriesRead = entriesRead;
        Duplicates = duplicates;
        Skipped = skipped;
    }

    /// <summary>The distinct words and their (V, D) matrix, in file order.</summary>
    public WordVectors Vectors { get; }

    /// <summary>Entries read from the file (at most <see cref="VectorReadOptions.Limit"/>), including dropped ones.</summary>
    public long EntriesRead { get; }

    /// <summary>Repeated words whose later vectors were dropped, in file order (empty under <see cref="DuplicatePolicy.Error"/>).</summary>
    public IReadOnlyList<DuplicateWord> Duplicates { get; }

    /// <summary>Entries left out, in file order.</summary>
    public IReadOnlyList<SkippedEntry> Skipped { get; }

    /// <summary>Entries whose word was not valid UTF-8 and was decoded with U+FFFD replacements (under
    /// <see cref="Utf8Policy.Replace"/>; always 0 otherwise).</summary>
    public int ReplacedWords { get; }
}
