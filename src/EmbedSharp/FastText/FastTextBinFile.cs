using System.IO.Compression;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.FastText;

/// <summary>
/// Reads and writes fastText <c>.bin</c> model files (fastText 0.9.2 <c>FastText::loadModel</c>/<c>saveModel</c>, version 12):
/// magic 793712314, version, args, dictionary, quantized flag, input matrix (nwords + bucket, dim), qout flag, output matrix.
/// See docs/formats/fasttext-bin.md.
/// </summary>
/// <remarks>
/// Bad input throws <see cref="TensorFormatException"/> with the path and byte offset: wrong magic or version, invalid
/// args, an inconsistent dictionary header, entry types out of order, a matrix whose shape does not match the args, a
/// file shorter than any count claims (checked before allocating), non-finite values (unless allowed), trailing bytes.
/// Quantized models (<c>.ftz</c>) throw <see cref="NotSupportedException"/>. A path ending in <c>.gz</c> (or any stream
/// starting with the gzip magic) is decompressed; its length is unknown in advance, so matrices are read in blocks and a
/// false claim fails when the data runs out.
/// </remarks>
public static class FastTextBinFile
{
    /// <summary>Reads a fastText <c>.bin</c> (or gzip-compressed <c>.bin.gz</c>) file.</summary>
    /// <exception cref="TensorFormatException">The file is malformed (message names the byte offset).</exception>
    /// <exception cref="NotSupportedException">The model is quantized.</exception>
    public static FastTextModel Read(string path, FastTextBinReadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        return ReadCore(file, path, options ?? FastTextBinReadOptions.Default);
    }

    /// <summary>Reads a fastText model from a stream (from its current position to its end; gzip is detected).</summary>
    public static FastTextModel Read(Stream stream, FastTextBinReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ReadCore(stream, null, options ?? FastTextBinReadOptions.Default);
    }

    /// <summary>Writes <paramref name="model"/> as a fastText <c>.bin</c> file that <c>fasttext print-word-vectors</c> reads;
    /// the file is replaced atomically (on failure any previous file is left intact).</summary>
    public static void Write(string path, FastTextModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        AtomicFile.Write(path, stream => FastTextBinWriter.Write(stream, model));
    }

    /// <summary>Writes <paramref name="model"/> in the <c>.bin</c> layout to a stream.</summary>
    public static void Write(Stream stream, FastTextModel model)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(model);
        FastTextBinWriter.Write(stream, model);
    }

    private static FastTextModel ReadCore(Stream stream, string? path, FastTextBinReadOptions options)
    {
        if (stream.CanSeek)
        {
            var start = stream.Position;
            Span<byte> head = stackalloc byte[2];
            var n = stream.ReadAtLeast(head, 2, throwOnEndOfStream: false);
            stream.Position = start;
            if (n == 2 && head[0] == 0x1F && head[1] == 0x8B)
            {
                using var gz = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
                return FastTextBinReader.Read(new FastTextBinInput(gz, path), options);
            }
        }

        return FastTextBinReader.Read(new FastTextBinInput(stream, path), options);
    }
}
