using System.Buffers;
using System.Globalization;
using System.Text;

namespace EmbedSharp.Numerics.Formats;

/// <summary>
/// A forward-only reader over a tensor file that counts the bytes it has consumed, so every error can name the
/// file and the byte offset, and that turns a premature end of stream into a <see cref="TensorFormatException"/>.
/// </summary>
internal sealed class TensorStreamReader
{
    /// <summary>The C0 and C1 control characters, and the Unicode line and paragraph separators.</summary>
    private static readonly SearchValues<char> LineBreaking = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F"
        + "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F"
        + "\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008A\u008B\u008C\u008D\u008E\u008F"
        + "\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009A\u009B\u009C\u009D\u009E\u009F"
        + "\u2028\u2029");

    private const int ReadAheadChunk = 1 << 20;

    private readonly Stream _stream;
    private readonly long _startPosition;

    /// <summary>Bytes read ahead by <see cref="EnsureAvailable"/> (pipes only), served before the stream.</summary>
    private Queue<byte[]>? _ahead;

    /// <summary>Total bytes ever queued in <see cref="_ahead"/>, and how many of them were consumed.</summary>
    private long _aheadBytes;
    private long _aheadPosition;

    /// <summary>Offset within the chunk at the head of <see cref="_ahead"/>.</summary>
    private int _headOffset;

    public TensorStreamReader(Stream stream, string? path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream is not readable.", nameof(stream));
        }

        _stream = stream;
        Path = path ?? (stream as FileStream)?.Name;
        _startPosition = stream.CanSeek ? stream.Position : 0;
    }

    /// <summary>The file being read, if known.</summary>
    public string? Path { get; }

    /// <summary>Bytes consumed since the reader was created (equals the file offset when reading a file from its start).</summary>
    public long Offset { get; private set; }

    /// <summary>Bytes left before the end of the stream, or null when the stream cannot tell (not seekable).</summary>
    public long? Remaining => _stream.CanSeek ? Math.Max(0, _stream.Length - (_startPosition + Offset)) : null;

    /// <summary>Fills <paramref name="buffer"/> or throws a format error naming <paramref name="what"/>.</summary>
    public void ReadExactly(Span<byte> buffer, string what)
    {
        var done = TakeAhead(buffer);
        if (done == buffer.Length)
        {
            return;
        }

        var read = _stream.ReadAtLeast(buffer[done..], buffer.Length - done, throwOnEndOfStream: false);
        if (done + read < buffer.Length)
        {
            throw Error($"The file ends early: {what} needs {buffer.Length} bytes but only {done + read} remain.", Offset + read);
        }

        Offset += read;
    }

    /// <summary>
    /// Makes sure <paramref name="byteCount"/> more bytes exist before the caller allocates for them. A seekable
    /// stream was already checked against its length (<see cref="Remaining"/>), so this does nothing; a pipe cannot
    /// tell its length, so the bytes are read ahead in chunks of at most 1 MB and kept for the following reads: a
    /// header that claims more data than the stream holds is refused having held only what the stream held, never
    /// the size it claimed.
    /// </summary>
    public void EnsureAvailable(long byteCount, string what)
    {
        if (_stream.CanSeek)
        {
            return;
        }

        _ahead ??= new Queue<byte[]>();
        while (_aheadBytes - _aheadPosition < byteCount)
        {
            var size = (int)Math.Min(ReadAheadChunk, byteCount - (_aheadBytes - _aheadPosition));
            var chunk = new byte[size];
            var read = _stream.ReadAtLeast(chunk, size, throwOnEndOfStream: false);
            if (read < size)
            {
                var have = _aheadBytes - _aheadPosition + read;
                throw Error(string.Create(CultureInfo.InvariantCulture,
                    $"The stream ends early: {what} needs {byteCount} bytes but only {have} follow."), Offset + have);
            }

            _ahead.Enqueue(chunk);
            _aheadBytes += size;
        }
    }

    /// <summary>True if the stream has no byte left; consumes one byte otherwise (only used to refuse trailing data).</summary>
    public bool AtEnd()
    {
        if (_aheadBytes > _aheadPosition)
        {
            return false;
        }

        if (Remaining is { } remaining)
        {
            return remaining == 0;
        }

        return _stream.ReadByte() < 0;
    }

    /// <summary>Copies read-ahead bytes into <paramref name="buffer"/>; returns how many.</summary>
    private int TakeAhead(Span<byte> buffer)
    {
        var done = 0;
        while (done < buffer.Length && _ahead is { Count: > 0 })
        {
            var head = _ahead.Peek();
            var n = Math.Min(buffer.Length - done, head.Length - _headOffset);
            head.AsSpan(_headOffset, n).CopyTo(buffer[done..]);
            done += n;
            _headOffset += n;
            if (_headOffset == head.Length)
            {
                _ahead.Dequeue();
                _headOffset = 0;
            }
        }

        _aheadPosition += done;
        Offset += done;
        return done;
    }

    /// <summary>A format error located at the current offset.</summary>
    public TensorFormatException Error(string message) => new(OneLine(message), Path, Offset);

    /// <summary>A format error located at <paramref name="offset"/>.</summary>
    public TensorFormatException Error(string message, long offset) => new(OneLine(message), Path, offset);

    /// <summary>A message quoting text from a corrupt file (a header, a name, a dtype) may carry line breaks and other
    /// control characters; they are written as <c>\n</c>, <c>\r</c>, <c>\t</c> or <c>\uXXXX</c> so that the message is one
    /// line. Messages without them (the usual case) are returned as they are.</summary>
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
}
