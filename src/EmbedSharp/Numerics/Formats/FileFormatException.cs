using System.Buffers;
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

    /// <summary>The C0 and C1 control characters, DEL, and the Unicode line and paragraph separators.</summary>
    private static readonly SearchValues<char> LineBreaking = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F"
        + "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F"
        + "\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008A\u008B\u008C\u008D\u008E\u008F"
        + "\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009A\u009B\u009C\u009D\u009E\u009F"
        + "\u2028\u2029");

    /// <summary>Messages quote text from the bad input (a token, a word, a header, a name), which may hold line breaks
    /// or other control characters; they are written as <c>\n</c>, <c>\r</c>, <c>\t</c> or <c>\uXXXX</c> so that a
    /// message is always one line. Every constructor applies it; messages without such characters are returned as they
    /// are.</summary>
    internal static string OneLine(string message)
    {
        if (!message.AsSpan().ContainsAny(LineBreaking))
        {
            return message;
        }

        var sb = new StringBuilder(message.Length + 16);
        foreach (var c in message)
        {
            _ = c switch
            {
                '\n' => sb.Append("\\n"),
                '\r' => sb.Append("\\r"),
                '\t' => sb.Append("\\t"),
                _ when LineBreaking.Contains(c) => sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
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
