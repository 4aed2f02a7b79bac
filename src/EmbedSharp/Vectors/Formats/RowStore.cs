using EmbedSharp.Numerics;

namespace EmbedSharp.Vectors.Formats;

/// <summary>
/// Where a reader puts entries while it parses: each entry (row r of the file) gets its vector, its word (null when
/// skipped) and its byte offset. With a known row count the vectors go straight into the final (N, D) tensor; with an
/// unknown count (a stream that cannot tell its length) they go into segments that grow as rows arrive and are copied
/// into the final tensor at the end. Rows may be written from several threads once <see cref="Reserve"/> has covered
/// them (only the thread that reads the file calls it).
/// </summary>
internal sealed class RowStore
{
    private const int MaxSegmentShift = 14; // at most 16384 rows per segment
    private const int SegmentFloats = 1 << 22; // at most 16 MiB of floats per growing segment

    private readonly int _dimension;
    private readonly int _shift; // rows per segment = 1 << _shift
    private readonly int _mask;
    private readonly FloatTensor? _fixed; // (capacity, D) when the row count is known up front
    private Segment[] _segments = [];
    private int _segmentCount;

    private RowStore(int dimension, FloatTensor? fixedMatrix)
    {
        _dimension = dimension;
        _fixed = fixedMatrix;
        _shift = MaxSegmentShift;
        while (fixedMatrix is null && _shift > 0 && ((long)dimension << _shift) > SegmentFloats)
        {
            _shift--;
        }

        _mask = (1 << _shift) - 1;
    }

    /// <summary>Rows that may be written: [0, Capacity).</summary>
    public long Capacity { get; private set; }

    /// <summary>Whether rows are written straight into the final matrix.</summary>
    public bool IsFixed => _fixed is not null;

    /// <summary>Vector length D.</summary>
    public int Dimension => _dimension;

    /// <summary>A store for exactly <paramref name="rows"/> rows, written in place into the final matrix.</summary>
    public static RowStore Fixed(long rows, int dimension)
    {
        var store = new RowStore(dimension, new FloatTensor(rows, dimension));
        store.Reserve(rows);
        return store;
    }

    /// <summary>A store that grows with <see cref="Reserve"/>.</summary>
    public static RowStore Growing(int dimension) => new(dimension, null);

    /// <summary>Makes rows [0, <paramref name="rows"/>) writable. Called only by the thread that reads the file.</summary>
    public void Reserve(long rows)
    {
        if (rows <= Capacity)
        {
            return;
        }

        if (_fixed is not null && rows > _fixed.RowCount)
        {
            throw new InvalidOperationException("A fixed row store cannot grow.");
        }

        var needed = (int)((rows + _mask) >> _shift);
        if (needed > _segments.Length)
        {
            var grown = new Segment[Math.Max(needed, _segments.Length * 2)];
            Array.Copy(_segments, grown, _segmentCount);
            Volatile.Write(ref _segments, grown);
        }

        for (var s = _segmentCount; s < needed; s++)
        {
            _segments[s] = new Segment(1 << _shift, _fixed is null ? _dimension : 0);
        }

        _segmentCount = needed;
        Capacity = _fixed is not null ? rows : (long)needed << _shift;
    }

    /// <summary>The vector of row <paramref name="row"/> (length D), to be filled by the parser.</summary>
    public Span<float> Row(long row)
    {
        if (_fixed is not null)
        {
            return _fixed.Row(row);
        }

        var segment = Volatile.Read(ref _segments)[(int)(row >> _shift)];
        return segment.Values.AsSpan((int)(row & _mask) * _dimension, _dimension);
    }

    /// <summary>Records the word (null = skipped) and the byte offset of row <paramref name="row"/>.</summary>
    public void SetEntry(long row, string? word, long byteOffset)
    {
        var segment = Volatile.Read(ref _segments)[(int)(row >> _shift)];
        var i = (int)(row & _mask);
        segment.Words[i] = word;
        segment.Offsets[i] = byteOffset;
    }

    /// <summary>The word of row <paramref name="row"/>, null if the row was skipped.</summary>
    public string? WordAt(long row) => _segments[(int)(row >> _shift)].Words[(int)(row & _mask)];

    /// <summary>The byte offset of row <paramref name="row"/>.</summary>
    public long OffsetAt(long row) => _segments[(int)(row >> _shift)].Offsets[(int)(row & _mask)];

    /// <summary>The final (K, D) matrix of rows [0, <paramref name="rows"/>) whose <paramref name="drop"/> flag is
    /// false (all rows when <paramref name="drop"/> is null). Reuses the fixed matrix when nothing is dropped and it
    /// has exactly that many rows; otherwise copies (a moment with both matrices alive).</summary>
    public FloatTensor BuildMatrix(long rows, bool[]? drop, long kept)
    {
        if (_fixed is not null && drop is null && rows == _fixed.RowCount)
        {
            return _fixed;
        }

        var result = new FloatTensor(kept, _dimension);
        long k = 0;
        for (long r = 0; r < rows; r++)
        {
            if (drop is null || !drop[r])
            {
                Row(r).CopyTo(result.Row(k++));
            }

            if (_fixed is null && (r & _mask) == _mask)
            {
                _segments[(int)(r >> _shift)].Values = []; // let the copied segment go
            }
        }

        return result;
    }

    private sealed class Segment(int rows, int dimension)
    {
        public float[] Values { get; set; } = dimension == 0 ? [] : new float[(long)rows * dimension];

        public string?[] Words { get; } = new string?[rows];

        public long[] Offsets { get; } = new long[rows];
    }
}
