using System.Numerics;
using EmbedSharp.Numerics;

namespace EmbedSharp.Vectors.Formats;

/// <summary>Steps every word-vector reader shares once the entries are decoded: drop skipped entries and later
/// duplicates (keeping the first, as gensim does), copy the kept rows, and find non-finite values.</summary>
internal static class WordRows
{
    /// <summary>Resolves decoded entries (null = skipped) into distinct words. <paramref name="kept"/> is null when every
    /// entry is kept in order, else the entry index of each kept word.</summary>
    public static string[] Resolve(string?[] entries, int replaced, out int[]? kept, out WordReadReport report)
    {
        var seen = new Dictionary<string, int>(entries.Length, StringComparer.Ordinal);
        var duplicates = new List<DuplicateWord>();
        var skipped = new List<long>();
        var words = new List<string>(entries.Length);
        var keptRows = new List<int>(entries.Length);
        for (var i = 0; i < entries.Length; i++)
        {
            var word = entries[i];
            if (word is null)
            {
                skipped.Add(i);
            }
            else if (!seen.TryAdd(word, i))
            {
                duplicates.Add(new DuplicateWord(word, i, seen[word], i + 1, -1)); // entry i is line i + 1 of a word list
            }
            else
            {
                keptRows.Add(i);
                words.Add(word);
            }
        }

        kept = keptRows.Count == entries.Length ? null : [.. keptRows];
        report = new WordReadReport(entries.Length, duplicates, skipped, replaced);
        return [.. words];
    }

    /// <summary>A new (rows.Length, D) tensor holding <paramref name="source"/>'s rows <paramref name="rows"/>.</summary>
    public static FloatTensor SelectRows(FloatTensor source, int[] rows)
    {
        var result = new FloatTensor(rows.Length, source.Shape[1]);
        for (var i = 0; i < rows.Length; i++)
        {
            source.Row(rows[i]).CopyTo(result.Row(i));
        }

        return result;
    }

    /// <summary>Finds the first NaN or ±∞ in row-major order; false when every value is finite.</summary>
    public static bool FindNonFinite(FloatTensor tensor, long rowCount, out long row, out int column)
    {
        for (long r = 0; r < rowCount; r++)
        {
            var c = FirstNonFinite(tensor.Row(r));
            if (c >= 0)
            {
                row = r;
                column = c;
                return true;
            }
        }

        row = -1;
        column = -1;
        return false;
    }

    /// <summary>Index of the first NaN or ±∞ in <paramref name="values"/>, or −1 (x − x is 0 exactly when x is finite).</summary>
    public static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(values[i..]);
                if (!Vector.EqualsAll(v - v, Vector<float>.Zero))
                {
                    break;
                }
            }
        }

        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
