namespace EmbedSharp.Numerics.Formats.Npy;

/// <summary>Writes .npy files byte-identical to <c>np.save</c> for the same array (see <see cref="NpyHeader.Format"/>).</summary>
internal static class NpyWriter
{
    /// <summary>Writes <paramref name="tensor"/> as <paramref name="dtype"/>: Float32 as is, Float64 widened (exact),
    /// Float16 rounded as numpy's <c>astype(np.float16)</c> (<see cref="HalfRounding.Rule.NumpyHalf"/>).</summary>
    public static void Write(Stream stream, FloatTensor tensor, NpyDType dtype = NpyDType.Float32)
    {
        CheckFloatDType(dtype);
        stream.Write(NpyHeader.Format(dtype, tensor.Shape));
        switch (dtype)
        {
            case NpyDType.Float16:
                ElementCodec.WriteHalves(stream, tensor, HalfRounding.Rule.NumpyHalf);
                break;
            case NpyDType.Float64:
                ElementCodec.WriteDoubles(stream, tensor);
                break;
            default:
                ElementCodec.WriteFloats(stream, tensor);
                break;
        }
    }

    /// <summary>Refuses a dtype a float tensor is not written as.</summary>
    public static void CheckFloatDType(NpyDType dtype)
    {
        if (dtype is not (NpyDType.Float32 or NpyDType.Float16 or NpyDType.Float64))
        {
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "A float tensor is written as Float32, Float16 or Float64.");
        }
    }

    public static void Write(Stream stream, IndexTensor tensor)
    {
        stream.Write(NpyHeader.Format(NpyDType.Int64, tensor.Shape));
        ElementCodec.WriteInt64s(stream, tensor.AsSpan());
    }
}
