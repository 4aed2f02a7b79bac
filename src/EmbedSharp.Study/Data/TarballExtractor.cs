using System.Formats.Tar;
using System.IO.Compression;

namespace EmbedSharp.Study.Data;

/// <summary>
/// Extracts a gzip-compressed tar (an npm tarball) into a folder the way npm does: the first path component of every
/// entry (<c>package/</c>) is stripped. Only directories and regular files are written; an entry whose name is
/// absolute, contains <c>..</c>, or would otherwise land outside the folder, and any link or device entry, is refused
/// with a <see cref="DatasetFormatException"/>. The caller extracts into a fresh temporary folder and discards it on error.
/// </summary>
internal static class TarballExtractor
{
    /// <summary>One file written: its path relative to the target folder (with <c>/</c>) and its length in bytes.</summary>
    internal readonly record struct ExtractedFile(string RelativePath, long Length);

    /// <summary>Extracts <paramref name="tarballPath"/> into the existing folder <paramref name="targetDirectory"/>.</summary>
    /// <param name="tarballPath">The .tgz file.</param>
    /// <param name="targetDirectory">An existing, empty folder.</param>
    /// <param name="reservedName">A top-level file name the archive may not use (the cache marker).</param>
    /// <param name="cancellationToken">Checked between entries.</param>
    /// <returns>The files written, in archive order.</returns>
    public static List<ExtractedFile> Extract(string tarballPath, string targetDirectory, string reservedName, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(targetDirectory);
        var rootWithSeparator = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        var files = new List<ExtractedFile>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var file = new FileStream(tarballPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var reader = new TarReader(gzip);
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (entry.EntryType)
                {
                    case TarEntryType.GlobalExtendedAttributes:
                    case TarEntryType.ExtendedAttributes:
                        continue; // metadata records, not files
                    case TarEntryType.Directory:
                    case TarEntryType.RegularFile:
                    case TarEntryType.V7RegularFile:
                    case TarEntryType.ContiguousFile:
                        break;
                    default:
                        throw new DatasetFormatException($"The tarball has a {entry.EntryType} entry; only files and directories are extracted", entry.Name);
                }

                var relative = StripAndCheck(entry.Name);
                if (relative is null)
                {
                    continue; // the top-level folder itself
                }

                if (string.Equals(relative, reservedName, StringComparison.OrdinalIgnoreCase))
                {
                    throw new DatasetFormatException($"The tarball has an entry named like the cache marker '{reservedName}'", entry.Name);
                }

                var full = Path.GetFullPath(Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar)));
                if (!full.StartsWith(rootWithSeparator, StringComparison.Ordinal))
                {
                    throw new DatasetFormatException("The tarball has an entry that would be written outside the target folder", entry.Name);
                }

                if (entry.EntryType == TarEntryType.Directory)
                {
                    Directory.CreateDirectory(full);
                    continue;
                }

                if (!seen.Add(relative))
                {
                    throw new DatasetFormatException("The tarball has two entries for the same file", entry.Name);
                }

                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                long length = 0;
                using (var output = new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                {
                    if (entry.DataStream is { } data)
                    {
                        data.CopyTo(output);
                    }

                    length = output.Length;
                }

                files.Add(new ExtractedFile(relative, length));
            }
        }
        catch (InvalidDataException e)
        {
            throw new DatasetFormatException("The tarball is damaged (gzip or tar data is invalid or truncated)", tarballPath, e);
        }
        catch (EndOfStreamException e)
        {
            throw new DatasetFormatException("The tarball is truncated", tarballPath, e);
        }
        catch (FormatException e)
        {
            throw new DatasetFormatException("The tarball has a malformed tar header", tarballPath, e);
        }

        return files;
    }

    /// <summary>
    /// Checks an entry name and strips its first component. Returns null for the top-level folder itself.
    /// Backslashes count as separators so a name cannot smuggle a Windows path.
    /// </summary>
    internal static string? StripAndCheck(string name)
    {
        if (name.Length == 0 || name.Any(char.IsControl))
        {
            throw new DatasetFormatException("The tarball has an entry with an empty name or a control character in it", name);
        }

        var normalised = name.Replace('\\', '/');
        if (normalised.StartsWith('/') || (normalised.Length >= 2 && normalised[1] == ':'))
        {
            throw new DatasetFormatException("The tarball has an entry with an absolute path", name);
        }

        var parts = normalised.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var kept = new List<string>(parts.Length);
        foreach (var part in parts)
        {
            if (part == "..")
            {
                throw new DatasetFormatException("The tarball has an entry whose path climbs out with '..'", name);
            }

            if (part == ".")
            {
                continue;
            }

            if (OperatingSystem.IsWindows() && part.Contains(':', StringComparison.Ordinal))
            {
                throw new DatasetFormatException("The tarball has an entry with ':' in its path", name);
            }

            kept.Add(part);
        }

        return kept.Count <= 1 ? null : string.Join('/', kept.Skip(1));
    }
}
