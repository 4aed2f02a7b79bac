using System.Numerics;
using System.Runtime.CompilerServices;

namespace EmbedSharp.Numerics;

/// <summary>
/// A set of table rows as one bit per row: which rows of a dense gradient a row-wise backward has written since the
/// storage was last all zeros. Marking is O(1) per row; the marked rows are visited in ascending order, and clearing costs one pass over the bits (a 1M-row table has 16K words).
/// </summary>
internal sealed class RowMarks
{
    private readonly ulong[] _bits;

    public RowMarks(long rows)
    {
        Rows = rows;
        _bits = new ulong[(rows + 63) >> 6];
    }

    /// <summary>The number of rows the set ranges over.</summary>
    public long Rows { get; }

    /// <summary>Marks every row in <paramref name="rows"/> except <paramref name="skip"/> (the padding row; −1: none).
    /// The rows must be in [0, <see cref="Rows"/>).</summary>
    public void Mark(ReadOnlySpan<long> rows, long skip = -1)
    {
        var bits = _bits;
        foreach (var r in rows)
        {
            if (r != skip)
            {
                bits[(int)(r >> 6)] |= 1UL << (int)(r & 63);
            }
        }
    }

    /// <summary>Whether row <paramref name="row"/> is marked.</summary>
    public bool Contains(long row) => (_bits[(int)(row >> 6)] & (1UL << (int)(row & 63))) != 0;

    /// <summary>Unmarks every row.</summary>
    public void Clear() => Array.Clear(_bits);

    /// <summary>The number of marked rows.</summary>
    public long Count()
    {
        long n = 0;
        foreach (var w in _bits)
        {
            n += BitOperations.PopCount(w);
        }

        return n;
    }

    /// <summary>The marked rows in [<paramref name="start"/>, <paramref name="end"/>), one by one in ascending order.</summary>
    public Cursor Marked(long start, long end) => new(_bits, start, Math.Min(end, Rows));

    /// <summary>Walks the marked rows of a range in ascending order, a word of 64 rows at a time.</summary>
    public struct Cursor
    {
        private readonly ulong[] _bits;
        private readonly long _end;
        private int _word;
        private ulong _pending; // the current word's marked rows not yet returned

        internal Cursor(ulong[] bits, long start, long end)
        {
            _bits = bits;
            _end = end;
            _word = (int)(start >> 6);
            _pending = start < end ? bits[_word] & (ulong.MaxValue << (int)(start & 63)) : 0;
            if (start >= end)
            {
                _word = bits.Length;
            }
        }

        /// <summary>The next marked row, or false when the range has none left.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool MoveNext(out long row)
        {
            while (_pending == 0)
            {
                if (++_word >= _bits.Length || ((long)_word << 6) >= _end)
                {
                    row = _end;
                    return false;
                }

                _pending = _bits[_word];
            }

            row = ((long)_word << 6) + BitOperations.TrailingZeroCount(_pending);
            _pending &= _pending - 1;
            if (row >= _end)
            {
                _pending = 0;
                _word = _bits.Length;
                return false;
            }

            return true;
        }
    }
}
