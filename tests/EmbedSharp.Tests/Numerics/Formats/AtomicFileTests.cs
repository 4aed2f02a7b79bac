using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Numerics.Formats.Npy;
using EmbedSharp.Numerics.Formats.Safetensors;
using static EmbedSharp.Tests.Numerics.Formats.FormatFixtures;

namespace EmbedSharp.Tests.Numerics.Formats;

public sealed class AtomicFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("atomic-test-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Target => Path.Combine(_dir.FullName, "weights.npy");

    [Fact]
    public void Failing_write_midway_leaves_the_old_file_intact_and_no_temp_file()
    {
        NpyFile.Write(Target, Sample(2, 3));
        var old = File.ReadAllBytes(Target);
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(Target, stream =>
        {
            NpyFile.Write(stream, Sample(50, 7)); // a full, different array reaches the temporary file …
            throw new IOException("disk full"); // … and then the write fails
        }));
        Assert.Equal("disk full", e.Message);
        Assert.Equal(old, File.ReadAllBytes(Target));
        Assert.Equal(new[] { Target }, Directory.GetFiles(_dir.FullName));
    }

    [Fact]
    public void Failing_first_write_leaves_no_file_at_all()
    {
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(Target, stream =>
        {
            stream.WriteByte(1);
            throw new InvalidOperationException("boom");
        }));
        Assert.Empty(Directory.GetFiles(_dir.FullName));
    }

    [Fact]
    public void A_write_removes_the_temporaries_a_killed_writer_left_for_the_same_target_only()
    {
        var dir = _dir.FullName;
        var deadWriter = Path.Combine(dir, ".weights.npy.999999999.abcd1234.tmp"); // no process has this id
        var liveWriter = Path.Combine(dir, $".weights.npy.{Environment.ProcessId}.efgh5678.tmp"); // a concurrent write
        var otherTarget = Path.Combine(dir, ".other.npy.999999999.abcd1234.tmp");
        var notOurs = Path.Combine(dir, ".weights.npy.notapid.tmp");
        foreach (var p in new[] { deadWriter, liveWriter, otherTarget, notOurs })
        {
            File.WriteAllText(p, "partial");
        }

        NpyFile.Write(Target, Sample(2, 3));
        Assert.False(File.Exists(deadWriter));
        Assert.True(File.Exists(liveWriter));
        Assert.True(File.Exists(otherTarget));
        Assert.True(File.Exists(notOurs));
        AssertBitEqual(Sample(2, 3), NpyFile.ReadTensor(Target));
    }

    [Fact]
    public void Successful_write_replaces_the_old_file()
    {
        NpyFile.Write(Target, Sample(2, 3));
        var t = Sample(4);
        NpyFile.Write(Target, t);
        AssertBitEqual(t, NpyFile.ReadTensor(Target));
        Assert.Equal(new[] { Target }, Directory.GetFiles(_dir.FullName));
    }

    [Fact]
    public void Refused_safetensors_write_leaves_the_old_file_intact()
    {
        var path = Path.Combine(_dir.FullName, "m.safetensors");
        SafetensorsFile.Write(path, new Dictionary<string, FloatTensor> { ["w"] = Sample(3) });
        var old = File.ReadAllBytes(path);
        Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(path, new Dictionary<string, FloatTensor> { ["__metadata__"] = Sample(3) }));
        Assert.Equal(old, File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(_dir.FullName));
    }

    [Fact]
    public void Missing_directory_throws_and_creates_nothing()
    {
        var path = Path.Combine(_dir.FullName, "missing", "t.npy");
        Assert.Throws<DirectoryNotFoundException>(() => NpyFile.Write(path, Sample(2)));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.FullName));
    }

    [Fact]
    public void A_device_is_written_in_place_never_replaced()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        AtomicFile.Write("/dev/null", stream => stream.Write([1, 2, 3]));
        Assert.Equal(FileKind.Device, FileKinds.Of("/dev/null"));
    }

    [Fact]
    public async Task A_fifo_receives_the_content_as_a_stream()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fifo = Path.Combine(_dir.FullName, "out.fifo");
        using (var mk = System.Diagnostics.Process.Start("mkfifo", fifo))
        {
            await mk.WaitForExitAsync();
        }

        var reader = Task.Run(() => File.ReadAllBytes(fifo));
        AtomicFile.Write(fifo, stream => stream.Write([7, 8, 9]));
        Assert.Equal(new byte[] { 7, 8, 9 }, await reader.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(FileKind.Pipe, FileKinds.Of(fifo));

        reader = Task.Run(() => File.ReadAllBytes(fifo));
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(fifo, stream => stream.Seek(0, SeekOrigin.Begin)));
        Assert.Contains("is a pipe or device, and this format can only be written to a regular file", e.Message, StringComparison.Ordinal);
        await reader.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void A_symbolic_link_is_kept_and_its_target_replaced()
    {
        var real = Path.Combine(_dir.FullName, "real.bin");
        var link = Path.Combine(_dir.FullName, "link.bin");
        File.WriteAllBytes(real, [1]);
        File.CreateSymbolicLink(link, real);
        AtomicFile.Write(link, stream => stream.Write([2, 2]));
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal(new byte[] { 2, 2 }, File.ReadAllBytes(real));
        Assert.Equal(2, Directory.GetFiles(_dir.FullName).Length);
    }
}
