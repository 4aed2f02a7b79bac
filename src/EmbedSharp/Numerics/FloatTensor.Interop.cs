using System.Numerics.Tensors;

namespace EmbedSharp.Numerics;

/// <content>Conversion to and from <c>System.Numerics.Tensors</c>' <see cref="Tensor{T}"/>, <see cref="TensorSpan{T}"/> and
/// <see cref="ReadOnlyTensorSpan{T}"/>: the same row-major (C-order, dense) layout, so a view shares the elements. Those
/// types have no rank 0, so a scalar (rank-0) tensor converts to a one-element vector.</content>
public sealed partial class FloatTensor
{
    /// <summary>The elements as a <see cref="TensorSpan{T}"/> of the same shape, dense row-major strides, without copying:
    /// writes through either are seen by both.</summary>
    /// <exception cref="InvalidOperationException">The tensor is stored in more than one chunk (over 2^30 elements), so it is
    /// not one contiguous span.</exception>
    public TensorSpan<float> AsTensorSpan() => new(AsSpan(), NativeShape());

    /// <summary>The elements as a read-only <see cref="ReadOnlyTensorSpan{T}"/> of the same shape, without copying.</summary>
    /// <exception cref="InvalidOperationException">The tensor is stored in more than one chunk.</exception>
    public ReadOnlyTensorSpan<float> AsReadOnlyTensorSpan() => new(AsSpan(), NativeShape());

    /// <summary>A <see cref="Tensor{T}"/> of the same shape over this tensor's managed array, without copying: writes through
    /// either are seen by both. Use <see cref="TryAsTensor"/> to test first.</summary>
    /// <exception cref="InvalidOperationException">The tensor's storage is not one managed array (a memory-mapped file, or
    /// more than one chunk); copy it with <c>Tensor.Create(tensor.AsSpan().ToArray(), ...)</c> or read it through
    /// <see cref="AsTensorSpan"/> instead.</exception>
    public Tensor<float> AsTensor()
        => TryAsTensor(out var tensor) ? tensor : throw new InvalidOperationException(
            IsExternal
                ? "The tensor's storage is external (a memory-mapped file), which a Tensor<float> cannot wrap; use AsTensorSpan() for a view."
                : $"A tensor of {Length} elements is stored in {_chunkCount} chunks, which a Tensor<float> cannot wrap.");

    /// <summary>Wraps this tensor's managed array in a <see cref="Tensor{T}"/> without copying, when its storage is one
    /// managed array; false (and null) otherwise.</summary>
    public bool TryAsTensor([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Tensor<float>? tensor)
    {
        ThrowIfDisposed();
        if (StorageArray is not { } array)
        {
            tensor = null;
            return false;
        }

        _recyclable = false; // the Tensor<float> shares the array

        var lengths = NativeShape();
        tensor = Length == 0 ? Tensor.CreateFromShape<float>(lengths) // nothing to share
            : Tensor.Create(array, _chunkStarts[0], lengths, DenseStrides(lengths));
        return true;
    }

    /// <summary>A new tensor holding a copy of <paramref name="source"/>'s elements in row-major order (any strides,
    /// including broadcast ones, are read as the source presents them). <see cref="Tensor{T}"/> converts implicitly, so
    /// <c>FloatTensor.FromTensorSpan(tensor)</c> works too. Copying is needed because neither span type nor
    /// <see cref="Tensor{T}"/> exposes storage this tensor could keep alive; for shared storage start from a
    /// <c>float[]</c> and wrap it on both sides (<see cref="FromArray"/> and <c>Tensor.Create(array, lengths)</c>).</summary>
    public static FloatTensor FromTensorSpan(in ReadOnlyTensorSpan<float> source)
    {
        var shape = new long[source.Rank];
        for (var i = 0; i < shape.Length; i++)
        {
            shape[i] = source.Lengths[i];
        }

        var result = new FloatTensor(shape);
        if (result.Length > 0)
        {
            if (result.IsSingleChunk)
            {
                source.FlattenTo(result.AsSpan());
            }
            else
            {
                var flat = new float[result.Length > Array.MaxLength ? throw new ArgumentException("The source is too large to copy.", nameof(source)) : result.Length];
                source.FlattenTo(flat);
                result.CopyFrom(flat);
            }
        }

        return result;
    }

    private nint[] NativeShape()
    {
        if (_shape.Length == 0)
        {
            return [1]; // System.Numerics.Tensors has no rank 0: a scalar is a one-element vector
        }

        var lengths = new nint[_shape.Length];
        for (var i = 0; i < lengths.Length; i++)
        {
            lengths[i] = checked((nint)_shape[i]);
        }

        return lengths;
    }

    private static nint[] DenseStrides(ReadOnlySpan<nint> lengths)
    {
        var strides = new nint[lengths.Length];
        nint stride = 1;
        for (var i = lengths.Length - 1; i >= 0; i--)
        {
            strides[i] = lengths[i] == 1 ? 0 : stride; // System.Numerics.Tensors refuses a non-zero stride on a length-1 dimension
            stride *= Math.Max(lengths[i], 1);
        }

        return strides;
    }
}
