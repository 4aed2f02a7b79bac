using System.Globalization;

namespace EmbedSharp.Numerics.Formats;

/// <summary>
/// Base of the exceptions for a malformed, truncated or unsupported binary file: carries the file path (when known)
/// and the byte offset where the problem was found (−1 when it is not tied to one place), and ends the message with
/// both: <c>"… ('path', byte offset N)"</c>.
/// </summary>
public abstract class FileFormatException : Exception
{
    /// <summary>Creates an exception with a plain message and no location.</summary>
    protected FileFormatException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception whose message ends with the file path (or <paramref name="unnamedSource"/>
    /// when there is none) and the byte offset (left out when negative).</summary>
    protected FileFormatException(string message, string? filePath, long byteOffset, string unnamedSource, Exception? innerException)
        : base(Describe(message, filePath, byteOffset, unnamedSource), innerException)
    {
        FilePath = filePath;
        ByteOffset = byteOffset;
    }

    /// <summary>The file being read, or null when the bytes came without a name.</summary>
    public string? FilePath { get; }

    /// <summary>Byte offset from the start of the file where the problem was found, or −1 if not tied to one place.</summary>
    public long ByteOffset { get; } = -1;

    private static string Describe(string message, string? filePath, long byteOffset, string unnamedSource)
    {
        var where = filePath is null ? unnamedSource : $"'{filePath}'";
        return byteOffset >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"{message} ({where}, byte offset {byteOffset})")
            : $"{message} ({where})";
    }
}
