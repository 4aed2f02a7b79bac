using System.Buffers.Binary;
using System.IO.Compression;
using EmbedSharp.Vectors;
using EmbedSharp.Vectors.Formats;
using EmbedSharp.Vectors.Formats.Glove;
using EmbedSharp.Vectors.Formats.Native;
using EmbedSharp.Vectors.Formats.NpyVocab;
using EmbedSharp.Vectors.Formats.SafetensorsVocab;
using EmbedSharp.Vectors.Formats.Word2VecBinary;
using EmbedSharp.Vectors.Formats.Word2VecText;

namespace EmbedSharp.FastText;

/// <summary>
/// One entry point for every word-vector format: detection from the file's first bytes, reading into
/// <see cref="WordVectors"/>, and writing. Detection: fastText magic 793712314 → <see cref="VectorFormat.FastTextBin"/>;
/// <c>\x89ESVEC</c> → <see cref="VectorFormat.Native"/>; <c>\x93NUMPY</c> → <see cref="VectorFormat.NpyVocab"/>; a u64
/// header length followed by <c>{</c> → <see cref="VectorFormat.SafetensorsVocab"/>; otherwise (after gzip, if compressed)
/// a first line of two integers is a word2vec header, binary when the bytes after it hold control characters, text when
/// not; any other text is GloVe.
/// </summary>
public static class VectorFile
{
    private const int FastTextMagic = 793712314;
    private const int Probe = 8192;

    /// <summary>Guesses the format of <paramref name="path"/> from its first bytes (and its extension for <c>.npy</c>).</summary>
    /// <exception cref="VectorFormatException">The file is empty.</exception>
    public static VectorFormat Detect(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var head = ReadHead(path, decompress: false);
        if (head.Length == 0)
        {
            throw new VectorFormatException("The file is empty; no word-vector format has an empty file.", path, 0, 0);
        }

        if (head.Length >= 4 && BinaryPrimitives.ReadInt32LittleEndian(head) == FastTextMagic)
        {
            return VectorFormat.FastTextBin;
        }

        if (head.Length >= 6 && head[0] == 0x89 && head.AsSpan(1, 5).SequenceEqual("ESVEC"u8))
        {
            return VectorFormat.Native;
        }

        if (head.Length >= 6 && head[0] == 0x93 && head.AsSpan(1, 5).SequenceEqual("NUMPY"u8))
        {
            return VectorFormat.NpyVocab;
        }

        if (head.Length >= 9 && head[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(head) < (ulong)new FileInfo(path).Length)
        {
            return VectorFormat.SafetensorsVocab;
        }

        if (head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B)
        {
            head = ReadHead(path, decompress: true);
        }

        var newline = Array.IndexOf(head, (byte)'\n');
        var firstLine = newline < 0 ? head : head[..newline];
        if (!IsWord2VecHeader(firstLine))
        {
            return VectorFormat.Glove;
        }

        var body = newline < 0 ? [] : head.AsSpan(newline + 1);
        foreach (var b in body)
        {
            if (b < 0x20 && b is not ((byte)'\n' or (byte)'\r' or (byte)'\t'))
            {
                return VectorFormat.Word2VecBinary;
            }
        }

        return VectorFormat.Word2VecText;
    }

    /// <summary>Reads any supported format (detected when <paramref name="format"/> is null). For a fastText <c>.bin</c>
    /// the result holds the in-vocabulary words with their full vectors (what the <c>.vec</c> holds); use
    /// <see cref="FastTextModel.Load"/> for vectors of unknown words. <c>.npy</c> matrices take their words from
    /// <paramref name="vocabularyPath"/>, by default the file with the extension replaced by <c>.words.txt</c>.</summary>
    public static WordVectors Read(string path, VectorFormat? format = null, VectorReadOptions? options = null, string? vocabularyPath = null)
    {
        var f = format ?? Detect(path);
        var o = options ?? VectorReadOptions.Default;
        return f switch
        {
            VectorFormat.Word2VecText => Word2VecTextFile.Read(path, o).Vectors,
            VectorFormat.Glove => GloveFile.Read(path, o).Vectors,
            VectorFormat.Word2VecBinary => Word2VecBinaryFile.Read(path, o).Vectors,
            VectorFormat.FastTextBin => FastTextModel.Load(path, new FastTextBinReadOptions { InvalidUtf8 = o.Utf8 }).ToWordVectors(IntLimit(o.Limit)),
            VectorFormat.Native => NativeVectorsFile.Open(path, new NativeVectorsReadOptions { Limit = IntLimit(o.Limit), AllowNonFinite = o.AllowNaN }),
            VectorFormat.NpyVocab => NpyVocabFile.Read(path, vocabularyPath ?? DefaultWordList(path),
                new NpyVocabReadOptions { Limit = IntLimit(o.Limit), InvalidUtf8 = o.Utf8, AllowNonFinite = o.AllowNaN }),
            VectorFormat.SafetensorsVocab => SafetensorsVocabFile.Read(path,
                new SafetensorsVocabReadOptions { Limit = IntLimit(o.Limit), InvalidUtf8 = o.Utf8, AllowNonFinite = o.AllowNaN }),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown vector format."),
        };
    }

    /// <summary>Like <see cref="Read"/>, and also returns how many entries were dropped as duplicates (kept first, as
    /// gensim) or skipped (invalid UTF-8 under <see cref="Utf8Policy.Skip"/>), for formats that can hold them.</summary>
    public static (WordVectors Vectors, int Duplicates, int Skipped) ReadWithReport(string path, VectorFormat? format = null,
        VectorReadOptions? options = null, string? vocabularyPath = null)
    {
        var f = format ?? Detect(path);
        var o = options ?? VectorReadOptions.Default;
        switch (f)
        {
            case VectorFormat.Word2VecText:
            case VectorFormat.Glove:
            case VectorFormat.Word2VecBinary:
                var r = f switch
                {
                    VectorFormat.Word2VecText => Word2VecTextFile.Read(path, o),
                    VectorFormat.Glove => GloveFile.Read(path, o),
                    _ => Word2VecBinaryFile.Read(path, o),
                };
                return (r.Vectors, r.Duplicates.Count, r.Skipped.Count);
            case VectorFormat.NpyVocab:
                var npy = NpyVocabFile.Read(path, vocabularyPath ?? DefaultWordList(path),
                    new NpyVocabReadOptions { Limit = IntLimit(o.Limit), InvalidUtf8 = o.Utf8, AllowNonFinite = o.AllowNaN }, out var npyReport);
                return (npy, npyReport.Duplicates.Count, npyReport.SkippedEntries.Count);
            case VectorFormat.SafetensorsVocab:
                var st = SafetensorsVocabFile.Read(path,
                    new SafetensorsVocabReadOptions { Limit = IntLimit(o.Limit), InvalidUtf8 = o.Utf8, AllowNonFinite = o.AllowNaN }, out var stReport);
                return (st, stReport.Duplicates.Count, stReport.SkippedEntries.Count);
            case VectorFormat.FastTextBin:
                var model = FastTextModel.Load(path, new FastTextBinReadOptions { InvalidUtf8 = o.Utf8 });
                return (model.ToWordVectors(IntLimit(o.Limit)), model.DuplicateEntries.Count, 0);
            default:
                return (Read(path, f, o, vocabularyPath), 0, 0);
        }
    }

    /// <summary>Writes <paramref name="vectors"/> atomically in <paramref name="format"/>; <c>.npy</c> also writes the word
    /// list (<paramref name="vocabularyPath"/>, by default <c>.words.txt</c> beside it).</summary>
    /// <exception cref="NotSupportedException">The format is fastText <c>.bin</c> (write a model with
    /// <c>FastTextBinFile.Write</c>: a <c>.bin</c> needs training arguments and an output matrix).</exception>
    public static void Write(string path, WordVectors vectors, VectorFormat format, string? vocabularyPath = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        switch (format)
        {
            case VectorFormat.Word2VecText: Word2VecTextFile.Write(path, vectors); break;
            case VectorFormat.Glove: GloveFile.Write(path, vectors); break;
            case VectorFormat.Word2VecBinary: Word2VecBinaryFile.Write(path, vectors); break;
            case VectorFormat.Native: NativeVectorsFile.Write(path, vectors); break;
            case VectorFormat.NpyVocab: NpyVocabFile.Write(path, vocabularyPath ?? DefaultWordList(path), vectors); break;
            case VectorFormat.SafetensorsVocab: SafetensorsVocabFile.Write(path, vectors); break;
            case VectorFormat.FastTextBin:
                throw new NotSupportedException("Plain word vectors cannot become a fastText .bin: it needs training arguments, n-gram buckets and an output matrix.");
            default: throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown vector format.");
        }
    }

    /// <summary>The default word list of an <c>.npy</c> matrix: the same path with <c>.words.txt</c> for the extension.</summary>
    public static string DefaultWordList(string npyPath) => Path.ChangeExtension(npyPath, ".words.txt");

    private static int? IntLimit(long? limit) => limit is { } l ? (int)Math.Clamp(l, 0, int.MaxValue) : null;

    private static bool IsWord2VecHeader(ReadOnlySpan<byte> line)
    {
        var text = System.Text.Encoding.ASCII.GetString(line).Trim();
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2 && parts.All(p => p.All(char.IsAsciiDigit));
    }

    private static byte[] ReadHead(string path, bool decompress)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
        using var stream = decompress ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        var buffer = new byte[Probe];
        var n = 0;
        int read;
        while (n < buffer.Length && (read = stream.Read(buffer, n, buffer.Length - n)) > 0)
        {
            n += read;
        }

        return buffer[..n];
    }
}
