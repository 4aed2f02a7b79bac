using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;
using EmbedSharp.Numerics.Formats;
using C = EmbedSharp.Vectors.Formats.Native.NativeVectorsConstants;

namespace EmbedSharp.Vectors.Formats.Native;

/// <summary>
/// The word index of a mapped native file: the word-offset table, the UTF-8 word bytes and the open-addressing hash
/// table, all read in place. Lookups encode the query to UTF-8 on the stack, hash it (FNV-1a 64), probe linearly and
/// compare bytes: no allocation, no dictionary built at open. Words are decoded to strings only when asked for, and
/// cached. Every access re-checks its offsets, so even a file changed in place under the mapping is never read out of bounds.
/// </summary>
internal sealed unsafe class NativeWordIndex : IWordIndex
{
    private const int StackBytes = 256;
    private readonly MappedFile _file;
    private readonly ulong* _offsets; // (V + 1) word start offsets into _strings
    private readonly byte* _strings;
    private readonly uint* _slots; // IndexSlots entries: row + 1, or 0 = empty
    private readonly long _stringsLength;
    private readonly long _fileWords; // V in the file (the index may point at rows beyond Count when a limit applies)
    private readonly ulong _mask;
    private readonly string _path;
    private string?[]? _cache;

    public NativeWordIndex(MappedFile file, in NativeVectorsHeader header, int count, string path)
    {
        _file = file;
        _offsets = (ulong*)(file.Pointer + header.OffsetsOffset);
        _strings = file.Pointer + header.StringsOffset;
        _slots = (uint*)(file.Pointer + header.IndexOffset);
        _stringsLength = header.StringsLength;
        _fileWords = header.WordCount;
        _mask = (ulong)header.IndexSlots - 1;
        _path = path;
        Count = count;
        Words = new WordList(this);
    }

    public int Count { get; }

    public IReadOnlyList<string> Words { get; }

    /// <summary>The FNV-1a 64 hash of UTF-8 bytes, folded to the slot-index space as h ^ (h >> 32).</summary>
    public static ulong Hash(ReadOnlySpan<byte> utf8)
    {
        var h = C.FnvOffsetBasis;
        foreach (var b in utf8)
        {
            h = (h ^ b) * C.FnvPrime;
        }

        return h ^ (h >> 32);
    }

    /// <summary>Checks the offsets and UTF-8 of words [0, count): offsets start at 0, never decrease, end inside the
    /// word bytes (and at their end when count is V); the bytes are valid UTF-8 and every word starts on a character
    /// boundary. Linear in the vocabulary bytes, vectorised: about a millisecond for 400,000 words.</summary>
    public void Validate()
    {
        if (_offsets[0] != 0)
        {
            throw Corrupt(Invariant($"The first word offset is {_offsets[0]}, not 0."), (byte*)_offsets);
        }

        var last = Count == _fileWords ? (ulong)_stringsLength : _offsets[Count];
        if (last > (ulong)_stringsLength || (Count == _fileWords && _offsets[Count] != (ulong)_stringsLength))
        {
            throw Corrupt(Invariant($"The word offsets end at {_offsets[Count]} but the word bytes are {_stringsLength} long."), (byte*)(_offsets + Count));
        }

        ulong segment = 0;
        for (var i = 0; i < Count; i++)
        {
            ulong start = _offsets[i], end = _offsets[i + 1];
            if (end < start || end > last)
            {
                throw Corrupt(Invariant($"Word {i}'s offsets [{start}, {end}) are out of order or beyond the {last} word bytes."), (byte*)(_offsets + i));
            }

            if (end > start && (_strings[start] & 0xC0) == 0x80)
            {
                throw Corrupt(Invariant($"Word {i} starts in the middle of a UTF-8 character."), _strings + start);
            }

            if (end - segment >= 1 << 24 || i == Count - 1)
            {
                CheckUtf8(segment, end, i);
                segment = end;
            }
        }
    }

    /// <summary>Checks the hash table: every non-empty slot names a row of the file, no row twice, and exactly V slots
    /// are in use, and a lookup of each row's word reaches that row (one hash and its probes per word, a few
    /// milliseconds for 400,000 words), so every word is found at its own row.</summary>
    public void ValidateSlots()
    {
        var seen = new ulong[(_fileWords + 63) / 64];
        long used = 0;
        for (ulong slot = 0; slot <= _mask; slot++)
        {
            var entry = _slots[slot];
            if (entry == 0)
            {
                continue;
            }

            var row = (long)entry - 1;
            if (row >= _fileWords)
            {
                throw Corrupt(Invariant($"Hash slot {slot} points at row {row}, beyond the {_fileWords} words."), (byte*)(_slots + slot));
            }

            var bit = 1UL << (int)(row & 63);
            if ((seen[row >> 6] & bit) != 0)
            {
                throw Corrupt(Invariant($"Hash slot {slot} points at row {row}, which another slot already names."), (byte*)(_slots + slot));
            }

            seen[row >> 6] |= bit;
            used++;
            if (Find(WordBytes(row)) != row)
            {
                // The word's hash leads elsewhere (its bytes or offset changed), or an equal word comes first.
                throw Corrupt(Invariant($"Hash slot {slot} names row {row}, whose word a lookup does not reach (damaged word bytes, offsets or index, or a repeated word)."), (byte*)(_slots + slot));
            }
        }

        if (used != _fileWords)
        {
            throw Corrupt(Invariant($"The hash index holds {used} words but the header says {_fileWords}."), (byte*)_slots);
        }
    }

    private void CheckUtf8(ulong start, ulong end, int word)
    {
        var bytes = new ReadOnlySpan<byte>(_strings + start, (int)(end - start));
        if (!Utf8.IsValid(bytes))
        {
            var at = WordListFile.FirstInvalidUtf8(bytes);
            throw Corrupt(Invariant($"The word bytes are not valid UTF-8 (at or before word {word})."), _strings + start + at);
        }
    }

    public int IndexOf(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var max = Encoding.UTF8.GetMaxByteCount(word.Length);
        byte[]? rented = null;
        var buffer = max <= StackBytes ? stackalloc byte[StackBytes] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            if (Utf8.FromUtf16(word, buffer, out _, out var written, replaceInvalidSequences: false) != OperationStatus.Done)
            {
                return -1; // an unpaired surrogate cannot be a stored word
            }

            var row = Find(buffer[..written]);
            return row < Count ? (int)row : -1;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The file row of a UTF-8 word, or −1; rows may be ≥ Count when a limit applies.</summary>
    public long Find(ReadOnlySpan<byte> utf8)
    {
        var slot = Hash(utf8) & _mask;
        for (ulong probes = 0; probes <= _mask; probes++)
        {
            var entry = _slots[slot];
            if (entry == 0)
            {
                return -1;
            }

            var row = (long)entry - 1;
            if (row >= _fileWords)
            {
                throw Corrupt(Invariant($"Hash slot {slot} points at row {row}, beyond the {_fileWords} words."), (byte*)(_slots + slot));
            }

            if (WordBytes(row).SequenceEqual(utf8))
            {
                return row;
            }

            slot = (slot + 1) & _mask;
        }

        return -1;
    }

    /// <summary>The UTF-8 bytes of file row <paramref name="row"/>, bounds-checked.</summary>
    public ReadOnlySpan<byte> WordBytes(long row)
    {
        ulong start = _offsets[row], end = _offsets[row + 1];
        if (end < start || end > (ulong)_stringsLength || end - start > int.MaxValue)
        {
            throw Corrupt(Invariant($"Word {row}'s offsets [{start}, {end}) are out of order or beyond the {_stringsLength} word bytes."), (byte*)(_offsets + row));
        }

        return new ReadOnlySpan<byte>(_strings + start, (int)(end - start));
    }

    public string GetWord(int row)
    {
        if ((uint)row >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(row), Invariant($"Word {row} is out of range for {Count} words."));
        }

        var cache = _cache ?? Interlocked.CompareExchange(ref _cache, new string?[Count], null) ?? _cache;
        return cache[row] ??= Encoding.UTF8.GetString(WordBytes(row));
    }

    private TensorFormatException Corrupt(string message, byte* at) =>
        new(message, _path, at - _file.Pointer);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>The words in row order, decoded on demand.</summary>
    private sealed class WordList(NativeWordIndex index) : IReadOnlyList<string>
    {
        public string this[int index1] => index.GetWord(index1);

        public int Count => index.Count;

        public IEnumerator<string> GetEnumerator()
        {
            for (var i = 0; i < index.Count; i++)
            {
                yield return index.GetWord(i);
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
