using System.Globalization;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats;
using C = EmbedSharp.Vectors.Formats.Native.NativeVectorsConstants;

namespace EmbedSharp.Vectors.Formats.Native;

/// <summary>Opens native files by mapping them: header checked against the file length first, then the mapping, then
/// the word offsets and UTF-8 of the words in use, the hash slots, and (unless non-finite values are allowed) one
/// vectorised pass over the matrix for NaN and ±∞.</summary>
internal static unsafe class NativeVectorsReader
{
    public static WordVectors Open(string path, NativeVectorsReadOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Limit is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Limit, "Limit must be ≥ 0.");
        }

        var stream = InputFile.Open(path, "a native .esvec file is memory-mapped", bufferSize: 1);
        MappedFile? file = null;
        try
        {
            var header = ReadHeader(stream, path);
            if (header.MayContainNonFinite && !options.AllowNonFinite)
            {
                throw new TensorFormatException("The writer recorded NaN or infinite values in the matrix; set AllowNonFinite to read it.", path, C.FlagsOffset);
            }

            var count = (int)Math.Min(header.WordCount, options.Limit ?? int.MaxValue);
            file = MappedFile.Map(stream, options.Access);
            var index = new NativeWordIndex(file, header, count, path);
            index.Validate();
            index.ValidateSlots();
            var matrix = count * header.Dimension == 0
                ? new FloatTensor(count, header.Dimension)
                : FloatTensor.FromPointer((nint)(file.Pointer + header.MatrixOffset), file, count, header.Dimension);
            if (!options.AllowNonFinite && FirstNonFinite(file, header, count) is var flat and >= 0)
            {
                var row = flat / header.Dimension;
                var column = (int)(flat % header.Dimension);
                // The header said every value is finite (else it was refused above): the matrix was damaged or forged.
                throw new TensorFormatException(
                    Invariant($"Row {row} ('{index.GetWord((int)row)}'), column {column} is {matrix.Row(row)[column]} although the header says every value is finite; the matrix is damaged (set AllowNonFinite to read it anyway)."),
                    path, header.MatrixOffset + (((row * header.Dimension) + column) * sizeof(float)));
            }

            return new WordVectors(index, matrix, file);
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

    /// <summary>Flat index of the first NaN or ±∞ among the first <paramref name="rows"/> rows, or −1: the mapped
    /// matrix is one contiguous run of floats, scanned vectorised in large spans (not row by row).</summary>
    private static long FirstNonFinite(MappedFile file, in NativeVectorsHeader header, long rows)
    {
        var values = (float*)(file.Pointer + header.MatrixOffset);
        var total = rows * header.Dimension;
        for (long done = 0; done < total;)
        {
            var n = (int)Math.Min(total - done, 1 << 28);
            var i = WordRows.FirstNonFinite(new ReadOnlySpan<float>(values + done, n));
            if (i >= 0)
            {
                return done + i;
            }

            done += n;
        }

        return -1;
    }

    /// <summary>Reads the 128-byte header and checks it against the file length.</summary>
    public static NativeVectorsHeader ReadHeader(FileStream stream, string path)
    {
        Span<byte> buffer = stackalloc byte[C.HeaderSize];
        var length = stream.Length;
        var n = stream.ReadAtLeast(buffer, C.HeaderSize, throwOnEndOfStream: false);
        return NativeVectorsHeader.Parse(buffer[..n], length, path);
    }

    /// <summary>Full check (reads every byte): both block checksums, the non-finite flag against the values, and that
    /// every word is found by the hash index at its own row (so the words are distinct).</summary>
    public static void Verify(string path)
    {
        using var stream = InputFile.Open(path, "a native .esvec file is memory-mapped", bufferSize: 1);
        var header = ReadHeader(stream, path);
        using var file = MappedFile.Map(stream, MappedAccess.ReadOnly);
        var matrixCrc = Crc(file, header.MatrixOffset, header.MatrixBytes);
        if (matrixCrc != header.MatrixCrc)
        {
            throw new TensorFormatException(Invariant($"The matrix checksum does not match: stored 0x{header.MatrixCrc:x8}, computed 0x{matrixCrc:x8}."), path, header.MatrixOffset);
        }

        var vocabularyCrc = Crc(file, header.OffsetsOffset, header.FileLength - header.OffsetsOffset);
        if (vocabularyCrc != header.VocabularyCrc)
        {
            throw new TensorFormatException(Invariant($"The vocabulary checksum does not match: stored 0x{header.VocabularyCrc:x8}, computed 0x{vocabularyCrc:x8}."), path, header.OffsetsOffset);
        }

        if (!header.MayContainNonFinite && header.MatrixBytes > 0)
        {
            var matrix = FloatTensor.FromPointer((nint)(file.Pointer + header.MatrixOffset), file, header.WordCount, header.Dimension);
            if (WordRows.FindNonFinite(matrix, header.WordCount, out var row, out var column))
            {
                throw new TensorFormatException(Invariant($"Row {row}, column {column} is {matrix.Row(row)[column]} but the header says every value is finite."), path, header.MatrixOffset + (((row * header.Dimension) + column) * sizeof(float)));
            }
        }

        var index = new NativeWordIndex(file, header, (int)header.WordCount, path);
        index.Validate();
        for (long row = 0; row < header.WordCount; row++)
        {
            var found = index.Find(index.WordBytes(row));
            if (found != row)
            {
                var word = index.GetWord((int)row);
                throw new TensorFormatException(found < 0
                    ? Invariant($"The hash index does not find word {row} '{word}'.")
                    : Invariant($"The word '{word}' appears at rows {found} and {row}; words must be distinct."), path, header.OffsetsOffset + (row * sizeof(ulong)));
            }
        }
    }

    private static uint Crc(MappedFile file, long offset, long length)
    {
        var crc = Crc32C.Start;
        for (long done = 0; done < length;)
        {
            var n = (int)Math.Min(length - done, 1 << 30);
            crc = Crc32C.Append(crc, file.Bytes(offset + done, n));
            done += n;
        }

        return Crc32C.Finish(crc);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
