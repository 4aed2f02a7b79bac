using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace EmbedSharp.Vectors.Formats.Word2VecBinary;

/// <summary>Writes the word2vec binary layout: <c>"V D\n"</c>, then per word its UTF-8 bytes, a space, D little-endian
/// float32 values and, optionally, '\n'.</summary>
internal static class Word2VecBinaryWriter
{
    private const int BufferSize = 1 << 20;

    public static void Write(Stream stream, WordVectors vectors, Word2VecBinaryWriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var d = vectors.Dimension;
        var buffer = new byte[BufferSize];
        var used = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{vectors.Count} {d}\n"), buffer);
        for (var i = 0; i < vectors.Count; i++)
        {
            var word = vectors.Words[i];
            var need = Encoding.UTF8.GetMaxByteCount(word.Length) + 2 + (4 * d);
            if (used + need > buffer.Length)
            {
                stream.Write(buffer, 0, used);
                used = 0;
                if (need > buffer.Length)
                {
                    buffer = new byte[need];
                }
            }

            used += Encoding.UTF8.GetBytes(word, buffer.AsSpan(used));
            buffer[used++] = Word2VecBinaryConstants.WordEnd;
            var row = MemoryMarshal.AsBytes(vectors.GetVector(i));
            row.CopyTo(buffer.AsSpan(used));
            if (!BitConverter.IsLittleEndian)
            {
                var ints = MemoryMarshal.Cast<byte, int>(buffer.AsSpan(used, row.Length));
                BinaryPrimitives.ReverseEndianness(ints, ints);
            }

            used += row.Length;
            if (options.NewlineAfterVector)
            {
                buffer[used++] = Word2VecBinaryConstants.VectorEnd;
            }
        }

        stream.Write(buffer, 0, used);
    }
}
