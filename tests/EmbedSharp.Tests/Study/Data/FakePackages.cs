using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using EmbedSharp.Study.Data;

namespace EmbedSharp.Tests.Study.Data;

/// <summary>Builds small npm-style tarballs in memory and serves them through <see cref="IPackageSource"/>.</summary>
internal static class FakePackages
{
    /// <summary>A regular file or directory entry (content null = directory).</summary>
    public static (string Name, string? Content) File(string name, string content) => (name, content);

    public static byte[] Tgz(params (string Name, string? Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                if (content is null)
                {
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name));
                    continue;
                }

                var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                };
                tar.WriteEntry(entry);
            }
        }

        return buffer.ToArray();
    }

    public static byte[] TgzWithLink(string name, string target)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "package/ok.txt") { DataStream = new MemoryStream([1, 2, 3]) });
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target });
        }

        return buffer.ToArray();
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static PackageSpec Spec(byte[] tarball, string name = "@test/fake-data", string version = "1.0.0") => new(name, version, Sha256(tarball));
}

/// <summary>Serves tarballs from a queue (the last one repeats) and counts calls.</summary>
internal sealed class FakeSource(params byte[][] tarballs) : IPackageSource
{
    private int _next;

    public int Calls { get; private set; }

    public string Pack(PackageSpec package, string destinationDirectory, CancellationToken cancellationToken)
    {
        Calls++;
        Assert.Empty(Directory.GetFileSystemEntries(destinationDirectory));
        var bytes = tarballs[Math.Min(_next++, tarballs.Length - 1)];
        var path = Path.Combine(destinationDirectory, package.DirectoryName + ".tgz");
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }
}

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "embedsharp-datasets-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Collects progress lines synchronously (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class ProgressLog : IProgress<string>
{
    public List<string> Lines { get; } = [];

    public Action<string>? OnReport { get; set; }

    public void Report(string value)
    {
        Lines.Add(value);
        OnReport?.Invoke(value);
    }
}
