using System.IO.Compression;

namespace EmbedSharp.Vectors.Formats;

/// <summary>Opens a word-vector file for reading: a plain file, or a gzip stream when the file starts with the
/// gzip magic bytes 1f 8b (whatever its name), decompressed on the fly by <see cref="GZipStream"/>.</summary>
internal static class VectorFileInput
{
    /// <summary>The two bytes every gzip member starts with (RFC 1952, section 2.3.1).</summary>
    private static ReadOnlySpan<byte> GzipMagic => [0x1f, 0x8b];

    public static Stream Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            var read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Position = 0;
            return read == 2 && magic.SequenceEqual(GzipMagic) ? new GZipStream(file, CompressionMode.Decompress) : file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}
