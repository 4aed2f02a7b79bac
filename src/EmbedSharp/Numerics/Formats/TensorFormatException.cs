using System.Globalization;

namespace EmbedSharp.Numerics.Formats;

/// <summary>
/// Thrown when a tensor file (.npy, safetensors) is malformed, truncated or uses a feature this library does not read.
/// Carries the file path (when known) and the byte offset where the problem was found.
/// </summary>
public sealed class TensorFormatException : Exception
{
    /// <summary>Creates an exception with a plain message and no location.</summary>
    public TensorFormatException()
        : this("The tensor file is not valid.")
    {
    }

    /// <summary>Creates an exception with a plain message and no location.</summary>
    public TensorFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a plain message, no location and an inner exception.</summary>
    public TensorFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception whose message ends with the file path and byte offset.</summary>
    /// <param name="message">What is wrong, one sentence.</param>
    /// <param name="filePath">The file being read, or null for a stream without a name.</param>
    /// <param name="byteOffset">Offset from the start of the file (or stream) where the problem was found.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public TensorFormatException(string message, string? filePath, long byteOffset, Exception? innerException = null)
        : base(Describe(message, filePath, byteOffset), innerException)
    {
        FilePath = filePath;
        ByteOffset = byteOffset;
    }

    /// <summary>The file being read, or null when reading a stream that is not a file.</summary>
    public string? FilePath { get; }

    /// <summary>Byte offset from the start of the file or stream where the problem was found, or -1 if unknown.</summary>
    public long ByteOffset { get; } = -1;

    private static string Describe(string message, string? filePath, long byteOffset)
    {
        var where = filePath is null ? "stream" : $"'{filePath}'";
        return string.Create(CultureInfo.InvariantCulture, $"{message} ({where}, byte offset {byteOffset})");
    }
}
