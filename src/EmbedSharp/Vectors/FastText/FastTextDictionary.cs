using System.Text;
using EmbedSharp.Vectors.Formats.FastTextBin;

namespace EmbedSharp.Vectors.FastText;

/// <summary>
/// A fastText dictionary: entries (raw word bytes, count, type), words first then labels, and the open-addressing
/// table fastText builds on load (dictionary.cc <c>Dictionary::load</c>/<c>find</c>): ⌈size / 0.7⌉ slots, probe from
/// <c>hash(word) mod slots</c> upward. Like fastText, a word stored twice is found at its last entry.
/// </summary>
internal sealed class FastTextDictionary
{
    /// <summary>The end-of-sentence token (dictionary.cc: EOS).</summary>
    internal static ReadOnlySpan<byte> Eos => "</s>"u8;

    private readonly byte[] _blob; // every word's bytes, back to back
    private readonly int[] _starts; // (Size + 1) offsets into _blob
    private readonly int[] _table; // word2int: entry id or -1

    public FastTextDictionary(byte[] blob, int[] starts, long[] counts, FastTextEntryType[] types, string[] strings, int wordCount, long tokenCount)
    {
        _blob = blob;
        _starts = starts;
        Counts = counts;
        Types = types;
        Strings = strings;
        WordCount = wordCount;
        TokenCount = tokenCount;
        var size = counts.Length;
        _table = new int[size == 0 ? 0 : (int)Math.Ceiling(size / 0.7)];
        Array.Fill(_table, -1);
        for (var i = 0; i < size; i++)
        {
            _table[Slot(Bytes(i))] = i;
        }
    }

    public int Size => Counts.Length;

    public int WordCount { get; }

    public int LabelCount => Size - WordCount;

    public long TokenCount { get; }

    public long[] Counts { get; }

    public FastTextEntryType[] Types { get; }

    /// <summary>The decoded form of each entry (see <see cref="Formats.Utf8Policy"/>).</summary>
    public string[] Strings { get; }

    public ReadOnlySpan<byte> Bytes(int id) => _blob.AsSpan(_starts[id], _starts[id + 1] - _starts[id]);

    /// <summary>fastText's <c>getId</c>: the entry holding exactly these bytes, or −1.</summary>
    public int Find(ReadOnlySpan<byte> word) => _table.Length == 0 ? -1 : _table[Slot(word)];

    /// <summary>Builds a dictionary from strings (UTF-8 encoded), checking that no word holds a NUL character.</summary>
    public static FastTextDictionary FromEntries(IReadOnlyList<FastTextEntry> entries, int wordCount, long tokenCount)
    {
        var strings = new string[entries.Count];
        var counts = new long[entries.Count];
        var types = new FastTextEntryType[entries.Count];
        var starts = new int[entries.Count + 1];
        long total = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            total += Encoding.UTF8.GetByteCount(entries[i].Word);
        }

        var blob = new byte[checked((int)total)];
        var at = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            strings[i] = e.Word;
            counts[i] = e.Count;
            types[i] = e.Type;
            starts[i] = at;
            at += Encoding.UTF8.GetBytes(e.Word, blob.AsSpan(at));
        }

        starts[entries.Count] = at;
        return new FastTextDictionary(blob, starts, counts, types, strings, wordCount, tokenCount);
    }

    private int Slot(ReadOnlySpan<byte> word)
    {
        var n = (uint)_table.Length;
        var h = FastTextHash.Hash(word) % n;
        while (_table[h] != -1 && !Bytes(_table[h]).SequenceEqual(word))
        {
            h = (h + 1) % n;
        }

        return (int)h;
    }
}
