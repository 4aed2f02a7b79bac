namespace EmbedSharp.Numerics.Formats.Npy;

/// <summary>Writes .npy files byte-identical to <c>np.save</c> for the same array (see <see cref="NpyHeader.Format"/>).</summary>
internal static class NpyWriter
{
    public static void Write(Stream stream, FloatTensor tensor)
    {
        stream.Write(NpyHeader.Format(NpyDType.Float32, tensor.Shape));
        ElementCodec.WriteFloats(stream, tensor);
    }

    public static void Write(Stream stream, IndexTensor tensor)
    {
        stream.Write(NpyHeader.Format(NpyDType.Int64, tensor.Shape));
        ElementCodec.WriteInt64s(stream, tensor.AsSpan());
    }
}
