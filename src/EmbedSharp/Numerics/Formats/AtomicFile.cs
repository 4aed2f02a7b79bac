using System.Globalization;

namespace EmbedSharp.Numerics.Formats;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new content, never a partial file:
/// the content goes to a temporary file in the same directory, is flushed to disk, then moved over the target.
/// If anything throws, the temporary file is deleted and any previous file at the target is left untouched.
/// A target that is a pipe or device (<c>/dev/stdout</c>, a FIFO) is written in place instead (nothing to replace);
/// a symbolic link's final target is replaced, and the link kept. Every writer of this library uses it; it is public so that code writing its own files beside them can too.
/// <para>A process killed mid-write cannot delete its temporary file. The temporary's name carries the writer's process
/// id (<c>.{name}.{pid}.{random}.tmp</c>), so a later write to the same target deletes the temporaries of that target
/// whose process no longer runs; a temporary of a live process (a concurrent write) is left alone.</para>
/// </summary>
public static class AtomicFile
{
    /// <summary>Suffix of the temporary file, which is named <c>.{name}.{pid}.{random}.tmp</c> beside the target.</summary>
    public const string TempSuffix = ".tmp";

    /// <summary>Creates or replaces <paramref name="path"/> with what <paramref name="write"/> writes to the stream.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var kind = FileKinds.Of(full);
        switch (kind)
        {
            case FileKind.Pipe or FileKind.Device or FileKind.Socket:
                WriteInPlace(path, write);
                return;
            case FileKind.Directory:
                throw new IOException($"'{path}' is a directory; give a file name to write.");
        }

        if (kind != FileKind.Missing && File.ResolveLinkTarget(full, returnFinalTarget: true) is { } target)
        {
            full = target.FullName; // replace the file a symbolic link points to, not the link
        }

        var directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no directory.", nameof(path));
        var prefix = "." + Path.GetFileName(full) + ".";
        RemoveStaleTemporaries(directory, prefix);
        var temp = Path.Combine(directory, prefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "." + Path.GetRandomFileName() + TempSuffix);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                try
                {
                    write(stream);
                    stream.Flush(flushToDisk: true);
                }
                catch (ArgumentOutOfRangeException e) when (e.ParamName == "value" && e.Source == "System.Private.CoreLib")
                {
                    // EFBIG: .NET reports a file the file system will not let grow as an argument error.
                    throw new IOException(string.Create(CultureInfo.InvariantCulture,
                        $"'{full}': the file system refused to let the file grow past {stream.Position:N0} bytes (its largest file size, a quota or ulimit -f); write it elsewhere."), e);
                }
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>A pipe or a device (<c>--out /dev/stdout</c>, a FIFO) cannot be replaced, and must not be: renaming a
    /// file over <c>/dev/stdout</c> would destroy it. The content is streamed into it instead, so a writer that needs to
    /// seek is refused with a message naming the target.</summary>
    private static void WriteInPlace(string path, Action<Stream> write)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1 << 16);
        try
        {
            write(stream);
            stream.Flush();
        }
        catch (NotSupportedException e)
        {
            throw new IOException($"'{path}' is a pipe or device, and this format can only be written to a regular file (its writer seeks): write to a file.", e);
        }
    }

    /// <summary>Deletes <c>{prefix}{pid}.{random}.tmp</c> files in <paramref name="directory"/> whose process has ended.</summary>
    private static void RemoveStaleTemporaries(string directory, string prefix)
    {
        string[] candidates;
        try
        {
            candidates = Directory.GetFiles(directory, prefix + "*" + TempSuffix);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // the write itself reports a directory it cannot use
        }

        foreach (var path in candidates)
        {
            var middle = Path.GetFileName(path.AsSpan())[prefix.Length..^TempSuffix.Length]; // "{pid}.{random}"
            var dot = middle.IndexOf('.');
            if (dot > 0 && int.TryParse(middle[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !IsRunning(pid))
            {
                TryDelete(path);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
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
