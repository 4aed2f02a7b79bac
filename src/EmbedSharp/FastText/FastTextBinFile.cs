using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.FastText;

/// <summary>
/// Reads and writes fastText <c>.bin</c> model files (fastText 0.9.2 <c>FastText::loadModel</c>/<c>saveModel</c>, version 12):
/// magic 793712314, version, args, dictionary, quantized flag, input matrix (nwords + bucket, dim), qout flag, output matrix.
/// Also reads version 11 (fastText 2017-05 to 2017-10) and the layout without magic number, version and quantization
/// flags of fastText before 2017-05 (as gensim's <c>_fasttext_bin.py</c> does), keeping the semantics of the tools that
/// wrote them (<see cref="FastTextModel.FileVersion"/>); writes version 12 only. See docs/formats/fasttext-bin.md.
/// </summary>
/// <remarks>
/// Bad input throws <see cref="TensorFormatException"/> with the path and byte offset: a first int32 that is neither the
/// magic number nor a plausible pre-2017 header, a version other than 11 or 12, invalid
/// args, an inconsistent dictionary header, entry types out of order, a matrix whose shape does not match the args, a
/// file shorter than any count claims (checked before allocating), non-finite values (unless allowed), trailing bytes.
/// Quantized models (<c>.ftz</c>) throw <see cref="NotSupportedException"/>. A path ending in <c>.gz</c> (or any stream
/// starting with the gzip magic) is decompressed; its length is unknown in advance, so matrices are read in blocks and a
/// false claim fails when the data runs out.
/// <para>The public face of the <c>.bin</c> code: it stands above <see cref="FastTextModel"/>, which uses the internal
/// reader and writer (docs/formats/fasttext-bin.md, "Code layout").</para>
/// </remarks>
public static class FastTextBinFile
{
    /// <summary>Reads a fastText <c>.bin</c> (or gzip-compressed <c>.bin.gz</c>) file; the same as
    /// <see cref="FastTextModel.Load"/>.</summary>
    /// <exception cref="TensorFormatException">The file is malformed (message names the byte offset).</exception>
    /// <exception cref="NotSupportedException">The model is quantized.</exception>
    public static FastTextModel Read(string path, FastTextBinReadOptions? options = null) => FastTextModel.Load(path, options);

    /// <summary>Reads a fastText model from a stream (from its current position to its end; gzip is detected).</summary>
    public static FastTextModel Read(Stream stream, FastTextBinReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var o = options ?? FastTextBinReadOptions.Default;
        return new FastTextModel(FastTextBinReader.ReadStream(stream, null, o), o.InvalidUtf8);
    }

    /// <summary>Writes <paramref name="model"/> as a fastText <c>.bin</c> file that <c>fasttext print-word-vectors</c> reads;
    /// the file is replaced atomically (on failure any previous file is left intact). The same as
    /// <see cref="FastTextModel.Save"/>.</summary>
    public static void Write(string path, FastTextModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Save(path);
    }

    /// <summary>Writes <paramref name="model"/> in the <c>.bin</c> layout to a stream.</summary>
    public static void Write(Stream stream, FastTextModel model)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(model);
        model.WriteTo(stream);
    }
}
