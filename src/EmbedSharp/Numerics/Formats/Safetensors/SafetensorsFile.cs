namespace EmbedSharp.Numerics.Formats.Safetensors;

/// <summary>
/// Reads and writes safetensors files (Hugging Face; <c>safetensors.torch.save_file</c> / <c>load_file</c>).
/// Layout: header length N as a little-endian u64, N bytes of UTF-8 JSON
/// <c>{"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …}</c>
/// padded with spaces, then the data buffer; offsets are relative to its start; tensors are little-endian, C order.
/// </summary>
/// <remarks>
/// Reading converts F32, F64 (rounded to nearest), F16, BF16 to float32 tensors and I32/I64 to int64; the other
/// reference dtypes are listed but not converted. Writing stores float32 tensors as F32 (default), F64, F16 or BF16
/// (<see cref="SafetensorsWriteOptions"/>). Bad input throws <see cref="TensorFormatException"/> (with file path
/// and byte offset) for: a header length over 100 MB or beyond the file, a header that is not a JSON object, invalid
/// JSON, a missing or mistyped field, an unknown dtype, a duplicate name, metadata values that are not strings,
/// offsets that do not tile the data buffer exactly (gaps, overlaps, out of range, not equal to shape × dtype size),
/// and a file that is truncated or longer than its tensors. The header is checked before any tensor is allocated,
/// and no length is trusted before it is checked: against the file's length for a file or seekable stream, and for a
/// non-seekable stream by reading the claimed bytes ahead in 1 MB chunks, so a lying header costs at most the bytes
/// the stream really holds. <see cref="Read(string)"/> opens the file once and refuses a pipe, FIFO or device, naming
/// it. Every error message is one line (control characters from the file, e.g. in a tensor name, are escaped).
/// </remarks>
public static class SafetensorsFile
{
    /// <summary>Reads every tensor and the metadata of a safetensors file.</summary>
    /// <exception cref="TensorFormatException">The file is malformed.</exception>
    public static SafetensorsContent Read(string path)
    {
        using var stream = InputFile.Open(path, seekableFor: "a safetensors file's header is checked against its length before any tensor is allocated");
        return SafetensorsReader.Read(new TensorStreamReader(stream, path));
    }

    /// <summary>Reads a safetensors file from the stream's current position; the stream must end where the data ends.</summary>
    /// <exception cref="TensorFormatException">The data is malformed.</exception>
    public static SafetensorsContent Read(Stream stream) => SafetensorsReader.Read(new TensorStreamReader(stream, null));

    /// <summary>
    /// Writes float32 tensors and optional string metadata as a safetensors file, laid out like the reference
    /// serializer (tensors sorted by name, header padded with spaces to a multiple of 8). The file is replaced
    /// atomically: on failure any previous file is left intact.
    /// </summary>
    /// <exception cref="ArgumentException">A name is <c>__metadata__</c>, a tensor or metadata value is null, or a
    /// string is not valid Unicode.</exception>
    public static void Write(string path, IReadOnlyDictionary<string, FloatTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, tensors, metadata, SafetensorsWriteOptions.Default);

    /// <summary>
    /// Writes float32 tensors stored as the dtypes <paramref name="options"/> chooses (F32, F64, F16 or BF16, per file or
    /// per tensor; rounding as PyTorch's <c>tensor.to(torch.float16 / torch.bfloat16)</c>, see
    /// <see cref="SafetensorsWriteOptions"/>), laid out like the reference serializer (tensors sorted by dtype, larger
    /// first, then by name). The file is replaced atomically.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Write(string, IReadOnlyDictionary{string, FloatTensor}, IReadOnlyDictionary{string, string})"/>,
    /// or a dtype other than F32, F64, F16, BF16, or a per-tensor dtype for a name that is not written.</exception>
    public static void Write(string path, IReadOnlyDictionary<string, FloatTensor> tensors, IReadOnlyDictionary<string, string>? metadata,
        SafetensorsWriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(options);
        SafetensorsWriter.BuildHeader(tensors, metadata, options, out _); // validate before creating any file
        AtomicFile.Write(path, stream => SafetensorsWriter.Write(stream, tensors, metadata, options));
    }

    /// <summary>Writes float32 tensors and optional metadata in the safetensors format to a stream, chunk by chunk.</summary>
    public static void Write(Stream stream, IReadOnlyDictionary<string, FloatTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(stream, tensors, metadata, SafetensorsWriteOptions.Default);

    /// <summary>Writes float32 tensors as the dtypes <paramref name="options"/> chooses to a stream (see
    /// <see cref="Write(string, IReadOnlyDictionary{string, FloatTensor}, IReadOnlyDictionary{string, string}, SafetensorsWriteOptions)"/>).</summary>
    public static void Write(Stream stream, IReadOnlyDictionary<string, FloatTensor> tensors, IReadOnlyDictionary<string, string>? metadata,
        SafetensorsWriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(options);
        SafetensorsWriter.Write(stream, tensors, metadata, options);
    }
}
