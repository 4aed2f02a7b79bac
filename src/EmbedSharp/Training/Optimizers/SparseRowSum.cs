using EmbedSharp.Nn;

namespace EmbedSharp.Training.Optimizers;

/// <summary>
/// Reusable coalescing of a <see cref="SparseGradient"/> (torch: <c>grad.coalesce()</c>): the distinct rows in
/// ascending order with their entries summed in input order (first + second + …, as PyTorch's CPU coalesce does,
/// verified with three or more duplicates). Buffers grow on demand and are kept, so a warmed-up step allocates nothing.
/// </summary>
internal sealed class SparseRowSum
{
    private long[] _keys = [];
    private int[] _order = [];
    private long[] _rows = [];
    private float[] _values = [];

    /// <summary>Number of distinct rows after <see cref="Coalesce"/>.</summary>
    public int Count { get; private set; }

    public int RowLength { get; private set; }

    public long Row(int i) => _rows[i];

    public Span<float> Values(int i) => _values.AsSpan(i * RowLength, RowLength);

    public void Coalesce(SparseGradient g)
    {
        var n = g.Count;
        RowLength = g.RowLength;
        if (_keys.Length < n)
        {
            var cap = Math.Max(n, _keys.Length * 2);
            _keys = new long[cap];
            _order = new int[cap];
            _rows = new long[cap];
        }

        if (_values.Length < (long)n * RowLength)
        {
            _values = new float[Math.Max((long)n * RowLength, (long)_values.Length * 2)];
        }

        var indices = g.Indices;
        for (var k = 0; k < n; k++)
        {
            _keys[k] = indices[k];
            _order[k] = k;
        }

        Array.Sort(_keys, _order, 0, n);
        var count = 0;
        var start = 0;
        while (start < n)
        {
            var end = start + 1;
            while (end < n && _keys[end] == _keys[start])
            {
                end++;
            }

            if (end - start > 1)
            {
                Array.Sort(_order, start, end - start); // input order within a row (the key sort is not stable)
            }

            _rows[count] = _keys[start];
            var sum = Values(count);
            g.Value(_order[start]).CopyTo(sum);
            for (var k = start + 1; k < end; k++)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(sum, g.Value(_order[k]), sum);
            }

            count++;
            start = end;
        }

        Count = count;
    }
}
