using EmbedSharp.Numerics;

namespace EmbedSharp.Nn;

/// <summary>
/// A sparse gradient over the rows of a (rows, D…) parameter, uncoalesced like PyTorch's embedding gradient with
/// <c>sparse=True</c>: entry k says "add <see cref="Value(int)"/> to row <see cref="Index(int)"/>"; a row may appear
/// several times. Shape: indices (N,), values (N, D) row-major. Buffers grow by doubling and are reused after
/// <see cref="Clear"/>, so a warmed-up training step appends without allocating.
/// </summary>
public sealed class SparseGradient
{
    private long[] _indices = new long[16];
    private float[] _values;
    private long[] _sortKeys = [];
    private int[] _sortOrder = [];

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

    /// <summary>The row indices of the entries, in the order they were added.</summary>
    public ReadOnlySpan<long> Indices => _indices.AsSpan(0, Count);

    /// <summary>All entry values, (Count, RowLength) row-major.</summary>
    public ReadOnlySpan<float> Values => _values.AsSpan(0, Count * RowLength);

    /// <summary>The row index of entry <paramref name="k"/>.</summary>
    public long Index(int k) => _indices[k];

    /// <summary>The values of entry <paramref name="k"/> (writable, for in-place scaling).</summary>
    public Span<float> Value(int k) => _values.AsSpan(k * RowLength, RowLength);

    /// <summary>Appends an entry and returns its value row to fill (zeroed).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The row is outside [0, RowCount).</exception>
    public Span<float> Append(long row)
    {
        if ((ulong)row >= (ulong)RowCount)
        {
            throw new ArgumentOutOfRangeException(nameof(row), $"Row {row} is outside a parameter with {RowCount} rows.");
        }

        if (Count == _indices.Length)
        {
            Array.Resize(ref _indices, _indices.Length * 2);
            Array.Resize(ref _values, _indices.Length * RowLength);
        }

        _indices[Count] = row;
        var span = _values.AsSpan(Count * RowLength, RowLength);
        span.Clear();
        Count++;
        return span;
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

    /// <summary>Removes every entry, keeping the buffers.</summary>
    public void Clear() => Count = 0;

    /// <summary>Sums duplicate rows (torch: <c>coalesce()</c>): returns the distinct rows in ascending order, and
    /// their summed values (entries added in input order), into buffers owned by <paramref name="result"/>.</summary>
    public void CoalesceInto(SparseGradient result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result == this || result.RowCount != RowCount || result.RowLength != RowLength)
        {
            throw new ArgumentException("The result must be another gradient of the same shape.", nameof(result));
        }

        result.Clear();
        if (Count == 0)
        {
            return;
        }

        // Stable order of entries by row: a sort of (row, position) keys keeps input order within a row.
        // The scratch arrays are kept, so a warmed-up coalesce allocates nothing.
        if (_sortKeys.Length < Count)
        {
            _sortKeys = new long[_indices.Length];
            _sortOrder = new int[_indices.Length];
        }

        var order = _sortOrder;
        var keys = _sortKeys;
        for (var k = 0; k < Count; k++)
        {
            order[k] = k;
            keys[k] = _indices[k];
        }

        Array.Sort(keys, order, 0, Count);
        var start = 0;
        while (start < Count)
        {
            var end = start;
            while (end < Count && keys[end] == keys[start])
            {
                end++;
            }

            if (end - start > 1)
            {
                Array.Sort(order, start, end - start); // input order within one row (the key sort is not stable)
            }

            var row = result.Append(keys[start]);
            Value(order[start]).CopyTo(row); // first + second + …, as PyTorch's CPU coalesce sums
            for (var k = start + 1; k < end; k++)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(row, Value(order[k]), row);
            }

            start = end;
        }
    }

    /// <summary>The dense equivalent: a (RowCount, RowLength) tensor with every entry added to its row in order.</summary>
    public Tensor ToDense(ReadOnlySpan<long> shape)
    {
        var t = new Tensor(shape);
        if (t.RowCount != RowCount || t.RowLength != RowLength)
        {
            throw new ArgumentException($"Shape {Tensor.FormatShape(shape)} does not match {RowCount} rows of {RowLength}.", nameof(shape));
        }

        for (var k = 0; k < Count; k++)
        {
            var row = t.Row(_indices[k]);
            System.Numerics.Tensors.TensorPrimitives.Add(row, Value(k), row);
        }

        return t;
    }
}
