using Microsoft.Win32.SafeHandles;

namespace EmbedSharp.FastText;

/// <summary>
/// A read-only, seekable view of the first <c>length</c> bytes of an opened corpus file, with its own position: every
/// training worker reads the one handle the corpus was opened with (positional reads, no shared file pointer), so the
/// file is opened once, and a file that grows while training is read as it was when opened. Disposing the view leaves
/// the handle open.
/// </summary>
internal sealed class CorpusView(SafeFileHandle handle, long length) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var left = length - _position;
        if (left <= 0 || buffer.IsEmpty)
        {
            return 0;
        }

        var n = RandomAccess.Read(handle, buffer[..(int)Math.Min(buffer.Length, left)], _position);
        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var to = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };
        ArgumentOutOfRangeException.ThrowIfNegative(to, nameof(offset));
        _position = to;
        return to;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
