namespace EmbedSharp.Numerics.Formats.Npy;

/// <summary>
/// Reads and writes NumPy .npy files (<c>np.save</c> / <c>np.load</c>). Layout: the magic "\x93NUMPY", version
/// bytes, a little-endian header length, a Python dict literal such as
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 4), }</c> padded with spaces and '\n' so the data
/// starts at a multiple of 64, then the elements in C order.
/// </summary>
/// <remarks>
/// Reads versions 1.0, 2.0 and 3.0 with dtypes <c>&lt;f4</c>, <c>&lt;f8</c>, <c>&lt;i4</c>, <c>&lt;i8</c>.
/// Bad input throws <see cref="TensorFormatException"/> (with file path and byte offset) for: a wrong magic string,
/// an unknown version, a malformed header dict, Fortran order, big-endian, object or any other dtype, a shape whose
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

    /// <summary>Reads a float32 or float64 (rounded to nearest) .npy file as a float32 tensor; integer arrays are
    /// converted too (exact up to 2^24).</summary>
    public static FloatTensor ReadTensor(string path) => Read(path).ToTensor();

    /// <summary>Reads a .npy array from a stream as a float32 tensor (see <see cref="ReadTensor(string)"/>).</summary>
    public static FloatTensor ReadTensor(Stream stream) => Read(stream).ToTensor();

    /// <summary>Reads an int32 or int64 .npy file as an int64 index tensor.</summary>
    /// <exception cref="InvalidOperationException">The file holds floats.</exception>
    public static IndexTensor ReadIndexTensor(string path) => Read(path).ToIndexTensor();

    /// <summary>Reads an int32 or int64 .npy array from a stream as an int64 index tensor.</summary>
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
