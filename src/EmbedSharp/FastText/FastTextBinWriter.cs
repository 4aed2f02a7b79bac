using System.Buffers.Binary;
using System.Runtime.InteropServices;
using EmbedSharp.Numerics;

namespace EmbedSharp.FastText;

/// <summary>
/// Writes a model in fastText's <c>saveModel</c> layout (version 12, dense matrices, never pruned), little-endian.
/// For a model read from a fastText <c>.bin</c> the bytes are identical to the original file. It takes the sections; it
/// knows nothing of <see cref="FastTextModel"/>, which passes them.
/// </summary>
internal static class FastTextBinWriter
{
    /// <summary>Writes the whole file: magic, version, args, dictionary, the two matrices and their flags.</summary>
    /// <param name="stream">Where to write (not closed).</param>
    /// <param name="args">The arguments; only the values <c>Args::save</c> stores are written.</param>
    /// <param name="dictionary">The dictionary section.</param>
    /// <param name="input">The input matrix. Shape: (nwords + bucket, dim).</param>
    /// <param name="output">The output matrix. Shape: (rows, dim).</param>
    /// <param name="outputQuantizedFlag">The <c>qout</c> byte written before the output matrix.</param>
    public static void Write(Stream stream, FastTextOptions args, FastTextDictionary dictionary, FloatTensor input, FloatTensor output, bool outputQuantizedFlag)
    {
        // Not disposed: that would close the caller's stream; Flush at the end writes everything through.
        var buffered = new BufferedStream(stream, 1 << 16);
        void I32(int v) => WriteInt32(buffered, v);

        I32(FastTextBinConstants.Magic);
        I32(FastTextBinConstants.Version);
        I32(args.Dim);
        I32(args.Ws);
        I32(args.Epoch);
        I32(args.MinCount);
        I32(args.Neg);
        I32(args.WordNgrams);
        I32((int)args.Loss);
        I32((int)args.Model);
        I32(args.Bucket);
        I32(args.Minn);
        I32(args.Maxn);
        I32(args.LrUpdateRate);
        Span<byte> t = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(t, args.T);
        buffered.Write(t);

        WriteDictionary(buffered, dictionary);
        buffered.WriteByte(0); // quant_input: false
        WriteMatrix(buffered, input);
        buffered.WriteByte(outputQuantizedFlag ? (byte)1 : (byte)0); // args.qout
        WriteMatrix(buffered, output);
        buffered.Flush();
    }

    /// <summary>Writes the dictionary section as fastText's <c>Dictionary::save</c> (see the reader) with no pruning
    /// index: int32 size, nwords, nlabels; int64 ntokens, pruneidx_size −1; per entry the word's bytes and a NUL, the
    /// int64 count, the int8 type.</summary>
    private static void WriteDictionary(Stream stream, FastTextDictionary dictionary)
    {
        WriteInt32(stream, dictionary.Count);
        WriteInt32(stream, dictionary.WordCount);
        WriteInt32(stream, dictionary.LabelCount);
        WriteInt64(stream, dictionary.TokenCount);
        WriteInt64(stream, FastTextBinConstants.NotPruned);
        for (var i = 0; i < dictionary.Count; i++)
        {
            stream.Write(dictionary.GetWordBytes(i));
            stream.WriteByte(0);
            WriteInt64(stream, dictionary.GetCount(i));
            stream.WriteByte((byte)dictionary.GetEntryType(i));
        }
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
