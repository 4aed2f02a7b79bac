namespace EmbedSharp.Numerics.Formats;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new content, never a partial file:
/// the content goes to a temporary file in the same directory, is flushed to disk, then moved over the target.
/// If anything throws, the temporary file is deleted and any previous file at the target is left untouched.
/// Every writer of this library uses it; it is public so that code writing its own files beside them can too.
/// </summary>
public static class AtomicFile
{
    /// <summary>Suffix of the temporary file, which is named <c>.{name}.{random}.tmp</c> beside the target.</summary>
    public const string TempSuffix = ".tmp";

    /// <summary>Creates or replaces <paramref name="path"/> with what <paramref name="write"/> writes to the stream.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no directory.", nameof(path));
        var temp = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Path.GetRandomFileName() + TempSuffix);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (IOException)
        {
            // The original exception matters more than a leftover temporary file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
