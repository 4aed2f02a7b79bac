namespace EmbedSharp.Numerics.Formats.Npy;

/// <summary>
/// An array read from a .npy file: its element type, its shape, and its values in C order (as
/// <c>np.ascontiguousarray(np.load(path))</c> holds them), held as a float32 <see cref="FloatTensor"/> (for
/// <see cref="NpyDType.Float16"/>, <see cref="NpyDType.Float32"/> and <see cref="NpyDType.Float64"/>) or as int64 (for
/// the integer types).
/// </summary>
public sealed class NpyArray
{
    private readonly long[] _shape;
    private readonly FloatTensor? _floats;
    private readonly long[]? _integers;

    internal NpyArray(NpyDType dtype, long[] shape, FloatTensor? floats, long[]? integers)
    {
        DType = dtype;
        _shape = shape;
        _floats = floats;
        _integers = integers;
    }

    /// <summary>The element type stored in the file.</summary>
    public NpyDType DType { get; }

    /// <summary>The shape stored in the file (empty for a 0-d array).</summary>
    public ReadOnlySpan<long> Shape => _shape;

    /// <summary>True for the integer element types (int8 to int64, uint8 to uint32).</summary>
    public bool IsInteger => _integers is not null;

    /// <summary>
    /// The values as a float32 tensor of the same shape. Float32 and float16 arrays are exact; float64 values were
    /// rounded to the nearest float32 when read; integer arrays are converted now (exact up to 2^24 in magnitude).
    /// For float arrays every call returns the same tensor instance; for integer arrays a new tensor.
    /// </summary>
    public FloatTensor ToTensor()
    {
        if (_floats is not null)
        {
            return _floats;
        }

        var t = new FloatTensor(_shape);
        var block = new float[Math.Min(_integers!.Length, 1 << 16)];
        for (var pos = 0; pos < _integers.Length; pos += block.Length)
        {
            var n = Math.Min(block.Length, _integers.Length - pos);
            for (var i = 0; i < n; i++)
            {
                block[i] = _integers[pos + i];
            }

            t.WriteFlat(pos, block.AsSpan(0, n));
        }

        return t;
    }

    /// <summary>The values of an integer array as an int64 index tensor of the same shape (narrower types widened).
    /// Every call returns a tensor over the same storage.</summary>
    /// <exception cref="InvalidOperationException">The array holds floats.</exception>
    public IndexTensor ToIndexTensor()
    {
        if (_integers is null)
        {
            throw new InvalidOperationException($"The array holds {DType} values; only integer arrays convert to an IndexTensor.");
        }

        return new IndexTensor(_integers, _shape);
    }

    /// <inheritdoc />
    public override string ToString() => $"NpyArray({DType}, {FloatTensor.FormatShape(_shape)})";
}
