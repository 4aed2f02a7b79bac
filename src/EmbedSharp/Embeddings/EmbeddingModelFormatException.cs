using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Embeddings;

/// <summary>A sentence-embedding model folder is incomplete or inconsistent (a missing file, a bad config.json, a table
/// that does not match its tokenizer). The message names the file.</summary>
public sealed class EmbeddingModelFormatException : FileFormatException
{
    /// <summary>Creates an exception with a plain message.</summary>
    public EmbeddingModelFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a plain message and the underlying error.</summary>
    public EmbeddingModelFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception naming <paramref name="filePath"/>.</summary>
    public EmbeddingModelFormatException(string message, string? filePath, Exception? innerException = null)
        : base(message, filePath, -1, "the model", innerException)
    {
    }
}
