using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.FastText;

/// <summary>
/// A buffered forward-only reader over a fastText model stream that tracks the byte offset, so every error names the file
/// and the offset, and turns a premature end into a <see cref="TensorFormatException"/>.
/// </summary>
internal sealed class FastTextBinInput
{
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[1 << 16];
    private readonly long? _length; // bytes from the start position to the end, when the stream can tell
    private int _position;
    private int _count;
    private long _bufferStart; // offset of _buffer[0]

    public FastTextBinInput(Stream stream, string? path)
    {
        _stream = stream;
        Path = path;
        _length = stream.CanSeek ? stream.Length - stream.Position : null;
    }

    /// <summary>The file being read, if known.</summary>
    public string? Path { get; }

    /// <summary>Bytes consumed so far.</summary>
    public long Offset => _bufferStart + _position;

    /// <summary>Bytes left, or null for a stream that cannot tell (gzip).</summary>
    public long? Remaining => _length - Offset;

    public TensorFormatException Error(string message, long offset) => new(message, Path, offset);

    public TensorFormatException Error(string message) => new(message, Path, Offset);

    /// <summary>Refuses a section of <paramref name="bytes"/> bytes that the stream (when it can tell) cannot hold.</summary>
    public void Require(long bytes, string what, long at)
    {
        if (Remaining is { } left && (bytes < 0 || bytes > left))
        {
            throw Error(string.Create(CultureInfo.InvariantCulture,
                $"The file is too short: {what} needs {bytes} bytes but only {left} remain."), at);
        }
    }

    public byte ReadByte(string what)
    {
        if (_position == _count && !Fill())
        {
            throw Truncated(what, 1, 0);
        }

        return _buffer[_position++];
    }

    public int ReadInt32(string what)
    {
        Span<byte> b = stackalloc byte[4];
        ReadExactly(b, what);
        return BinaryPrimitives.ReadInt32LittleEndian(b);
    }

    public long ReadInt64(string what)
    {
        Span<byte> b = stackalloc byte[8];
        ReadExactly(b, what);
        return BinaryPrimitives.ReadInt64LittleEndian(b);
    }

    public double ReadDouble(string what)
    {
        Span<byte> b = stackalloc byte[8];
        ReadExactly(b, what);
        return BinaryPrimitives.ReadDoubleLittleEndian(b);
    }

    public void ReadExactly(Span<byte> destination, string what)
    {
        var done = 0;
        while (done < destination.Length)
        {
            if (_position == _count)
            {
                if (destination.Length - done >= _buffer.Length)
                {
                    // Large reads bypass the (empty) buffer.
                    _bufferStart += _count;
                    _position = _count = 0;
                    var n = _stream.ReadAtLeast(destination[done..], destination.Length - done, throwOnEndOfStream: false);
                    _bufferStart += n;
                    done += n;
                    if (done < destination.Length)
                    {
                        throw Truncated(what, destination.Length, done);
                    }

                    return;
                }

                if (!Fill())
                {
                    throw Truncated(what, destination.Length, done);
                }
            }

            var take = Math.Min(_count - _position, destination.Length - done);
            _buffer.AsSpan(_position, take).CopyTo(destination[done..]);
            _position += take;
            done += take;
        }
    }

    /// <summary>Reads float32 values (little-endian) into <paramref name="destination"/>.</summary>
    public void ReadFloats(Span<float> destination, string what)
    {
        ReadExactly(MemoryMarshal.AsBytes(destination), what);
        if (!BitConverter.IsLittleEndian)
        {
            var ints = MemoryMarshal.Cast<float, int>(destination);
            BinaryPrimitives.ReverseEndianness(ints, ints);
        }
    }

    /// <summary>Reads bytes up to a NUL (consumed, not stored) into <paramref name="word"/>, growing it as needed up to
    /// <paramref name="maxBytes"/>: a longer run without NUL is refused (a file that is not a model, or a damaged one).</summary>
    /// <returns>The number of bytes before the NUL.</returns>
    public int ReadNulTerminated(ref byte[] word, string what, int maxBytes)
    {
        var start = Offset;
        var length = 0;
        while (true)
        {
            if (_position == _count && !Fill())
            {
                throw Error(string.Create(CultureInfo.InvariantCulture,
                    $"The file ends inside {what}: {length} bytes read from offset {start} and no NUL terminator."));
            }

            var available = _buffer.AsSpan(_position, _count - _position);
            var nul = available.IndexOf((byte)0);
            var take = nul < 0 ? available.Length : nul;
            if (length + take > maxBytes)
            {
                throw Error(string.Create(CultureInfo.InvariantCulture,
                    $"{what} (from offset {start}) goes on for more than {maxBytes:N0} bytes without its NUL terminator, more than one word may take."), start);
            }

            if (length + take > word.Length)
            {
                Array.Resize(ref word, Math.Max(word.Length * 2, length + take));
            }

            available[..take].CopyTo(word.AsSpan(length));
            length += take;
            _position += take;
            if (nul >= 0)
            {
                _position++;
                return length;
            }
        }
    }

    /// <summary>True when no byte is left (for a stream that cannot tell, tries to read one).</summary>
    public bool AtEnd() => _position == _count && !Fill();

    private bool Fill()
    {
        _bufferStart += _count;
        _position = 0;
        _count = _stream.Read(_buffer, 0, _buffer.Length);
        return _count > 0;
    }

    private TensorFormatException Truncated(string what, int needed, int got) =>
        Error(string.Create(CultureInfo.InvariantCulture, $"The file ends early: {what} needs {needed} bytes but only {got} remain."), Offset);
}
