namespace EmbedSharp.Numerics.Formats.Npy;

/// <summary>
/// Reads and writes NumPy .npy files (<c>np.save</c> / <c>np.load</c>). Layout: the magic "\x93NUMPY", version
/// bytes, a little-endian header length, a Python dict literal such as
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 4), }</c> padded with spaces and '\n' so the data
/// starts at a multiple of 64, then the elements in the descriptor's byte order, in C order (or Fortran order, first
/// index fastest, when <c>fortran_order</c> is True).
/// </summary>
/// <remarks>
/// Reads versions 1.0, 2.0 and 3.0 with dtypes f2, f4, f8, i1, u1, i2, u2, i4, u4, i8, little-endian (<c>&lt;</c>),
/// big-endian (<c>&gt;</c>, byte-swapped) or one-byte (<c>|</c>), in C or Fortran order, at any rank; the result is
/// always C order, the values of numpy's <c>np.ascontiguousarray(np.load(path))</c> (float16 converts exactly to float32,
/// float64 rounds to nearest, integers widen to int64). A Fortran-ordered array is transposed after reading, so it needs
/// twice its float32 size in memory for a moment.
/// Bad input throws <see cref="TensorFormatException"/> (with file path and byte offset) for: a wrong magic string,
/// an unknown version, a malformed header dict, object, structured or any other dtype, a shape whose
/// byte count overflows, and data that is shorter or longer than the shape needs. No header claim is trusted before
/// it is checked: for a file or seekable stream the header and data lengths are checked against the stream's length
/// before anything is allocated; a non-seekable stream (<see cref="Read(Stream)"/> over a pipe) is read ahead in
/// 1 MB chunks until the claimed bytes are there, so a lying header costs at most the bytes the stream really holds.
/// <see cref="Read(string)"/> opens the file once and refuses a pipe, FIFO or device, naming it. A stream must end
/// where the array data ends. Every error message is one line (control characters from the file are escaped).
/// </remarks>
public static class NpyFile
{
    /// <summary>Reads a .npy file.</summary>
    /// <exception cref="TensorFormatException">The file is malformed or uses an unsupported feature.</exception>
    public static NpyArray Read(string path)
    {
        using var stream = OpenRead(path);
        return NpyReader.Read(new TensorStreamReader(stream, path));
    }

    /// <summary>Reads a .npy array from the stream's current position to its end.</summary>
    /// <exception cref="TensorFormatException">The data is malformed or uses an unsupported feature.</exception>
    public static NpyArray Read(Stream stream) => NpyReader.Read(new TensorStreamReader(stream, null));

    /// <summary>Reads a float16, float32 or float64 (rounded to nearest) .npy file as a float32 tensor; integer arrays
    /// are converted too (exact up to 2^24).</summary>
    public static FloatTensor ReadTensor(string path) => Read(path).ToTensor();

    /// <summary>Reads a .npy array from a stream as a float32 tensor (see <see cref="ReadTensor(string)"/>).</summary>
    public static FloatTensor ReadTensor(Stream stream) => Read(stream).ToTensor();

    /// <summary>Reads an integer .npy file (int8 to int64, uint8 to uint32) as an int64 index tensor.</summary>
    /// <exception cref="InvalidOperationException">The file holds floats.</exception>
    public static IndexTensor ReadIndexTensor(string path) => Read(path).ToIndexTensor();

    /// <summary>Reads an integer .npy array from a stream as an int64 index tensor.</summary>
    public static IndexTensor ReadIndexTensor(Stream stream) => Read(stream).ToIndexTensor();

    /// <summary>Writes a tensor as a <c>&lt;f4</c> .npy file, byte-identical to <c>np.save</c> of the same float32
    /// array (version 1.0, or 2.0 when the header exceeds 65535 bytes). The file is replaced atomically: on failure any
    /// previous file is left intact.</summary>
    public static void Write(string path, FloatTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        AtomicFile.Write(path, stream => NpyWriter.Write(stream, tensor));
    }

    /// <summary>Writes a tensor as <c>&lt;f4</c> .npy data to a stream, chunk by chunk.</summary>
    public static void Write(Stream stream, FloatTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        NpyWriter.Write(stream, tensor);
    }

    /// <summary>Writes a tensor as a .npy file of element type <paramref name="dtype"/>, atomically, byte-identical to
    /// <c>np.save(path, arr.astype(dtype))</c> of the float32 array <c>arr</c>: <see cref="NpyDType.Float32"/> as is
    /// (<c>&lt;f4</c>), <see cref="NpyDType.Float64"/> widened exactly (<c>&lt;f8</c>), <see cref="NpyDType.Float16"/>
    /// (<c>&lt;f2</c>) rounded to nearest, ties to even, beyond ±65504 (from ±65520 on) to ±∞, subnormals kept, NaN keeping
    /// its sign and top 10 payload bits (numpy 1.24 <c>npy_floatbits_to_halfbits</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dtype"/> is not Float32, Float16 or Float64.</exception>
    public static void Write(string path, FloatTensor tensor, NpyDType dtype)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        NpyWriter.CheckFloatDType(dtype);
        AtomicFile.Write(path, stream => NpyWriter.Write(stream, tensor, dtype));
    }

    /// <summary>Writes a tensor as .npy data of element type <paramref name="dtype"/> to a stream (see
    /// <see cref="Write(string, FloatTensor, NpyDType)"/>).</summary>
    public static void Write(Stream stream, FloatTensor tensor, NpyDType dtype)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        NpyWriter.Write(stream, tensor, dtype);
    }

    /// <summary>Writes an index tensor as a <c>&lt;i8</c> .npy file (as <c>np.save</c> of an int64 array), atomically.</summary>
    public static void Write(string path, IndexTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        AtomicFile.Write(path, stream => NpyWriter.Write(stream, tensor));
    }

    /// <summary>Writes an index tensor as <c>&lt;i8</c> .npy data to a stream.</summary>
    public static void Write(Stream stream, IndexTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        NpyWriter.Write(stream, tensor);
    }

    /// <summary>Opens the file once, through <see cref="InputFile"/>: a pipe, FIFO or device is refused, because the
    /// header's claims are checked against the file's length before anything is allocated.</summary>
    private static FileStream OpenRead(string path) =>
        InputFile.Open(path, seekableFor: "a .npy file's header is checked against its length before the array is allocated");
}
