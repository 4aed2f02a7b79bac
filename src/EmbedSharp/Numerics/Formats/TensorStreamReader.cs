using System.Globalization;

namespace EmbedSharp.Numerics.Formats;

/// <summary>
/// A forward-only reader over a tensor file that counts the bytes it has consumed, so every error can name the
/// file and the byte offset, and that turns a premature end of stream into a <see cref="TensorFormatException"/>.
/// </summary>
internal sealed class TensorStreamReader
{
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
    public TensorFormatException Error(string message) => new(message, Path, Offset);

    /// <summary>A format error located at <paramref name="offset"/>.</summary>
    public TensorFormatException Error(string message, long offset) => new(message, Path, offset);

}
