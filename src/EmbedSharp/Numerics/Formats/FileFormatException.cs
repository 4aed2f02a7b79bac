using System.Globalization;
using System.Text;

namespace EmbedSharp.Numerics.Formats;

/// <summary>
/// The one base of every "this file or input is bad" error the library throws: a malformed, truncated, inconsistent or
/// unsupported tensor file (.npy, safetensors), word-vector file, tokenizer model or vocabulary, fastText model,
/// training checkpoint or classifier model. It carries where the problem is: the file path (when known), the 1-based
/// line of a text file and the byte offset (each −1 / null when it does not apply), and the message ends with them:
/// <c>"… ('path', line L, byte offset N)"</c>. Catch this type to tell bad input apart from a bug; the
/// <c>embedsharp</c> tool prints its message on one line and exits with code 1.
/// </summary>
public abstract class FileFormatException : Exception
{
    /// <summary>Creates an exception with a plain message and no location.</summary>
    protected FileFormatException(string message, Exception? innerException = null)
        : base(OneLine(message), innerException)
    {
    }

    /// <summary>Creates an exception whose message ends with the file path (or <paramref name="unnamedSource"/>
    /// when there is none) and the byte offset (left out when negative).</summary>
    protected FileFormatException(string message, string? filePath, long byteOffset, string unnamedSource, Exception? innerException)
        : this(message, filePath, -1, byteOffset, unnamedSource, innerException)
    {
    }

    /// <summary>Creates an exception whose message ends with the file path (or <paramref name="unnamedSource"/>
    /// when there is none), the 1-based line and the byte offset (each left out when negative).</summary>
    protected FileFormatException(string message, string? filePath, long line, long byteOffset, string unnamedSource, Exception? innerException)
        : base(Describe(message, filePath, line, byteOffset, unnamedSource), innerException)
    {
        FilePath = filePath;
        Line = line;
        ByteOffset = byteOffset;
    }

    /// <summary>Creates an exception with a message the caller already formatted with its location, and that location.</summary>
    /// <param name="formattedMessage">The whole message, location included.</param>
    /// <param name="filePath">The file, or null.</param>
    /// <param name="line">1-based line, or −1.</param>
    /// <param name="byteOffset">Byte offset, or −1.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    protected FileFormatException(string formattedMessage, string? filePath, long line, long byteOffset, Exception? innerException)
        : base(OneLine(formattedMessage), innerException)
    {
        FilePath = filePath;
        Line = line;
        ByteOffset = byteOffset;
    }

    /// <summary>The file being read, or null when the bytes came without a name.</summary>
    public string? FilePath { get; }

    /// <summary>1-based line of a text file where the problem was found, or −1 when the input is not read by lines.</summary>
    public long Line { get; } = -1;

    /// <summary>Byte offset from the start of the file where the problem was found, or −1 if not tied to one place.</summary>
    public long ByteOffset { get; } = -1;

    /// <summary>Messages quote bytes from the bad input (a token, a word, a header), which may hold line breaks or other
    /// control characters; they are written as escapes (<c>\r</c>, <c>\n</c>, <c>\t</c>, <c>\x1B</c>) so that a
    /// message is always one line.</summary>
    private static string OneLine(string message)
    {
        if (!message.AsSpan().ContainsAnyInRange('\0', '\x1F') && !message.Contains('\x7F', StringComparison.Ordinal))
        {
            return message;
        }

        var sb = new StringBuilder(message.Length + 8);
        foreach (var c in message)
        {
            _ = c switch
            {
                '\r' => sb.Append("\\r"),
                '\n' => sb.Append("\\n"),
                '\t' => sb.Append("\\t"),
                < ' ' or '\x7F' => sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}"),
                _ => sb.Append(c),
            };
        }

        return sb.ToString();
    }

    private static string Describe(string message, string? filePath, long line, long byteOffset, string unnamedSource)
    {
        var sb = new StringBuilder(OneLine(message));
        sb.Append(" (").Append(filePath is null ? unnamedSource : $"'{filePath}'");
        if (line >= 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $", line {line}");
        }

        if (byteOffset >= 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $", byte offset {byteOffset}");
        }

        return sb.Append(')').ToString();
    }
}
