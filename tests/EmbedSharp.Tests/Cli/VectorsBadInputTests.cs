using System.Diagnostics;
using System.Text;

namespace EmbedSharp.Tests.Cli;

/// <summary>Issue 14 through the CLI: bad vector input exits 1 with one line naming the file, and leaves nothing behind.</summary>
[Collection("Console")]
public sealed class VectorsBadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-vectors-bad-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string Write(string name, string text) => Write(name, Encoding.UTF8.GetBytes(text));

    /// <summary>Exit 1, and stderr is exactly one line naming <paramref name="file"/> and holding <paramref name="expected"/>.</summary>
    private static void AssertOneLineError((int Code, string Out, string Err) result, string file, string expected)
    {
        Assert.Equal(1, result.Code);
        var err = result.Err.TrimEnd('\n');
        Assert.DoesNotContain('\n', err);
        Assert.StartsWith("embedsharp: ", err, StringComparison.Ordinal);
        Assert.Contains(file, err, StringComparison.Ordinal);
        Assert.Contains(expected, err, StringComparison.Ordinal);
    }

    private void AssertOnlyFiles(params string[] names) =>
        Assert.Equal(names.Order(StringComparer.Ordinal), Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));

    [Fact]
    public void A_cut_file_is_refused_by_every_vectors_command()
    {
        var cut = Write("cut.vec", "3 4\nthe 0.1 0.2 0.3 0.4\nof 0.5 0.6 0.7 0.8\nand 0.9 1.0 1.1 1.");
        var vocab = Write("vocab.txt", "the\n");
        var outNpy = Path.Combine(_dir, "out.npy");
        AssertOneLineError(CliRunner.Invoke(null, "vectors", "info", cut), cut, "line 4, byte offset 43");
        AssertOneLineError(CliRunner.Invoke(null, "vectors", "convert", cut, Path.Combine(_dir, "out.esvec")), cut, "seems cut off");
        AssertOneLineError(CliRunner.Invoke(null, "vectors", "neighbors", cut, "the"), cut, "seems cut off");
        AssertOneLineError(CliRunner.Invoke(null, "vectors", "align", cut, vocab, "--out", outNpy), cut, "seems cut off");
        AssertOneLineError(CliRunner.Invoke(null, "vectors", "info", Write("cut.txt", "the 0.1")), "cut.txt", "line 1");
        AssertOnlyFiles("cut.vec", "cut.txt", "vocab.txt");
    }

    [Fact]
    public void Invalid_utf8_is_strict_by_default_and_replace_or_skip_are_reported()
    {
        var path = Write("bad.vec", [.. "2 2\nab"u8, 0xff, .. " 1 2\nx 3 4\n"u8]);
        AssertOneLineError(CliRunner.Invoke(null, "vectors", "info", path), path, "--utf8 replace");

        var (code, output, err) = CliRunner.Invoke(null, "vectors", "info", path, "--utf8", "replace");
        Assert.Equal(0, code);
        Assert.Contains("words_replaced\t1", output, StringComparison.Ordinal);
        Assert.Contains("entries_skipped\t0", output, StringComparison.Ordinal);

        (code, output, _) = CliRunner.Invoke(null, "vectors", "info", path, "--utf8", "skip");
        Assert.Equal(0, code);
        Assert.Contains("entries_skipped\t1", output, StringComparison.Ordinal);
        Assert.Contains("words\t1", output, StringComparison.Ordinal);

        (code, output, err) = CliRunner.Invoke(null, "vectors", "neighbors", path, "x", "--utf8", "replace");
        Assert.Equal(0, code);
        Assert.StartsWith("ab\uFFFD\t", output, StringComparison.Ordinal);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Contains("warning", err, StringComparison.Ordinal);
        Assert.Contains("1 word(s) were not valid UTF-8", err, StringComparison.Ordinal);

        (code, _, err) = CliRunner.Invoke(null, "vectors", "info", path, "--utf8", "lenient");
        Assert.Equal(1, code);
        Assert.Contains("--utf8", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_process_substitution_path_is_read_once_and_not_eaten_by_a_format_probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // bash's <(…) gives /dev/fd/N, a link to "pipe:[…]"; /proc/self/fd/N of an anonymous pipe is the same thing.
        using var server = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        var fd = server.ClientSafePipeHandle.DangerousGetHandle().ToInt32();
        server.Write("2 2\nthe 1 2\nof 3 4\n"u8);
        server.Dispose(); // the writer's end closes: the reader sees the data, then the end
        var (code, output, err) = CliRunner.Invoke(null, "vectors", "info", $"/proc/self/fd/{fd}");
        Assert.True(code == 0, err);
        Assert.Contains("words\t2", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fifo_is_streamed_for_text_and_refused_at_once_for_a_mapped_format()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fifo = Path.Combine(_dir, "in");
        using (var mk = Process.Start("mkfifo", fifo))
        {
            mk.WaitForExit();
        }

        var text = "2 2\nthe 1 2\nof 3 4\n";
        var writer = Task.Run(() => File.WriteAllText(fifo, text));
        var (code, output, err) = CliRunner.Invoke(null, "vectors", "info", fifo);
        Assert.True(code == 0, err);
        Assert.Contains("words\t2", output, StringComparison.Ordinal);
        await writer.WaitAsync(TimeSpan.FromSeconds(30));

        var native = Path.Combine(_dir, "v.esvec");
        Assert.Equal(0, CliRunner.Invoke(null, "vectors", "convert", Write("v.vec", text), native).Code);
        var bytes = File.ReadAllBytes(native);
        writer = Task.Run(() =>
        {
            try
            {
                File.WriteAllBytes(fifo, bytes);
            }
            catch (IOException)
            {
                // the reader closed its end first
            }
        });
        AssertOneLineError(CliRunner.Invoke(null, "vectors", "info", fifo), fifo, "is a pipe or FIFO");
        await writer.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void A_device_that_never_ends_is_refused()
    {
        if (File.Exists("/dev/zero"))
        {
            AssertOneLineError(CliRunner.Invoke(null, "vectors", "info", "/dev/zero"), "/dev/zero", "is a device");
        }
    }

    [Fact]
    public void An_endless_word_on_standard_input_is_refused()
    {
        var path = Write("ok.vec", "1 2\nthe 1 2\n");
        var (code, _, err) = CliRunner.Invoke(new string('a', (1 << 20) + 10), "vectors", "lookup", path);
        Assert.Equal(1, code);
        Assert.Contains("standard input, line 1: a word goes on past 1,048,576 characters", err, StringComparison.Ordinal);

        var (ok, output, _) = CliRunner.Invoke("the\nunknown  the\r\n", "vectors", "lookup", path);
        Assert.Equal(0, ok);
        Assert.Equal(["the 1 2 ", "unknown 0 0 ", "the 1 2 "], output.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Align_refuses_vectors_holding_infinity_naming_the_file_and_writes_nothing()
    {
        var path = Write("inf.vec", "2 2\nthe 1 inf\nof 0.5 0.6\n");
        var vocab = Write("vocab.txt", "the\nof\nxyz\n");
        AssertOneLineError(CliRunner.Invoke(null, "vectors", "align", path, vocab, "--out", Path.Combine(_dir, "out.npy")), path, "'the' (row 0) holds Infinity");
        AssertOnlyFiles("inf.vec", "vocab.txt");
    }
}
