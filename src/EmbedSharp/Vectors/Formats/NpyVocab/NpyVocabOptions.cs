namespace EmbedSharp.Vectors.Formats.NpyVocab;

/// <summary>Options for <see cref="NpyVocabFile.Read(string, string, NpyVocabReadOptions?)"/>.</summary>
public sealed record NpyVocabReadOptions
{
    /// <summary>Map the .npy file instead of copying it (needs an uncompressed <c>&lt;f4</c> C-order 2-D file); the
    /// result owns the mapping. Cannot drop rows: duplicates or skipped words are then an error.</summary>
    public bool MemoryMap { get; init; }

    /// <summary>How a mapped matrix may be touched (with <see cref="MemoryMap"/>).</summary>
    public MappedAccess Access { get; init; } = MappedAccess.CopyOnWrite;

    /// <summary>Use only the first N rows and lines, like gensim's <c>limit</c>; null for all.</summary>
    public int? Limit { get; init; }

    /// <summary>What to do with a line that is not valid UTF-8 (default: throw).</summary>
    public Utf8Policy InvalidUtf8 { get; init; } = Utf8Policy.Strict;

    /// <summary>Accept NaN and ±∞ in the matrix (default: refuse them; a mapped matrix is then scanned once).</summary>
    public bool AllowNonFinite { get; init; }
}
