using System.IO.Compression;

namespace EmbedSharp.Numerics.Formats;

/// <summary>
/// Decompresses a gzip input for a reader (<see cref="GZipStream"/> does the inflating) and turns damaged compressed
/// data into the reader's bad-input exception naming the file, where <see cref="GZipStream"/> throws an
/// <see cref="InvalidDataException"/> that names nothing ("The archive entry was compressed using an unsupported
/// compression method.").
/// </summary>
internal static class GzipInput
{
    /// <summary>A decompressing stream over <paramref name="compressed"/>; a read that meets damaged data throws what
    /// <paramref name="damaged"/> makes of a message (the decompressed bytes read until then are given as the offset,
    /// −1 if unknown, since the compressed position is not exact).</summary>
    public static Stream Open(Stream compressed, string? path, Func<string, Exception> damaged, bool leaveOpen = false) =>
        new CheckedStream(new GZipStream(compressed, CompressionMode.Decompress, leaveOpen), path, damaged);

    /// <summary>The message for damaged data after <paramref name="decompressed"/> good bytes.</summary>
    private static string Describe(string? path, long decompressed, InvalidDataException e) =>
        FormattableString.Invariant($"The gzip data of {(path is null ? "the input" : $"'{path}'")} is damaged after {decompressed:N0} decompressed bytes ({e.Message.TrimEnd('.')}): the file is not a complete, intact .gz file.");

    private sealed class CheckedStream(GZipStream inner, string? path, Func<string, Exception> damaged) : ForwardReadStream
    {
        private long _decompressed;

        public override int Read(Span<byte> buffer)
        {
            try
            {
                var n = inner.Read(buffer);
                _decompressed += n;
                return n;
            }
            catch (InvalidDataException e)
            {
                throw damaged(Describe(path, _decompressed, e));
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
