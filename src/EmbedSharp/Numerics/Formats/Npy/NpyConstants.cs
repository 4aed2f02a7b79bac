namespace EmbedSharp.Numerics.Formats.Npy;

/// <summary>
/// Numbers that define the .npy byte layout. Source of truth: NumPy's <c>numpy/lib/format.py</c> (1.24) and
/// NEP 1 "A simple file format for NumPy arrays" (format versions 1.0, 2.0 and 3.0).
/// </summary>
internal static class NpyConstants
{
    /// <summary>Magic string at offset 0: the byte 0x93 followed by ASCII "NUMPY" (format.py: MAGIC_PREFIX).</summary>
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Magic plus the major and minor version bytes (format.py: MAGIC_LEN = 8).</summary>
    public const int PrefixLength = 8;

    /// <summary>Version 1.0: header length is a little-endian u16, header text is latin-1.</summary>
    public const byte Version1 = 1;

    /// <summary>Version 2.0: header length is a little-endian u32, header text is latin-1 (NumPy ≥ 1.9).</summary>
    public const byte Version2 = 2;

    /// <summary>Version 3.0: like 2.0 but the header text is UTF-8 (NumPy ≥ 1.17).</summary>
    public const byte Version3 = 3;

    /// <summary>The only minor version of each major version.</summary>
    public const byte MinorVersion = 0;

    /// <summary>The data starts at a multiple of this many bytes (format.py: ARRAY_ALIGN; files from NumPy
    /// before 1.9 used 16, which this reader also accepts since alignment is not checked).</summary>
    public const int ArrayAlign = 64;

    /// <summary>Spaces reserved after the dict so that the first dimension can grow in place
    /// (format.py: GROWTH_AXIS_MAX_DIGITS = len(str(8*2**64-1))).</summary>
    public const int GrowthAxisMaxDigits = 21;

    /// <summary>Largest header this reader accepts. NumPy refuses more than 10 000 characters by default
    /// (max_header_size); we allow more, but never a length that could exhaust memory.</summary>
    public const int MaxHeaderBytes = 1 << 20;

    /// <summary>Header dict keys, exactly these three (format.py: EXPECTED_KEYS).</summary>
    public const string DescrKey = "descr";

    /// <summary>Header key for the memory order: <c>False</c> for C order, <c>True</c> for Fortran order (both read).</summary>
    public const string FortranOrderKey = "fortran_order";

    /// <summary>Header key for the shape tuple.</summary>
    public const string ShapeKey = "shape";

    /// <summary>Byte-order character of a little-endian descriptor (numpy <c>dtype.str</c>).</summary>
    public const char LittleEndian = '<';

    /// <summary>Byte-order character of a big-endian descriptor (<c>np.dtype('&gt;f4').str</c>).</summary>
    public const char BigEndian = '>';

    /// <summary>Byte-order character numpy writes for one-byte types, where order does not apply (<c>|u1</c>).</summary>
    public const char NotApplicable = '|';

    /// <summary>Byte-order character for the host's order; numpy never writes it (dtype.str resolves it) but accepts it.</summary>
    public const char Native = '=';
}
