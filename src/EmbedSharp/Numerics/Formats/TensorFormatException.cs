namespace EmbedSharp.Numerics.Formats;

/// <summary>
/// Thrown when a tensor file (.npy, safetensors) is malformed, truncated or uses a feature this library does not read.
/// Carries the file path (when known) and the byte offset where the problem was found.
/// </summary>
public sealed class TensorFormatException : FileFormatException
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
    /// <param name="filePath">The file, or null for bytes without a name.</param>
    /// <param name="byteOffset">Offset from the start of the file where the problem was found, or −1.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public TensorFormatException(string message, string? filePath, long byteOffset, Exception? innerException = null)
        : base(message, filePath, byteOffset, "stream", innerException)
    {
    }
}
