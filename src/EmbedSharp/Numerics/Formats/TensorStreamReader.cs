namespace EmbedSharp.Numerics.Formats;

/// <summary>
/// A forward-only reader over a tensor file that counts the bytes it has consumed, so every error can name the
/// file and the byte offset, and that turns a premature end of stream into a <see cref="TensorFormatException"/>.
/// </summary>
internal sealed class TensorStreamReader
{
    private readonly Stream _stream;
    private readonly long _startPosition;

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
        var read = _stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length)
        {
            throw Error($"The file ends early: {what} needs {buffer.Length} bytes but only {read} remain.", Offset + read);
        }

        Offset += read;
    }

    /// <summary>True if the stream has no byte left; consumes one byte otherwise (only used to refuse trailing data).</summary>
    public bool AtEnd()
    {
        if (Remaining is { } remaining)
        {
            return remaining == 0;
        }

        return _stream.ReadByte() < 0;
    }

    /// <summary>A format error located at the current offset.</summary>
    public TensorFormatException Error(string message) => new(message, Path, Offset);

    /// <summary>A format error located at <paramref name="offset"/>.</summary>
    public TensorFormatException Error(string message, long offset) => new(message, Path, offset);
}
