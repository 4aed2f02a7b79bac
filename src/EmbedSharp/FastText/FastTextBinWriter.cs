using System.Buffers.Binary;
using System.Runtime.InteropServices;
using EmbedSharp.Numerics;

namespace EmbedSharp.FastText;

/// <summary>
/// Writes a model in fastText's <c>saveModel</c> layout (version 12, dense matrices, never pruned), little-endian.
/// For a model read from a fastText <c>.bin</c> the bytes are identical to the original file.
/// </summary>
internal static class FastTextBinWriter
{
    public static void Write(Stream stream, FastTextModel model)
    {
        // Not disposed: that would close the caller's stream; Flush at the end writes everything through.
        var buffered = new BufferedStream(stream, 1 << 16);
        void I32(int v) => WriteInt32(buffered, v);

        I32(FastTextBinConstants.Magic);
        I32(FastTextBinConstants.Version);
        var a = model.Args;
        I32(a.Dim);
        I32(a.Ws);
        I32(a.Epoch);
        I32(a.MinCount);
        I32(a.Neg);
        I32(a.WordNgrams);
        I32((int)a.Loss);
        I32((int)a.Model);
        I32(a.Bucket);
        I32(a.Minn);
        I32(a.Maxn);
        I32(a.LrUpdateRate);
        Span<byte> t = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(t, a.T);
        buffered.Write(t);

        model.Dictionary.WriteBin(buffered);
        buffered.WriteByte(0); // quant_input: false
        WriteMatrix(buffered, model.Input);
        buffered.WriteByte(model.OutputQuantizedFlag ? (byte)1 : (byte)0); // args.qout
        WriteMatrix(buffered, model.Output);
        buffered.Flush();
    }

    private static void WriteInt32(Stream s, int v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, v);
        s.Write(b);
    }

    private static void WriteInt64(Stream s, long v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, v);
        s.Write(b);
    }

    private static void WriteMatrix(Stream s, FloatTensor m)
    {
        WriteInt64(s, m.Shape[0]);
        WriteInt64(s, m.Shape[1]);
        Span<byte> b = stackalloc byte[4];
        for (var c = 0; c < m.ChunkCount; c++)
        {
            var chunk = m.Chunk(c);
            if (BitConverter.IsLittleEndian)
            {
                s.Write(MemoryMarshal.AsBytes(chunk));
            }
            else
            {
                foreach (var v in chunk)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(b, v);
                    s.Write(b);
                }
            }
        }
    }
}
