using System.IO.Compression;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Vectors.Formats;

/// <summary>
/// Opens a word-vector file for reading, once (through <see cref="InputFile.Open"/>, so a pipe or FIFO is streamed and a
/// device that never ends is refused): a plain file, or a gzip stream when the data starts with the gzip magic bytes
/// 1f 8b (whatever its name), decompressed on the fly by <see cref="GZipStream"/>. The first bytes are kept
/// (<see cref="Head"/>) so the format can be told from them without opening the file again: a FIFO's second open
/// would wait for ever for a writer that has gone.
/// </summary>
internal sealed class VectorFileInput : IDisposable
{
    /// <summary>Bytes kept at the start for format detection.</summary>
    public const int ProbeBytes = 8192;

    /// <summary>What needs a seekable file, for the message that refuses a pipe.</summary>
    public const string SeekableReason = "this word-vector format is mapped or read with seeks";

    private readonly FileStream _file;
    private Stream? _content;

    private VectorFileInput(string path, FileStream file, byte[] rawHead)
    {
        Path = path;
        _file = file;
        RawHead = rawHead;
    }

    /// <summary>The path, for messages.</summary>
    public string Path { get; }

    /// <summary>The first bytes of the file as stored (at most <see cref="ProbeBytes"/>).</summary>
    public byte[] RawHead { get; }

    /// <summary>Whether the data is gzip-compressed.</summary>
    public bool IsGzip => RawHead.Length >= 2 && RawHead[0] == 0x1f && RawHead[1] == 0x8b;

    /// <summary>Whether the file is a regular file (false for a pipe or FIFO, which can be read only once).</summary>
    public bool IsSeekable => _file.CanSeek;

    /// <summary>The length of a regular file, or −1 for a pipe.</summary>
    public long Length => _file.CanSeek ? _file.Length : -1;

    /// <summary>The first bytes of the (decompressed) content, at most <see cref="ProbeBytes"/>; reading them for a
    /// gzip file decompresses that much once and keeps it for <see cref="Content"/>.</summary>
    public byte[] Head => IsGzip ? ContentHead() : RawHead;

    private byte[]? _contentHead;

    /// <summary>Opens <paramref name="path"/> and reads its first bytes.</summary>
    public static VectorFileInput Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = InputFile.Open(path, seekableFor: null, bufferSize: 1, FileOptions.SequentialScan);
        try
        {
            var head = new byte[ProbeBytes];
            var n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            return new VectorFileInput(path, file, head[..n]);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Opens <paramref name="path"/> and returns its (decompressed) content from the start, owning the file.</summary>
    public static Stream OpenContent(string path)
    {
        var input = Open(path);
        try
        {
            return new OwningStream(input.Content(), input);
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }

    /// <summary>Refuses a pipe for a reader that must seek or map, with the message naming the file.</summary>
    public void RequireSeekable(string? reason = null)
    {
        if (!IsSeekable)
        {
            throw new IOException($"'{Path}' is a pipe or FIFO, not a regular file, and {reason ?? SeekableReason}: save the data to a file first.");
        }
    }

    /// <summary>The (decompressed) content from its first byte; call once.</summary>
    public Stream Content()
    {
        if (_content is not null)
        {
            throw new InvalidOperationException("The content of a vector file is read once.");
        }

        if (IsGzip && _contentHead is not null)
        {
            // The head was decompressed for detection: go on from the same decompressor after it.
            _content = new PrefixedStream(_contentHead, _gzip!);
            return _content;
        }

        var raw = RawStream();
        _content = IsGzip ? GzipInput.Open(raw, Path, Damaged) : raw;
        return _content;
    }

    public void Dispose()
    {
        _content?.Dispose();
        _gzip?.Dispose();
        _file.Dispose();
    }

    private Stream? _gzip;

    private static VectorFormatException Damaged(string message) => new(message);

    private byte[] ContentHead()
    {
        if (_contentHead is null)
        {
            _gzip = GzipInput.Open(RawStream(), Path, Damaged);
            var head = new byte[ProbeBytes];
            var n = _gzip.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            _contentHead = head[..n];
        }

        return _contentHead;
    }

    /// <summary>The raw bytes from the start: the file rewound, or for a pipe the kept head followed by the rest.</summary>
    private Stream RawStream()
    {
        if (_file.CanSeek)
        {
            _file.Position = 0;
            return new OwningStream(_file, null, disposeInner: false);
        }

        return new PrefixedStream(RawHead, new OwningStream(_file, null, disposeInner: false));
    }

    /// <summary>A stream that also disposes an owner (the input) when disposed, and may leave the inner stream open.</summary>
    private sealed class OwningStream(Stream inner, IDisposable? owner, bool disposeInner = true) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                if (disposeInner)
                {
                    inner.Dispose();
                }

                owner?.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>Bytes already read, then the rest of a forward-only stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream rest) : ForwardReadStream
    {
        private int _used;

        public override int Read(Span<byte> buffer)
        {
            if (_used < prefix.Length)
            {
                var n = Math.Min(buffer.Length, prefix.Length - _used);
                prefix.AsSpan(_used, n).CopyTo(buffer);
                _used += n;
                return n;
            }

            return rest.Read(buffer);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                rest.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
