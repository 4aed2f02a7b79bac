using EmbedSharp.Nn;
using EmbedSharp.Numerics;

namespace EmbedSharp.Training.Optimizers;

/// <summary>
/// Walks the rows of a parameter that an optimiser may change, as runs of consecutive non-frozen rows that lie in one
/// storage chunk of every tensor involved (the value, its gradient, the state tensors: same shape, possibly chunked
/// differently), so kernels get plain spans. Without frozen rows and chunks there is one run of all rows.
/// </summary>
internal ref struct RowRuns
{
    private readonly ReadOnlySpan<bool> _frozen;
    private readonly FloatTensor _a;
    private readonly FloatTensor? _b;
    private readonly FloatTensor? _c;
    private readonly FloatTensor? _d;
    private readonly FloatTensor? _e;
    private readonly long _rows;
    private long _next;

    public RowRuns(Parameter parameter, FloatTensor? b, FloatTensor? c = null, FloatTensor? d = null, FloatTensor? e = null)
    {
        _frozen = parameter.FrozenRows;
        _a = parameter.Value;
        _b = b;
        _c = c;
        _d = d;
        _e = e;
        _rows = _a.Length == 0 ? 0 : _a.RowCount;
        _next = 0;
    }

    /// <summary>The next run [row, row + count); false when every row has been visited.</summary>
    public bool MoveNext(out long row, out long count)
    {
        var r = _next;
        if (!_frozen.IsEmpty)
        {
            while (r < _rows && _frozen[(int)r])
            {
                r++;
            }
        }

        if (r >= _rows)
        {
            _next = _rows;
            row = count = 0;
            return false;
        }

        var end = r + 1;
        var limit = Math.Min(RowsLeft(_a, r), _rows - r);
        limit = Limit(_b, r, limit);
        limit = Limit(_c, r, limit);
        limit = Limit(_d, r, limit);
        limit = Limit(_e, r, limit);
        var max = r + limit;
        while (end < max && (_frozen.IsEmpty || !_frozen[(int)end]))
        {
            end++;
        }

        row = r;
        count = end - r;
        _next = end;
        return true;
    }

    private static long Limit(FloatTensor? t, long row, long limit) => t is null ? limit : Math.Min(limit, RowsLeft(t, row));

    private static long RowsLeft(FloatTensor t, long row)
    {
        if (t.IsSingleChunk)
        {
            return t.RowCount - row;
        }

        var flat = row * t.RowLength;
        var inChunk = flat % t.ChunkElements;
        return (t.ChunkElements - inChunk) / t.RowLength;
    }

    /// <summary>Rows [row, row + count) of <paramref name="t"/> as one span (they must lie in one chunk).</summary>
    public static Span<float> Slice(FloatTensor t, long row, long count)
    {
        var flat = row * t.RowLength;
        var length = (int)(count * t.RowLength);
        if (t.IsSingleChunk)
        {
            return t.Chunk(0).Slice((int)flat, length);
        }

        var chunk = (int)(flat / t.ChunkElements);
        return t.Chunk(chunk).Slice((int)(flat - (chunk * t.ChunkElements)), length);
    }
}
