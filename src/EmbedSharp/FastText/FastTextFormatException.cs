using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.FastText;

/// <summary>
/// A file of the fastText family is bad: a training checkpoint (truncated, wrong magic or version, inconsistent), a
/// text-classifier model (missing or malformed metadata or tensors), or a labelled training/test file in fastText's
/// <c>__label__</c> format (a line without a label, a label the model does not know). The message names the file and,
/// where one applies, the line or byte; <see cref="FileFormatException.FilePath"/>, <see cref="FileFormatException.Line"/>
/// and <see cref="FileFormatException.ByteOffset"/> carry them. A malformed fastText <c>.bin</c> is reported as a
/// <see cref="Vectors.Formats.VectorFormatException"/>, as every other vector file.
/// </summary>
public sealed class FastTextFormatException : FileFormatException
{
    /// <summary>Creates the exception with a message that already names the file.</summary>
    /// <param name="filePath">The file, or null.</param>
    /// <param name="message">What is wrong, with the file named in it.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public FastTextFormatException(string? filePath, string message, Exception? innerException = null)
        : base(message, filePath, -1, -1, innerException)
    {
    }

    /// <summary>Creates the exception with a message that already names the file and the place in it.</summary>
    /// <param name="filePath">The file, or null.</param>
    /// <param name="line">1-based line of a text file, or −1.</param>
    /// <param name="byteOffset">Byte offset, or −1.</param>
    /// <param name="message">What is wrong, with the file and place named in it.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public FastTextFormatException(string? filePath, long line, long byteOffset, string message, Exception? innerException = null)
        : base(message, filePath, line, byteOffset, innerException)
    {
    }
}
