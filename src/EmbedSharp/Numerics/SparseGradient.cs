using System.Globalization;
using System.Runtime.CompilerServices;

namespace EmbedSharp.Numerics;

/// <summary>
/// A sparse gradient over the rows of a (rows, D…) parameter, uncoalesced like PyTorch's embedding gradient with
/// <c>sparse=True</c>: entry k says "add <see cref="Value(int)"/> to row <see cref="Index(int)"/>"; a row may appear
/// several times. Shape: indices (N,), values (N, D) row-major. Owned buffers grow by doubling and are reused after
/// <see cref="Clear"/>, so a warmed-up training step appends without allocating.
/// </summary>
/// <remarks>
/// <para>Entries are either <b>owned</b> (<see cref="Append(long)"/>: the values are copied in) or <b>borrowed</b>
/// (<see cref="AppendBorrowed"/>: the entries refer to the caller's index tensor and gradient tensor without copying,
/// as PyTorch's sparse embedding gradient is a view of the upstream gradient). Readers see no difference:
/// <see cref="Count"/>, <see cref="Index(int)"/> and <see cref="Value(int)"/> address both kinds in append order.</para>
/// <para><b>Lifetime rule for borrowed entries:</b> the borrowed index tensor and gradient tensor must stay unchanged
/// until the gradient is consumed and cleared (the optimiser step, then <see cref="EmbedSharp.Nn.Parameter.ZeroGrad"/> /
/// <see cref="Clear"/>), exactly as in PyTorch where <c>weight.grad</c> references the autograd buffer. Writing
/// through <see cref="Value(int)"/> of a borrowed entry writes into the caller's gradient tensor. To end a borrow early
/// (say, before reusing the gradient buffer for a second backward), call <see cref="Own"/>.</para>
/// </remarks>
public sealed partial class SparseGradient
{
    private long[] _indices = new long[16];
    private float[] _values;
    private int _ownedCount;
    private Segment[] _segments = new Segment[4];
    private int _segmentCount;
    private int[] _positions = [];
    private int _positionCount;
    private ulong[] _sortKeys = [];
    private long[] _sortRows = [];
    private int[] _sortEntries = [];
    private int[] _groupStarts = [];

    /// <summary>A run of consecutive entries: owned (rows and values in the owned buffers from <see cref="OwnedStart"/>) or
    /// borrowed (positions into the caller's index tensor and value tensor; identity positions unless filtered).</summary>
    private struct Segment
    {
        public int Start;
        public int Count;
        public int OwnedStart;
        public IndexTensor? Indices;
        public FloatTensor? Values;
        public int PositionStart; // −1: entry j is position j; else positions come from _positions[PositionStart + j]
    }

    /// <summary>Creates an empty gradient for a parameter with <paramref name="rowCount"/> rows of <paramref name="rowLength"/> elements.</summary>
    public SparseGradient(long rowCount, long rowLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        if (rowLength < 0 || rowLength > Array.MaxLength / 16)
        {
            throw new ArgumentOutOfRangeException(nameof(rowLength), $"Row length {rowLength} is out of range.");
        }

        RowCount = rowCount;
        RowLength = (int)rowLength;
        _values = new float[16 * RowLength];
    }

    /// <summary>Rows of the parameter this gradient belongs to.</summary>
    public long RowCount { get; }

    /// <summary>Elements per row.</summary>
    public int RowLength { get; }

    /// <summary>Number of (index, row values) entries, duplicates included.</summary>
    public int Count { get; private set; }

    /// <summary>Whether some entries borrow the caller's tensors (see <see cref="AppendBorrowed"/>).</summary>
    public bool HasBorrowedEntries
    {
        get
        {
            for (var s = 0; s < _segmentCount; s++)
            {
                if (_segments[s].Indices is not null)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The row indices of the entries, in the order they were added, as one span.</summary>
    /// <remarks>With borrowed entries this first calls <see cref="Own"/> (copies them; allocates). Hot paths read
    /// <see cref="Index(int)"/> instead.</remarks>
    public ReadOnlySpan<long> Indices
    {
        get
        {
            Own();
            return _indices.AsSpan(0, Count);
        }
    }

    /// <summary>All entry values, (Count, RowLength) row-major, as one span.</summary>
    /// <remarks>With borrowed entries this first calls <see cref="Own"/> (copies them; allocates). Hot paths read
    /// <see cref="Value(int)"/> instead.</remarks>
    public ReadOnlySpan<float> Values
    {
        get
        {
            Own();
            return _values.AsSpan(0, Count * RowLength);
        }
    }

    /// <summary>The row index of entry <paramref name="k"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is outside [0, Count).</exception>
    public long Index(int k)
    {
        ref var seg = ref Locate(k);
        var j = k - seg.Start;
        if (seg.Indices is null)
        {
            return _indices[seg.OwnedStart + j];
        }

        return seg.Indices.AsSpan()[seg.PositionStart < 0 ? j : _positions[seg.PositionStart + j]];
    }

    /// <summary>The values of entry <paramref name="k"/> (writable, for in-place scaling; for a borrowed entry this is the
    /// caller's gradient memory).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is outside [0, Count).</exception>
    public Span<float> Value(int k)
    {
        ref var seg = ref Locate(k);
        var j = k - seg.Start;
        if (seg.Indices is null)
        {
            return _values.AsSpan((seg.OwnedStart + j) * RowLength, RowLength);
        }

        var pos = seg.PositionStart < 0 ? j : _positions[seg.PositionStart + j];
        return seg.Values!.Chunk(0).Slice(pos * RowLength, RowLength);
    }

    /// <summary>Appends an entry and returns its value row to fill (zeroed).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The row is outside [0, RowCount).</exception>
    public Span<float> Append(long row)
    {
        if ((ulong)row >= (ulong)RowCount)
        {
            throw new ArgumentOutOfRangeException(nameof(row), $"Row {row} is outside a parameter with {RowCount} rows.");
        }

        var k = AppendOwned(1);
        _indices[k] = row;
        var span = _values.AsSpan(k * RowLength, RowLength);
        span.Clear();
        return span;
    }

    /// <summary>Appends one entry per element of <paramref name="rows"/> that is not <paramref name="skip"/> (the rows are
    /// checked by the caller), in order, and returns their value rows as one span, not cleared: the caller writes every
    /// value (the EmbeddingBag sparse backward, which would otherwise clear 105 MB only to overwrite it).</summary>
    internal Span<float> AppendUninitialized(ReadOnlySpan<long> rows, long skip)
    {
        var count = 0;
        foreach (var r in rows)
        {
            count += r != skip ? 1 : 0;
        }

        if (count == 0)
        {
            return default;
        }

        var start = AppendOwned(count);
        var k = start;
        foreach (var r in rows)
        {
            if (r != skip)
            {
                _indices[k++] = r;
            }
        }

        return _values.AsSpan(start * RowLength, count * RowLength);
    }

    /// <summary>Adds <paramref name="count"/> owned entries at the end (growing the storage, opening an owned segment
    /// after a borrowed one) and returns the owned position of the first; the caller writes their rows and values.</summary>
    private int AppendOwned(int count)
    {
        if (_ownedCount + count > _indices.Length)
        {
            var capacity = Math.Max(_indices.Length * 2, _ownedCount + count);
            Array.Resize(ref _indices, capacity);
            Array.Resize(ref _values, capacity * RowLength);
        }

        if (_segmentCount == 0 || _segments[_segmentCount - 1].Indices is not null)
        {
            AddSegment(new Segment { Start = Count, OwnedStart = _ownedCount, PositionStart = -1 });
        }

        var start = _ownedCount;
        _segments[_segmentCount - 1].Count += count;
        _ownedCount += count;
        Count += count;
        return start;
    }

    /// <summary>Appends an entry with a copy of <paramref name="values"/>.</summary>
    public void Append(long row, ReadOnlySpan<float> values)
    {
        if (values.Length != RowLength)
        {
            throw new ArgumentException($"A row has {RowLength} elements; got {values.Length}.", nameof(values));
        }

        values.CopyTo(Append(row));
    }

    /// <summary>Appends, without copying, one entry per position i of <paramref name="indices"/> (flat order) whose index
    /// is not <paramref name="excludedRow"/>: row <c>indices[i]</c> with values <c>values[i·D .. (i+1)·D)</c>. PyTorch's
    /// sparse embedding backward does the same: its gradient values are a view of the upstream gradient, and padding
    /// entries are dropped from the indices while the values keep their original positions.</summary>
    /// <remarks>Shape: indices (*), values (*, D) (any shape with N·D elements, one storage chunk). The entries borrow
    /// both tensors: see the lifetime rule in the class remarks. O(N) index check (vectorised); no value is copied.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, RowCount) (names it, its position and the
    /// row count); nothing is appended.</exception>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not hold N·D elements in one chunk.</exception>
    public void AppendBorrowed(IndexTensor indices, FloatTensor values, long? excludedRow = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(values);
        var n = indices.Length;
        if (values.Length != (long)n * RowLength)
        {
            throw new ArgumentException(
                $"values has shape {FloatTensor.FormatShape(values.Shape)} ({values.Length} elements) but {n} indices × {RowLength} = {(long)n * RowLength} are needed.", nameof(values));
        }

        if (!values.IsSingleChunk)
        {
            throw new ArgumentException($"Borrowed values must be stored in one chunk; this tensor has {values.ChunkCount}. Append copies instead.", nameof(values));
        }

        var idx = indices.AsSpan();
        var bad = IndexScan.FirstOutOfRange(idx, RowCount);
        if (bad >= 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(indices),
                string.Create(CultureInfo.InvariantCulture, $"Index {idx[bad]} at position {bad} is outside a parameter with {RowCount} rows."));
        }

        AppendBorrowedChecked(indices, values, excludedRow);
    }

    /// <summary><see cref="AppendBorrowed"/> after the caller has checked the indices and the values' size and chunking.</summary>
    internal void AppendBorrowedChecked(IndexTensor indices, FloatTensor values, long? excludedRow)
    {
        var n = indices.Length;
        var idx = indices.AsSpan();
        if (n == 0)
        {
            return;
        }

        var positionStart = -1;
        var count = n;
        if (excludedRow is { } pad && idx.Contains(pad))
        {
            if (_positions.Length - _positionCount < n)
            {
                Array.Resize(ref _positions, Math.Max(_positionCount + n, _positions.Length * 2));
            }

            positionStart = _positionCount;
            var p = _positions.AsSpan(_positionCount, n);
            count = 0;
            for (var i = 0; i < n; i++)
            {
                if (idx[i] != pad)
                {
                    p[count++] = i;
                }
            }

            _positionCount += count;
            if (count == 0)
            {
                return;
            }
        }

        AddSegment(new Segment { Start = Count, Count = count, Indices = indices, Values = values, PositionStart = positionStart });
        Count += count;
    }

    /// <summary>Copies every borrowed entry into owned storage (allocates), so the caller's tensors are free to change.
    /// Entry order, indices and values are unchanged. Does nothing if no entry is borrowed.</summary>
    public void Own()
    {
        if (_segmentCount <= 1 && (_segmentCount == 0 || _segments[0].Indices is null))
        {
            return; // all owned, in entry order
        }

        var capacity = Math.Max(16, Count);
        var indices = new long[capacity];
        var values = new float[capacity * RowLength];
        for (var k = 0; k < Count; k++)
        {
            indices[k] = Index(k);
            Value(k).CopyTo(values.AsSpan(k * RowLength, RowLength));
        }

        _indices = indices;
        _values = values;
        _ownedCount = Count;
        ResetSegments();
        if (Count > 0)
        {
            AddSegment(new Segment { Start = 0, Count = Count, OwnedStart = 0, PositionStart = -1 });
        }
    }

    /// <summary>Removes every entry (and every borrow), keeping the owned buffers.</summary>
    public void Clear()
    {
        Count = 0;
        _ownedCount = 0;
        _positionCount = 0;
        ResetSegments();
    }

    /// <summary>The dense equivalent: a (RowCount, RowLength) tensor with every entry added to its row in order.</summary>
    public FloatTensor ToDense(ReadOnlySpan<long> shape)
    {
        var t = new FloatTensor(shape);
        if (t.RowCount != RowCount || t.RowLength != RowLength)
        {
            throw new ArgumentException($"Shape {FloatTensor.FormatShape(shape)} does not match {RowCount} rows of {RowLength}.", nameof(shape));
        }

        for (var k = 0; k < Count; k++)
        {
            var row = t.Row(Index(k));
            System.Numerics.Tensors.TensorPrimitives.Add(row, Value(k), row);
        }

        return t;
    }

    /// <summary>Walks the entries in order, segment by segment (cheaper than <see cref="Index(int)"/> per entry).</summary>
    internal ref struct Cursor
    {
        private readonly SparseGradient _g;
        private int _segment;
        private int _j;
        private int _count;
        private ReadOnlySpan<long> _rows;
        private ReadOnlySpan<int> _positions;
        private Span<float> _values;
        private int _position;

        public Cursor(SparseGradient g)
        {
            _g = g;
            _segment = -1;
        }

        /// <summary>The row of the current entry.</summary>
        public long Row { get; private set; }

        /// <summary>The values of the current entry.</summary>
        public readonly Span<float> Value => _values.Slice(_position * _g.RowLength, _g.RowLength);

        public bool MoveNext()
        {
            while (_j >= _count)
            {
                if (++_segment >= _g._segmentCount)
                {
                    return false;
                }

                ref var seg = ref _g._segments[_segment];
                _j = 0;
                _count = seg.Count;
                if (seg.Indices is null)
                {
                    _rows = _g._indices.AsSpan(seg.OwnedStart, seg.Count);
                    _values = _g._values.AsSpan(seg.OwnedStart * _g.RowLength, seg.Count * _g.RowLength);
                    _positions = default;
                }
                else
                {
                    _rows = seg.Indices.AsSpan();
                    _values = seg.Values!.Chunk(0);
                    _positions = seg.PositionStart < 0 ? default : _g._positions.AsSpan(seg.PositionStart, seg.Count);
                }
            }

            _position = _positions.IsEmpty ? _j : _positions[_j];
            Row = _rows[_position];
            _j++;
            return true;
        }
    }

    /// <summary>Makes the owned buffers hold at least <paramref name="entries"/> entries (contents may be lost).</summary>
    private void ReserveOwned(int entries)
    {
        if (_indices.Length < entries)
        {
            var capacity = Math.Max(entries, _indices.Length * 2);
            _indices = new long[capacity];
            _values = new float[capacity * RowLength];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref Segment Locate(int k)
    {
        if ((uint)k >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"Entry {k} is outside a gradient with {Count} entries.");
        }

        if (_segmentCount == 1)
        {
            return ref _segments[0];
        }

        int lo = 0, hi = _segmentCount - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >>> 1;
            if (_segments[mid].Start <= k)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return ref _segments[lo];
    }

    private void AddSegment(in Segment segment)
    {
        if (_segmentCount == _segments.Length)
        {
            Array.Resize(ref _segments, _segments.Length * 2);
        }

        _segments[_segmentCount++] = segment;
    }

    private void ResetSegments()
    {
        _segments.AsSpan(0, _segmentCount).Clear(); // drop references to borrowed tensors
        _segmentCount = 0;
    }
}
