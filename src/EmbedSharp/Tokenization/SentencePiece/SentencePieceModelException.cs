using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Tokenization.SentencePiece;

/// <summary>
/// Thrown when a SentencePiece <c>.model</c> file (a serialized <c>sentencepiece.ModelProto</c>) is truncated, corrupt,
/// inconsistent (duplicate pieces, no <c>&lt;unk&gt;</c>, byte pieces without byte fallback…) or uses a feature this
/// library does not implement. Carries the file path (when known) and the byte offset of the problem (−1 when the
/// problem is not tied to one place, such as a missing piece).
/// </summary>
public sealed class SentencePieceModelException : FileFormatException
{
    /// <summary>Creates an exception with a plain message and no location.</summary>
    public SentencePieceModelException()
        : this("The SentencePiece model is not valid.")
    {
    }

    /// <summary>Creates an exception with a plain message and no location.</summary>
    public SentencePieceModelException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a plain message, no location and an inner exception.</summary>
    public SentencePieceModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception whose message ends with the file path and byte offset.</summary>
    /// <param name="message">What is wrong, one sentence.</param>
    /// <param name="filePath">The file, or null for bytes without a name.</param>
    /// <param name="byteOffset">Offset from the start of the file where the problem was found, or −1.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public SentencePieceModelException(string message, string? filePath, long byteOffset, Exception? innerException = null)
        : base(message, filePath, byteOffset, "model bytes", innerException)
    {
    }
}
