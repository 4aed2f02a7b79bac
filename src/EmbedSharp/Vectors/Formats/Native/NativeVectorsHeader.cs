using System.Buffers.Binary;
using System.Globalization;
using EmbedSharp.Numerics.Formats;
using C = EmbedSharp.Vectors.Formats.Native.NativeVectorsConstants;

namespace EmbedSharp.Vectors.Formats.Native;

/// <summary>The fixed 128-byte header of a native word-vector file: counts, block offsets and checksums.</summary>
internal readonly record struct NativeVectorsHeader(
    ushort Minor,
    uint Flags,
    long WordCount,
    long Dimension,
    long MatrixOffset,
    long OffsetsOffset,
    long StringsOffset,
    long StringsLength,
    long IndexOffset,
    long IndexSlots,
    uint MatrixCrc,
    uint VocabularyCrc)
{
    /// <summary>Bytes of the (V, D) float32 matrix.</summary>
    public long MatrixBytes => WordCount * Dimension * sizeof(float);

    /// <summary>One past the last byte of the file.</summary>
    public long FileLength => IndexOffset + (IndexSlots * sizeof(uint));

    /// <summary>Whether the writer saw NaN or ±∞.</summary>
    public bool MayContainNonFinite => (Flags & C.FlagMayContainNonFinite) != 0;

    /// <summary>The 128 header bytes, checksum included.</summary>
    public byte[] Format()
    {
        var b = new byte[C.HeaderSize];
        C.Magic.CopyTo(b);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(C.MajorOffset), C.MajorVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(C.MinorOffset), Minor);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(C.HeaderSizeOffset), C.HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(C.DTypeOffset), C.DTypeFloat32);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(C.FlagsOffset), Flags);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(C.WordCountOffset), WordCount);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(C.DimensionOffset), Dimension);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(C.MatrixOffsetOffset), MatrixOffset);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(C.OffsetsOffsetOffset), OffsetsOffset);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(C.StringsOffsetOffset), StringsOffset);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(C.StringsLengthOffset), StringsLength);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(C.IndexOffsetOffset), IndexOffset);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(C.IndexSlotsOffset), IndexSlots);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(C.HashKindOffset), C.HashFnv1a64);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(C.MatrixCrcOffset), MatrixCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(C.VocabularyCrcOffset), VocabularyCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(C.HeaderCrcOffset), Crc32C.Compute(b.AsSpan(0, C.HeaderCrcOffset)));
        return b;
    }

    /// <summary>
    /// Parses and checks a header against the file length, before anything is mapped or allocated: magic, major version,
    /// header size, dtype, flags, hash kind, reserved bytes, checksum, V and D within what a <see cref="Numerics.FloatTensor"/>
    /// row and a word list hold, and every block inside the file, in order, without overlap, ending exactly at its end.
    /// </summary>
    public static NativeVectorsHeader Parse(ReadOnlySpan<byte> b, long fileLength, string path)
    {
        TensorFormatException Fail(string message, long offset) => new(message, path, offset);

        if (b.Length < C.HeaderSize)
        {
            if (b.Length < C.Magic.Length || !b[..C.Magic.Length].SequenceEqual(C.Magic))
            {
                throw Fail(Invariant($"This is not a native word-vector file: {fileLength} bytes, shorter than the {C.HeaderSize}-byte header, without the magic bytes."), 0);
            }

            throw Fail(Invariant($"The file is truncated: {fileLength} bytes, shorter than the {C.HeaderSize}-byte header."), fileLength);
        }

        if (!b[..C.Magic.Length].SequenceEqual(C.Magic))
        {
            throw Fail("This is not a native word-vector file: it does not start with the magic bytes 89 45 53 56 45 43 0D 0A (\"\\x89ESVEC\\r\\n\").", 0);
        }

        var major = BinaryPrimitives.ReadUInt16LittleEndian(b[C.MajorOffset..]);
        var minor = BinaryPrimitives.ReadUInt16LittleEndian(b[C.MinorOffset..]);
        if (major != C.MajorVersion)
        {
            throw Fail(Invariant($"Unsupported native format version {major}.{minor}; this reader reads {C.MajorVersion}.x."), C.MajorOffset);
        }

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(b[C.HeaderCrcOffset..]);
        var computed = Crc32C.Compute(b[..C.HeaderCrcOffset]);
        if (stored != computed)
        {
            throw Fail(Invariant($"The header checksum does not match: stored 0x{stored:x8}, computed 0x{computed:x8} (CRC-32C of bytes 0..123); the header is corrupt."), C.HeaderCrcOffset);
        }

        var headerSize = BinaryPrimitives.ReadUInt32LittleEndian(b[C.HeaderSizeOffset..]);
        if (headerSize != C.HeaderSize)
        {
            throw Fail(Invariant($"The header size is {headerSize}; version 1 headers are {C.HeaderSize} bytes."), C.HeaderSizeOffset);
        }

        var dtype = BinaryPrimitives.ReadUInt32LittleEndian(b[C.DTypeOffset..]);
        if (dtype != C.DTypeFloat32)
        {
            throw Fail(Invariant($"Unknown element type code {dtype}; version 1 stores only float32 (code {C.DTypeFloat32})."), C.DTypeOffset);
        }

        var flags = BinaryPrimitives.ReadUInt32LittleEndian(b[C.FlagsOffset..]);
        if ((flags & ~C.KnownFlags) != 0)
        {
            throw Fail(Invariant($"Unknown flag bits 0x{flags & ~C.KnownFlags:x8}."), C.FlagsOffset);
        }

        var hash = BinaryPrimitives.ReadUInt32LittleEndian(b[C.HashKindOffset..]);
        if (hash != C.HashFnv1a64)
        {
            throw Fail(Invariant($"Unknown hash function code {hash}; version 1 uses FNV-1a 64 (code {C.HashFnv1a64})."), C.HashKindOffset);
        }

        if (b[C.ReservedOffset..C.HeaderCrcOffset].IndexOfAnyExcept((byte)0) is var nz and >= 0)
        {
            throw Fail("Reserved header bytes are not zero.", C.ReservedOffset + nz);
        }

        var h = new NativeVectorsHeader(
            minor,
            flags,
            BinaryPrimitives.ReadInt64LittleEndian(b[C.WordCountOffset..]),
            BinaryPrimitives.ReadInt64LittleEndian(b[C.DimensionOffset..]),
            BinaryPrimitives.ReadInt64LittleEndian(b[C.MatrixOffsetOffset..]),
            BinaryPrimitives.ReadInt64LittleEndian(b[C.OffsetsOffsetOffset..]),
            BinaryPrimitives.ReadInt64LittleEndian(b[C.StringsOffsetOffset..]),
            BinaryPrimitives.ReadInt64LittleEndian(b[C.StringsLengthOffset..]),
            BinaryPrimitives.ReadInt64LittleEndian(b[C.IndexOffsetOffset..]),
            BinaryPrimitives.ReadInt64LittleEndian(b[C.IndexSlotsOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[C.MatrixCrcOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[C.VocabularyCrcOffset..]));
        h.CheckLayout(fileLength, path);
        return h;
    }

    private void CheckLayout(long fileLength, string path)
    {
        TensorFormatException Fail(string message, long offset) => new(message, path, offset);

        // Counts first, in 128-bit arithmetic: a header claiming 10^12 words or 2^31 dimensions is refused here.
        if (WordCount < 0 || WordCount > Array.MaxLength)
        {
            throw Fail(Invariant($"The header claims {WordCount} words; at most {Array.MaxLength} are supported."), C.WordCountOffset);
        }

        if (Dimension < 0 || Dimension > int.MaxValue)
        {
            throw Fail(Invariant($"The header claims dimension {Dimension}; at most {int.MaxValue} is supported."), C.DimensionOffset);
        }

        var matrixEnd = (Int128)MatrixOffset + ((Int128)WordCount * Dimension * sizeof(float));
        if (MatrixOffset < C.HeaderSize || MatrixOffset % C.MinimumMatrixAlignment != 0 || matrixEnd > fileLength)
        {
            throw Fail(Invariant($"The header's matrix of {WordCount} × {Dimension} float32 at byte {MatrixOffset} does not fit the {fileLength}-byte file (it must start after the header, at a multiple of {C.MinimumMatrixAlignment}, and end inside the file)."), C.MatrixOffsetOffset);
        }

        var offsetsEnd = (Int128)OffsetsOffset + ((Int128)(WordCount + 1) * sizeof(ulong));
        if (OffsetsOffset < matrixEnd || OffsetsOffset % sizeof(ulong) != 0 || offsetsEnd > fileLength)
        {
            throw Fail(Invariant($"The header's word-offset table ({WordCount + 1} × u64 at byte {OffsetsOffset}) does not fit the {fileLength}-byte file after the matrix (ending at {matrixEnd})."), C.OffsetsOffsetOffset);
        }

        if (StringsOffset != offsetsEnd || StringsLength < 0 || (Int128)StringsOffset + StringsLength > fileLength)
        {
            throw Fail(Invariant($"The header's word bytes ({StringsLength} at byte {StringsOffset}) must follow the offset table (ending at {offsetsEnd}) and fit the {fileLength}-byte file."), C.StringsOffsetOffset);
        }

        if (IndexSlots <= WordCount || (IndexSlots & (IndexSlots - 1)) != 0)
        {
            throw Fail(Invariant($"The header's hash index has {IndexSlots} slots; it needs a power of two greater than the {WordCount} words."), C.IndexSlotsOffset);
        }

        var indexEnd = (Int128)IndexOffset + ((Int128)IndexSlots * sizeof(uint));
        if (IndexOffset < (Int128)StringsOffset + StringsLength || IndexOffset % sizeof(uint) != 0 || indexEnd != fileLength)
        {
            var problem = indexEnd > fileLength ? "the file is truncated" : indexEnd < fileLength ? "the file has trailing bytes" : "it overlaps the word bytes or is misaligned";
            throw Fail(Invariant($"The header's hash index ({IndexSlots} × u32 at byte {IndexOffset}, ending at {indexEnd}) does not end the {fileLength}-byte file: {problem}."), indexEnd > fileLength ? fileLength : C.IndexOffsetOffset);
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
