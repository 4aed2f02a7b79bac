using System.Buffers.Binary;
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
/// <see cref="WordVectors"/>, and writing. Detection: fastText magic 793712314, or the argument and dictionary header of
/// a fastText file from before the magic number (2017-05) → <see cref="VectorFormat.FastTextBin"/>;
/// <c>\x89ESVEC</c> → <see cref="VectorFormat.Native"/>; <c>\x93NUMPY</c> → <see cref="VectorFormat.NpyVocab"/>; a u64
/// header length followed by <c>{</c> → <see cref="VectorFormat.SafetensorsVocab"/>; otherwise (after gzip, if compressed)
/// a first line of two integers is a word2vec header, binary when the bytes after it hold control characters, text when
/// not; any other text is GloVe. A file matching none of these whose first line holds a NUL byte is refused: it is no
/// text format, and the message lists the formats expected.
/// </summary>
public static class VectorFile
{
    private const int FastTextMagic = 793712314;

    /// <summary>Guesses the format of <paramref name="path"/> from its first bytes (and its extension for <c>.npy</c>).</summary>
    /// <remarks>The file is opened once; a pipe or FIFO is read for its first bytes only, so detecting and then reading
    /// it again cannot work: read such input with <see cref="Read"/> alone, which detects and reads in one pass.</remarks>
    /// <exception cref="VectorFormatException">The file is empty.</exception>
    public static VectorFormat Detect(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var input = VectorFileInput.Open(path);
        return Detect(input);
    }

    private static VectorFormat Detect(VectorFileInput input)
    {
        var head = input.RawHead;
        if (head.Length == 0)
        {
            throw new VectorFormatException("The file is empty; no word-vector format has an empty file.", input.Path, 0, 0);
        }

        if (head.Length >= 4 && BinaryPrimitives.ReadInt32LittleEndian(head) == FastTextMagic)
        {
            return VectorFormat.FastTextBin;
        }

        if (FastTextBinReader.LooksLikeBeforeMagic(head))
        {
            return VectorFormat.FastTextBin; // fastText before 2017-05: no magic number, the file starts with args.dim
        }

        if (head.Length >= 6 && head[0] == 0x89 && head.AsSpan(1, 5).SequenceEqual("ESVEC"u8))
        {
            return VectorFormat.Native;
        }

        if (head.Length >= 6 && head[0] == 0x93 && head.AsSpan(1, 5).SequenceEqual("NUMPY"u8))
        {
            return VectorFormat.NpyVocab;
        }

        // A safetensors header length must fit the file (a pipe has no length: a header under 100 MB is believed).
        if (head.Length >= 9 && head[8] == (byte)'{'
            && BinaryPrimitives.ReadUInt64LittleEndian(head) < (input.IsSeekable ? (ulong)input.Length : 100UL << 20))
        {
            return VectorFormat.SafetensorsVocab;
        }

        head = input.Head; // decompressed when gzip
        var newline = Array.IndexOf(head, (byte)'\n');
        var firstLine = newline < 0 ? head : head[..newline];
        if (Array.IndexOf(firstLine, (byte)0) is var nul and >= 0)
        {
            throw new VectorFormatException(
                $"Unknown word-vector format: the first line holds a NUL byte (offset {nul}), so this is no text format, and the first bytes {Convert.ToHexString(input.RawHead.AsSpan(0, Math.Min(16, input.RawHead.Length)))} match no binary one. Expected a fastText .bin (int32 793712314 first, or a pre-2017 fastText header), word2vec binary or text (a \"count dim\" line first), GloVe text, .npy (\\x93NUMPY), safetensors (u64 header length, then '{{') or EmbedSharp native (\\x89ESVEC).",
                input.Path, 1, nul);
        }

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
    /// <remarks>The file is opened once. The text formats and word2vec binary (plain or gzip) are read in one pass, so a
    /// pipe or FIFO works for them; the other formats are mapped or read with seeks, and a pipe is refused at once with an
    /// <see cref="IOException"/> naming it.</remarks>
    public static WordVectors Read(string path, VectorFormat? format = null, VectorReadOptions? options = null, string? vocabularyPath = null) =>
        Load(path, format, options, vocabularyPath).Vectors;

    /// <summary>Like <see cref="Read"/>, and also returns how many entries were dropped as duplicates (kept first, as
    /// gensim) or skipped (invalid UTF-8 under <see cref="Utf8Policy.Skip"/>), for formats that can hold them.</summary>
    public static (WordVectors Vectors, int Duplicates, int Skipped) ReadWithReport(string path, VectorFormat? format = null,
        VectorReadOptions? options = null, string? vocabularyPath = null)
    {
        var r = Load(path, format, options, vocabularyPath);
        return (r.Vectors, r.Duplicates, r.Skipped);
    }

    /// <summary>Detects the format (when <paramref name="format"/> is null) and reads, opening the file once, so that a
    /// pipe or FIFO works for the formats read in one pass (see <see cref="Read"/>); reports what was dropped or
    /// repaired, and returns the fastText model too when the file is one (for the vectors of unknown words).</summary>
    /// <exception cref="VectorFormatException">The file is malformed; the message names it and the line or byte offset.</exception>
    /// <exception cref="IOException">The file cannot be read, or is a pipe and the format needs a regular file.</exception>
    public static LoadedVectors Load(string path, VectorFormat? format = null, VectorReadOptions? options = null, string? vocabularyPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var o = options ?? VectorReadOptions.Default;
        using var input = VectorFileInput.Open(path);
        var f = format ?? Detect(input);
        switch (f)
        {
            case VectorFormat.Word2VecText:
            case VectorFormat.Glove:
            case VectorFormat.Word2VecBinary:
                var content = input.Content();
                var r = f switch
                {
                    VectorFormat.Word2VecText => TextVectorReader.Read(content, path, TextLayout.Word2Vec, o),
                    VectorFormat.Glove => TextVectorReader.Read(content, path, TextLayout.Glove, o),
                    _ => Word2VecBinaryReader.Read(content, path, o),
                };
                return new LoadedVectors(r.Vectors, f, r.Duplicates.Count, r.Skipped.Count, r.ReplacedWords, null);
        }

        // The other readers open the file themselves: a regular file may be opened again, a pipe may not.
        input.RequireSeekable(f switch
        {
            VectorFormat.Native => "a native .esvec file is memory-mapped",
            VectorFormat.NpyVocab => "an .npy matrix is read with seeks",
            VectorFormat.SafetensorsVocab => "a safetensors file is read with seeks",
            VectorFormat.FastTextBin => "a fastText model is read with seeks",
            _ => null,
        });
        input.Dispose();
        switch (f)
        {
            case VectorFormat.NpyVocab:
                var npy = NpyVocabFile.Read(path, vocabularyPath ?? DefaultWordList(path),
                    new NpyVocabReadOptions { Limit = IntLimit(o.Limit), InvalidUtf8 = o.Utf8, AllowNonFinite = o.AllowNaN }, out var npyReport);
                return new LoadedVectors(npy, f, npyReport.Duplicates.Count, npyReport.SkippedEntries.Count, npyReport.ReplacedWords, null);
            case VectorFormat.SafetensorsVocab:
                var st = SafetensorsVocabFile.Read(path,
                    new SafetensorsVocabReadOptions { Limit = IntLimit(o.Limit), InvalidUtf8 = o.Utf8, AllowNonFinite = o.AllowNaN }, out var stReport);
                return new LoadedVectors(st, f, stReport.Duplicates.Count, stReport.SkippedEntries.Count, stReport.ReplacedWords, null);
            case VectorFormat.FastTextBin:
                var model = FastTextModel.Load(path, new FastTextBinReadOptions { InvalidUtf8 = o.Utf8 });
                var replaced = o.Utf8 == Utf8Policy.Replace ? model.InvalidUtf8Entries.Count : 0;
                return new LoadedVectors(model.ToWordVectors(IntLimit(o.Limit)), f, model.DuplicateEntries.Count, 0, replaced, model);
            case VectorFormat.Native:
                var native = NativeVectorsFile.Open(path, new NativeVectorsReadOptions { Limit = IntLimit(o.Limit), AllowNonFinite = o.AllowNaN });
                return new LoadedVectors(native, f, 0, 0, 0, null);
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown vector format.");
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
}

/// <summary>What <see cref="VectorFile.Load"/> read: the vectors, the format, and what was dropped or repaired.</summary>
public sealed class LoadedVectors
{
    internal LoadedVectors(WordVectors vectors, VectorFormat format, int duplicates, int skipped, int replaced, FastTextModel? model)
    {
        Vectors = vectors;
        Format = format;
        Duplicates = duplicates;
        Skipped = skipped;
        Replaced = replaced;
        Model = model;
    }

    /// <summary>The distinct words and their (V, D) matrix, in file order; dispose it to release a mapped file.</summary>
    public WordVectors Vectors { get; }

    /// <summary>The format read (detected or given).</summary>
    public VectorFormat Format { get; }

    /// <summary>Entries dropped because their word repeated (the first is kept, as gensim does).</summary>
    public int Duplicates { get; }

    /// <summary>Entries left out because their word was not valid UTF-8 (under <see cref="Utf8Policy.Skip"/>).</summary>
    public int Skipped { get; }

    /// <summary>Words whose invalid UTF-8 bytes became U+FFFD (under <see cref="Utf8Policy.Replace"/>).</summary>
    public int Replaced { get; }

    /// <summary>The fastText model when the file is a <c>.bin</c> (it also gives vectors of unknown words), else null.</summary>
    public FastTextModel? Model { get; }
}
