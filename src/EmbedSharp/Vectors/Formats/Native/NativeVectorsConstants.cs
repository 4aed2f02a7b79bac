namespace EmbedSharp.Vectors.Formats.Native;

/// <summary>
/// Numbers that define the native word-vector layout (format 1.0). Source of truth: <c>docs/formats/native.md</c>;
/// <c>tools/goldens/make_native.py</c> is an independent writer of the same bytes.
/// </summary>
internal static class NativeVectorsConstants
{
    /// <summary>Magic bytes at offset 0: 0x89 "ESVEC" "\r\n". The high first byte catches 7-bit transfers and text
    /// detection, the CR LF catches newline translation (the idea of PNG's signature).</summary>
    public static ReadOnlySpan<byte> Magic => [0x89, (byte)'E', (byte)'S', (byte)'V', (byte)'E', (byte)'C', (byte)'\r', (byte)'\n'];

    /// <summary>Major version: readers refuse any other; a new major version means an incompatible layout.</summary>
    public const ushort MajorVersion = 1;

    /// <summary>Minor version written; readers accept every minor of their major (additions use reserved fields only).</summary>
    public const ushort MinorVersion = 0;

    /// <summary>Bytes in the fixed header, checksum included.</summary>
    public const int HeaderSize = 128;

    /// <summary>The header checksum covers bytes [0, 124) and is stored at 124.</summary>
    public const int HeaderCrcOffset = 124;

    /// <summary>Element type code of little-endian IEEE-754 float32, the only one in version 1.</summary>
    public const uint DTypeFloat32 = 1;

    /// <summary>Flag bit: the writer saw NaN or ±∞ in the matrix.</summary>
    public const uint FlagMayContainNonFinite = 1;

    /// <summary>Every flag bit version 1.0 defines; readers refuse the others.</summary>
    public const uint KnownFlags = FlagMayContainNonFinite;

    /// <summary>Hash code of the index: FNV-1a 64 over the UTF-8 bytes, folded as h ^ (h >> 32), linear probing.</summary>
    public const uint HashFnv1a64 = 1;

    /// <summary>The writer starts the matrix at a multiple of a page, so that it can be mapped on its own.</summary>
    public const int MatrixAlignment = 4096;

    /// <summary>Readers require the matrix to start at a multiple of this (cache-line alignment for SIMD).</summary>
    public const int MinimumMatrixAlignment = 64;

    /// <summary>FNV-1a 64 offset basis.</summary>
    public const ulong FnvOffsetBasis = 0xcbf29ce484222325UL;

    /// <summary>FNV-1a 64 prime.</summary>
    public const ulong FnvPrime = 0x100000001b3UL;

    // Field offsets in the header (all little-endian).
    public const int MajorOffset = 8;
    public const int MinorOffset = 10;
    public const int HeaderSizeOffset = 12;
    public const int DTypeOffset = 16;
    public const int FlagsOffset = 20;
    public const int WordCountOffset = 24;
    public const int DimensionOffset = 32;
    public const int MatrixOffsetOffset = 40;
    public const int OffsetsOffsetOffset = 48;
    public const int StringsOffsetOffset = 56;
    public const int StringsLengthOffset = 64;
    public const int IndexOffsetOffset = 72;
    public const int IndexSlotsOffset = 80;
    public const int HashKindOffset = 88;
    public const int MatrixCrcOffset = 92;
    public const int VocabularyCrcOffset = 96;
    public const int ReservedOffset = 100;
}
