using System.Globalization;

namespace EmbedSharp.Vectors.Formats;

/// <summary>Turns parsed rows into a <see cref="VectorReadResult"/>: drops skipped rows and later duplicates
/// (or throws under <see cref="DuplicatePolicy.Error"/>) and builds the final matrix.</summary>
internal static class VectorResultBuilder
{
    /// <param name="store">The parsed rows.</param>
    /// <param name="rows">Entries read: rows [0, rows) of the store.</param>
    /// <param name="skipped">Rows left out (their word is null in the store), in any order.</param>
    /// <param name="options">The read options (duplicate policy).</param>
    /// <param name="path">The file, for messages.</param>
    /// <param name="firstLine">1-based line of row 0 in a text file, or −1 for a binary file.</param>
    /// <param name="replaced">Words decoded with U+FFFD replacements.</param>
    public static VectorReadResult Build(RowStore store, long rows, List<SkippedEntry> skipped, VectorReadOptions options, string? path, long firstLine, int replaced = 0)
    {
        skipped.Sort((a, b) => a.Entry.CompareTo(b.Entry));
        if (rows > Array.MaxLength)
        {
            throw new VectorFormatException(string.Create(CultureInfo.InvariantCulture, $"{rows} words are more than one array can hold ({Array.MaxLength})."), path, -1, -1);
        }

        var words = new string[rows - skipped.Count];
        if (skipped.Count == 0 && store.IsFixed)
        {
            for (long r = 0; r < rows; r++)
            {
                words[r] = store.WordAt(r)!;
            }

            // The common case: all words distinct. WordVectors checks that while it builds its index, so the
            // index is built once; only a file with duplicates takes the second path below.
            var matrix = store.BuildMatrix(rows, null, rows);
            try
            {
                return new VectorReadResult(new WordVectors(words, matrix), rows, [], [], replaced);
            }
            catch (ArgumentException)
            {
                // A repeated word: find them all below.
            }
        }

        var drop = new bool[rows];
        foreach (var s in skipped)
        {
            drop[s.Entry] = true;
        }

        var duplicates = new List<DuplicateWord>();
        var first = new Dictionary<string, long>(StringComparer.Ordinal);
        var kept = 0L;
        for (long r = 0; r < rows; r++)
        {
            var word = store.WordAt(r);
            if (word is null)
            {
                continue;
            }

            if (!first.TryAdd(word, r))
            {
                var line = firstLine < 0 ? -1 : firstLine + r;
                if (options.Duplicates == DuplicatePolicy.Error)
                {
                    var where = firstLine < 0
                        ? string.Create(CultureInfo.InvariantCulture, $"entry {first[word]} (byte offset {store.OffsetAt(first[word])})")
                        : string.Create(CultureInfo.InvariantCulture, $"line {firstLine + first[word]}");
                    throw new VectorFormatException(
                        string.Create(CultureInfo.InvariantCulture, $"The word '{word}' of entry {r} already appeared at {where} (DuplicatePolicy.Error)."),
                        path, line, store.OffsetAt(r));
                }

                duplicates.Add(new DuplicateWord(word, r, first[word], line, store.OffsetAt(r)));
                drop[r] = true;
                continue;
            }

            words[kept++] = word;
        }

        if (kept != words.Length)
        {
            Array.Resize(ref words, (int)kept);
        }

        var result = store.BuildMatrix(rows, drop, kept);
        return new VectorReadResult(new WordVectors(words, result), rows, duplicates, skipped, replaced);
    }
}
