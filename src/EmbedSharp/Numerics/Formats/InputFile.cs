namespace EmbedSharp.Numerics.Formats;

/// <summary>
/// The one way the library opens an input file, so that every reader treats pipes, FIFOs and devices alike:
/// <list type="bullet">
/// <item>a regular file opens once, and a reader never reads past the length it had when opened (a file still being
/// appended to is read as it was; a device such as <c>/dev/zero</c> that reports length 0 yet yields bytes is
/// refused, as is a terminal, instead of being read for ever or waited on);</item>
/// <item>a pipe or FIFO (<c>mkfifo</c>, <c>&lt;(…)</c>) is opened once and streamed by readers that read their input
/// once from start to end, and refused at once, with a message naming it, by readers that must seek or read twice.</item>
/// </list>
/// Errors are <see cref="IOException"/>s whose message names the file.
/// </summary>
internal static class InputFile
{
    /// <summary>Opens <paramref name="path"/> for reading. With <paramref name="seekableFor"/> set (a short phrase
    /// saying what needs to seek, e.g. "a word-vector file is mapped or read twice"), a pipe, FIFO or device is
    /// refused; with null it is returned as a forward-only stream.</summary>
    public static FileStream Open(string path, string? seekableFor, int bufferSize = 1 << 16, FileOptions options = FileOptions.None)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var kind = FileKinds.Of(path);
        if (kind == FileKind.Device)
        {
            // Refused before opening: reading a terminal or /dev/zero would block or never end.
            throw new IOException($"'{path}' is a device, not a regular file: give a file.");
        }

        if (kind is FileKind.Pipe or FileKind.Socket && seekableFor is not null)
        {
            throw NotSeekable(path, seekableFor); // before opening, which would wait for a writer
        }

        if (kind == FileKind.Directory)
        {
            throw new IOException($"'{path}' is a directory, not a file.");
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize, options);
        try
        {
            if (!stream.CanSeek)
            {
                if (seekableFor is not null)
                {
                    throw NotSeekable(path, seekableFor);
                }

                return stream;
            }

            if (kind == FileKind.Unknown && stream.Length == 0 && IsDevice(stream))
            {
                throw new IOException($"'{path}' is a device, not a regular file: it reports no length yet never ends; give a file.");
            }

            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static IOException NotSeekable(string path, string seekableFor) =>
        new($"'{path}' is a pipe or FIFO, not a regular file, and {seekableFor}: save the data to a file first.");

    /// <summary>Reads a whole file of at most <paramref name="maxBytes"/> bytes; a larger file (or a pipe that goes on
    /// past that) is refused naming the limit and <paramref name="what"/> (e.g. "a SentencePiece model").</summary>
    public static byte[] ReadAllBytes(string path, long maxBytes, string what)
    {
        using var stream = Open(path, seekableFor: null, bufferSize: 1);
        if (stream.CanSeek)
        {
            var length = stream.Length;
            if (length > maxBytes || length > Array.MaxLength)
            {
                throw new IOException($"'{path}' holds {length:N0} bytes, more than {what} may take ({maxBytes:N0} bytes).");
            }

            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return bytes;
        }

        // A pipe: grow by doubling, but never past the bound (a MemoryStream would double past it, to twice the bound).
        var buffer = new byte[(int)Math.Min(1 << 16, maxBytes + 1)];
        var filled = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                if (filled > maxBytes || filled == Array.MaxLength)
                {
                    throw new IOException($"'{path}' goes on past {maxBytes:N0} bytes, more than {what} may take.");
                }

                Array.Resize(ref buffer, (int)Math.Min(Math.Min((long)buffer.Length * 2, maxBytes + 1), Array.MaxLength));
            }

            var read = stream.Read(buffer, filled, buffer.Length - filled);
            if (read == 0)
            {
                return buffer.AsSpan(0, filled).ToArray();
            }

            filled += read;
        }
    }

    /// <summary>Where the platform cannot say what the file is: a stream that reports length 0 yet yields a byte is a
    /// character device (/dev/zero, /dev/urandom). The probe reads one byte and seeks back; an empty file yields
    /// nothing.</summary>
    private static bool IsDevice(FileStream stream)
    {
        Span<byte> one = stackalloc byte[1];
        var read = stream.Read(one);
        stream.Position = 0;
        return read > 0;
    }
}
