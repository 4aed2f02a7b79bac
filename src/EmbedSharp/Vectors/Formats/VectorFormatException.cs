using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Vectors.Formats;

/// <summary>
/// Thrown when a word-vector file (word2vec text or binary, fastText .vec, GloVe) is malformed or truncated.
/// Carries the file path (when known), the 1-based line of a text file and the byte offset where the problem was found.
/// </summary>
public sealed class VectorFormatException : FileFormatException
{
    /// <summary>Creates an exception with a plain message and no location.</summary>
    public VectorFormatException()
        : this("The word-vector file is not valid.")
    {
    }

    /// <summary>Creates an exception with a plain message and no location.</summary>
    public VectorFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a plain message, no location and an inner exception.</summary>
    public VectorFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception whose message ends with the file, the line (if any) and the byte offset.</summary>
    /// <param name="message">What is wrong, one sentence.</param>
    /// <param name="filePath">The file being read, or null for a stream without a name.</param>
    /// <param name="line">1-based line in a text file, or −1.</param>
    /// <param name="byteOffset">Offset from the start of the (decompressed) file, or −1 if unknown.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public VectorFormatException(string message, string? filePath, long line, long byteOffset, Exception? innerException = null)
        : base(message, filePath, line, byteOffset, "stream", innerException)
    {
    }
}
