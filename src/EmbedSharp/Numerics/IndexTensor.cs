namespace EmbedSharp.Numerics;

/// <summary>
/// A dense tensor of int64 indices of any rank, row-major (PyTorch: a <c>LongTensor</c> of token ids).
/// Shape: (d0, …, dk); values are stored flat in one array. Index batches are small next to the tables
/// they address, so one array (up to 2^31 indices) is enough.
/// </summary>
public sealed class IndexTensor
{
    private readonly long[] _shape;
    private readonly long[] _data;

    /// <summary>Wraps <paramref name="data"/> (no copy) with the given shape.</summary>
    public IndexTensor(long[] data, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        long n = 1;
        foreach (var s in shape)
        {
            if (s < 0)
            {
                throw new ArgumentException($"Shape {FloatTensor.FormatShape(shape)} has a negative dimension.", nameof(shape));
            }

            n = checked(n * s);
        }

        if (n != data.Length)
        {
            throw new ArgumentException($"Shape {FloatTensor.FormatShape(shape)} holds {n} indices but the array has {data.Length}.", nameof(shape));
        }

        _data = data;
        _shape = (long[])shape.Clone();
    }

    /// <summary>Creates an int64 index tensor from int32 values (copied) with the given shape.</summary>
    public static IndexTensor FromInt32(ReadOnlySpan<int> values, params long[] shape)
    {
        var data = new long[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            data[i] = values[i];
        }

        return new IndexTensor(data, shape);
    }

    /// <summary>A rank-1 index tensor holding a copy of <paramref name="values"/>.</summary>
    public static IndexTensor Vector(params long[] values) => new((long[])values.Clone(), values.Length);

    /// <summary>The size of each dimension.</summary>
    public ReadOnlySpan<long> Shape => _shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of indices.</summary>
    public int Length => _data.Length;

    /// <summary>The indices, flat row-major.</summary>
    public ReadOnlySpan<long> AsSpan() => _data;

    /// <summary>The indices, flat row-major, writable.</summary>
    public Span<long> AsWritableSpan() => _data;

    /// <summary>The index at flat offset <paramref name="i"/>.</summary>
    public long this[int i] => _data[i];

    /// <inheritdoc />
    public override string ToString() => $"IndexTensor{FloatTensor.FormatShape(_shape)}";
}
