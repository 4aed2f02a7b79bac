using System.Globalization;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Numerics.Formats.Npy;

namespace EmbedSharp.Vectors.Formats.NpyVocab;

/// <summary>
/// Word vectors as two files: a (V, D) <c>.npy</c> matrix (<c>np.save</c>) and a vocabulary with one UTF-8 word per
/// line, line i holding the word of row i − 1 (<c>docs/formats/npy-vocab.md</c>). From Python:
/// <c>np.save("v.npy", kv.vectors); open("v.txt", "w", encoding="utf-8").write("\n".join(kv.index_to_key) + "\n")</c>.
/// </summary>
/// <remarks>
/// The matrix may be float16 (exact), float32 or float64 (rounded to nearest float32), little- or big-endian, in C or
/// Fortran order (as <c>np.load</c> reads them all), or mapped in place when it is little-endian C-order <c>&lt;f4</c>
/// (<see cref="NpyVocabReadOptions.MemoryMap"/>). Either file may be gzip-compressed (name ending in ".gz";
/// not with MemoryMap). Duplicate words keep their first row (as gensim) and are listed in the report. Bad input throws
/// <see cref="TensorFormatException"/> (file, byte offset, line) for: anything <see cref="NpyFile"/> refuses, a matrix
/// that is not 2-D, a line count that differs from the row count, an empty line, invalid UTF-8 (under
/// <see cref="Utf8Policy.Strict"/>) and NaN/±∞ unless allowed.
/// </remarks>
public static class NpyVocabFile
{
    /// <summary>Reads a matrix and its vocabulary (see the type's remarks).</summary>
    public static WordVectors Read(string matrixPath, string vocabularyPath, NpyVocabReadOptions? options = null) =>
        Read(matrixPath, vocabularyPath, options, out _);

    /// <summary>Reads a matrix and its vocabulary, reporting dropped duplicates, skipped and repaired words.</summary>
    /// <exception cref="TensorFormatException">A file is malformed or they do not match.</exception>
    public static WordVectors Read(string matrixPath, string vocabularyPath, NpyVocabReadOptions? options, out WordReadReport report)
    {
        ArgumentException.ThrowIfNullOrEmpty(matrixPath);
        ArgumentException.ThrowIfNullOrEmpty(vocabularyPath);
        options ??= new NpyVocabReadOptions();
        if (options.Limit is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Limit, "Limit must be ≥ 0.");
        }

        var lines = WordListFile.Read(vocabularyPath, options.Limit, options.InvalidUtf8, out var entries, out var replaced);
        var words = WordRows.Resolve(entries, replaced, out var kept, out report);
        return options.MemoryMap
            ? ReadMapped(matrixPath, vocabularyPath, options, lines, words, kept, report)
            : ReadCopied(matrixPath, vocabularyPath, options, lines, words, kept);
    }

    /// <summary>Writes <c>np.save</c>-identical <c>&lt;f4</c> data and the word list ('\n' after every word), each file
    /// atomically (the pair is not written as one transaction).</summary>
    /// <exception cref="ArgumentException">A word is empty, contains a line break or an unpaired surrogate; nothing is written.</exception>
    public static void Write(string matrixPath, string vocabularyPath, WordVectors vectors) =>
        Write(matrixPath, vocabularyPath, vectors, NpyDType.Float32);

    /// <summary>Writes the matrix as <paramref name="dtype"/> (<see cref="NpyDType.Float32"/>, <see cref="NpyDType.Float16"/>
    /// rounded as numpy's <c>astype(np.float16)</c>, or <see cref="NpyDType.Float64"/>; see
    /// <see cref="NpyFile.Write(string, FloatTensor, NpyDType)"/>) and the word list, each file atomically.</summary>
    /// <exception cref="ArgumentException">A word is empty, contains a line break or an unpaired surrogate; nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dtype"/> is not a float type.</exception>
    public static void Write(string matrixPath, string vocabularyPath, WordVectors vectors, NpyDType dtype)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        NpyWriter.CheckFloatDType(dtype);
        for (var i = 0; i < vectors.Count; i++)
        {
            WordListFile.Check(vectors.Words[i], i);
        }

        NpyFile.Write(matrixPath, vectors.Vectors, dtype);
        WordListFile.Write(vocabularyPath, vectors.Words);
    }

    private static WordVectors ReadCopied(string matrixPath, string vocabularyPath, NpyVocabReadOptions options, long lines, string[] words, int[]? kept)
    {
        FloatTensor matrix;
        using (var file = InputFile.Open(matrixPath, seekableFor: null))
        using (var stream = WordListFile.IsGzip(matrixPath) ? GzipInput.Open(file, matrixPath, m => new TensorFormatException(m)) : file)
        {
            var reader = new TensorStreamReader(stream, matrixPath);
            var header = NpyReader.ReadHeader(reader);
            CheckShape(header, matrixPath, vocabularyPath, lines, reader.Offset);
            if (header.DType is not (NpyDType.Float32 or NpyDType.Float64 or NpyDType.Float16))
            {
                throw new TensorFormatException($"The matrix holds {header.DType} values; word vectors need float16, float32 or float64 ('f2', 'f4', 'f8').", matrixPath, 0);
            }

            var rows = Math.Min(header.Shape[0], options.Limit ?? long.MaxValue);
            if (header.FortranOrder)
            {
                // Column-major: every row is spread over the whole data, so all of it is read, then transposed.
                var stored = stream.CanSeek
                    ? ReadMatrix(reader, header, NpyReader.Reversed(header.Shape))
                    : ReadMatrixGrowing(reader, header, NpyReader.Reversed(header.Shape));
                matrix = NpyReader.FortranToC(stored, header.Shape);
                if (rows < header.Shape[0])
                {
                    matrix = FirstRows(matrix, rows);
                }
            }
            else
            {
                long[] shape = [rows, header.Shape[1]];
                matrix = stream.CanSeek
                    ? ReadMatrix(reader, header, shape)
                    : ReadMatrixGrowing(reader, header, shape);
            }
        }

        if (kept is not null)
        {
            matrix = WordRows.SelectRows(matrix, kept);
        }

        CheckFinite(matrix, words, matrixPath, options.AllowNonFinite);
        return new WordVectors(words, matrix);
    }

    /// <summary>Reads the first elements of the data, in stored order, as a tensor of <paramref name="shape"/>, from a
    /// file whose length was checked against the header: allocated once.</summary>
    private static FloatTensor ReadMatrix(TensorStreamReader reader, NpyHeader header, long[] shape)
    {
        var matrix = new FloatTensor(shape);
        ElementCodec.ReadFloats(reader, header.Kind, matrix, header.BigEndian);
        return matrix;
    }

    private static FloatTensor FirstRows(FloatTensor matrix, long rows)
    {
        var result = new FloatTensor(rows, matrix.Shape[1]);
        for (long r = 0; r < rows; r++)
        {
            matrix.Row(r).CopyTo(result.Row(r));
        }

        return result;
    }

    /// <summary>Reads the matrix of a stream of unknown length (gzip) in chunks of at most a million values, so that
    /// storage grows only with the data that is actually there: a small file whose header claims a huge shape ends
    /// with the reader's "the file ends inside the tensor data" error after allocating little.</summary>
    private static FloatTensor ReadMatrixGrowing(TensorStreamReader reader, NpyHeader header, long[] shape)
    {
        const int ChunkValues = 1 << 20;
        var total = FloatTensor.Product(shape);
        var chunks = new List<FloatTensor>();
        for (long done = 0; done < total;)
        {
            var chunk = new FloatTensor(Math.Min(ChunkValues, total - done));
            ElementCodec.ReadFloats(reader, header.Kind, chunk, header.BigEndian);
            chunks.Add(chunk);
            done += chunk.Length;
        }

        var matrix = new FloatTensor(shape);
        long at = 0;
        foreach (var chunk in chunks)
        {
            matrix.WriteFlat(at, chunk.AsSpan());
            at += chunk.Length;
        }

        return matrix;
    }

    private static unsafe WordVectors ReadMapped(string matrixPath, string vocabularyPath, NpyVocabReadOptions options, long lines, string[] words, int[]? kept, WordReadReport report)
    {
        if (kept is not null)
        {
            var why = report.Duplicates.Count > 0
                ? string.Create(CultureInfo.InvariantCulture, $"'{report.Duplicates[0].Word}' repeats at lines {report.Duplicates[0].FirstEntry + 1} and {report.Duplicates[0].Line}")
                : string.Create(CultureInfo.InvariantCulture, $"line {report.SkippedEntries[0] + 1} was skipped");
            throw new TensorFormatException($"A memory-mapped matrix cannot drop rows, but {why}; read without MemoryMap to drop them.", vocabularyPath, 0);
        }

        if (WordListFile.IsGzip(matrixPath))
        {
            throw new ArgumentException($"A gzip-compressed matrix cannot be memory-mapped: '{matrixPath}'.", nameof(matrixPath));
        }

        var stream = InputFile.Open(matrixPath, "a memory-mapped .npy matrix is mapped", bufferSize: 1);
        MappedFile? file = null;
        try
        {
            var reader = new TensorStreamReader(stream, matrixPath);
            var header = NpyReader.ReadHeader(reader); // checks the data length against the file length
            var dataOffset = reader.Offset;
            CheckShape(header, matrixPath, vocabularyPath, lines, dataOffset);
            if (header.DType != NpyDType.Float32 || header.BigEndian || header.FortranOrder || dataOffset % sizeof(float) != 0)
            {
                var what = header.FortranOrder ? $"Fortran-ordered {header.DType}" : header.BigEndian ? $"big-endian {header.DType}" : header.DType.ToString();
                throw new TensorFormatException($"Only little-endian C-order '<f4' data at a 4-byte boundary can be mapped; this file holds {what}. Read it without MemoryMap to convert it.", matrixPath, 0);
            }

            file = MappedFile.Map(stream, options.Access);
            long rows = words.Length, dim = header.Shape[1];
            var matrix = rows * dim == 0 ? new FloatTensor(rows, dim) : FloatTensor.FromPointer((nint)(file.Pointer + dataOffset), file, rows, dim);
            CheckFinite(matrix, words, matrixPath, options.AllowNonFinite);
            return new WordVectors(words, matrix, file);
        }
        catch
        {
            if (file is not null)
            {
                file.Dispose();
            }
            else
            {
                stream.Dispose();
            }

            throw;
        }
    }

    private static void CheckShape(NpyHeader header, string matrixPath, string vocabularyPath, long lines, long dataOffset)
    {
        if (header.Shape.Length != 2)
        {
            throw new TensorFormatException($"Word vectors need a 2-D (V, D) matrix; the file holds shape {FloatTensor.FormatShape(header.Shape)}.", matrixPath, 0);
        }

        if (header.Shape[0] != lines)
        {
            throw new TensorFormatException(string.Create(CultureInfo.InvariantCulture,
                $"The matrix has {header.Shape[0]} rows but the vocabulary '{vocabularyPath}' has {lines} lines."), matrixPath, dataOffset);
        }
    }

    private static void CheckFinite(FloatTensor matrix, string[] words, string matrixPath, bool allow)
    {
        if (!allow && WordRows.FindNonFinite(matrix, matrix.RowCount, out var row, out var column))
        {
            throw new TensorFormatException(string.Create(CultureInfo.InvariantCulture,
                $"The vector of '{words[row]}' (row {row}) has {matrix.Row(row)[column]} at column {column}; set AllowNonFinite to accept NaN and infinities."), matrixPath, -1);
        }
    }
}
