using EmbedSharp.FastText;
using EmbedSharp.Vectors.Formats;

namespace EmbedSharp.Tests.Cli;

[Collection("Console")]
public sealed class TrainVectorsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-train-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Training_writes_a_vec_and_a_bin_that_agree()
    {
        var corpus = Path.Combine(AppContext.BaseDirectory, "data", "fasttext", "corpus.txt");
        var prefix = Path.Combine(_dir, "model");
        var (code, output, err) = CliRunner.Invoke(null, "train-vectors", corpus, "--dim", "8", "--epoch", "1", "--min-count", "2",
            "--thread", "1", "--seed", "3", "--out", prefix);
        Assert.True(code == 0, err);
        Assert.Contains("words/s/thread", output, StringComparison.Ordinal);
        using var vec = VectorFile.Read(prefix + ".vec", options: new VectorReadOptions { Utf8 = Utf8Policy.Replace }); // the corpus has a Latin-1 word, kept as raw bytes like fastText
        var bin = FastTextModel.Load(prefix + ".bin");
        Assert.Equal(vec.Count, bin.WordCount);
        var v = new float[8];
        bin.GetWordVector(vec.Words[0], v);
        Assert.All(v.Zip(vec[vec.Words[0]].ToArray()), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-6f));
    }

    [Theory]
    [InlineData("--dim", "0")]
    [InlineData("--epoch", "-1")]
    [InlineData("--model", "glove")]
    [InlineData("--loss", "hinge")]
    [InlineData("--init", "normal")]
    public void Absurd_options_fail_before_any_work_with_one_line(string option, string value)
    {
        var corpus = Path.Combine(AppContext.BaseDirectory, "data", "fasttext", "corpus.txt");
        var prefix = Path.Combine(_dir, "bad");
        var (code, _, err) = CliRunner.Invoke(null, "train-vectors", corpus, option, value, "--out", prefix);
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(prefix + ".vec"));
    }

    [Fact]
    public void A_checkpoint_written_each_epoch_resumes_to_the_same_vectors_and_hs_loss_trains()
    {
        var corpus = Path.Combine(AppContext.BaseDirectory, "data", "fasttext", "corpus.txt");
        var checkpoint = Path.Combine(_dir, "run.ckpt");
        string[] common = ["--dim", "8", "--epoch", "2", "--min-count", "2", "--thread", "1", "--seed", "3", "--loss", "hs"];
        var (code, _, err) = CliRunner.Invoke(null, ["train-vectors", corpus, .. common, "--checkpoint", checkpoint, "--out", Path.Combine(_dir, "a")]);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(checkpoint));
        (code, _, err) = CliRunner.Invoke(null, "train-vectors", corpus, "--resume", checkpoint, "--out", Path.Combine(_dir, "b"));
        Assert.True(code == 0, err);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "a.vec")), File.ReadAllBytes(Path.Combine(_dir, "b.vec")));
        Assert.Equal(EmbedSharp.FastText.FastTextLoss.HierarchicalSoftmax, FastTextModel.Load(Path.Combine(_dir, "b.bin")).Args.Loss);

        (code, _, err) = CliRunner.Invoke(null, "train-vectors", corpus, "--resume", Path.Combine(_dir, "missing.ckpt"), "--out", Path.Combine(_dir, "c"));
        Assert.Equal(1, code);
        Assert.Contains("missing.ckpt", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--neg", "2147483647", "--neg must be between 1 and 1,000 (was 2147483647).")]
    [InlineData("--thread", "100000", "--thread must be between 1 and 1,024 (was 100000).")]
    [InlineData("--bucket", "2000000000", "--bucket must be between 0 and 100,000,000 (was 2000000000).")]
    [InlineData("--lr", "1e300", "--lr must be above 0 and at most 10 (was 1E+300).")]
    [InlineData("--maxn", "500", "--maxn must be between 0 and 100 (was 500).")]
    public void An_out_of_bounds_option_is_named_as_typed_with_its_bounds(string option, string value, string message)
    {
        var corpus = Path.Combine(AppContext.BaseDirectory, "data", "fasttext", "corpus.txt");
        var prefix = Path.Combine(_dir, "bad");
        var (code, _, err) = CliRunner.Invoke(null, "train-vectors", corpus, option, value, "--out", prefix);
        Assert.Equal(1, code);
        Assert.Equal("embedsharp: " + message, err.Trim());
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void A_corpus_that_is_one_huge_token_is_one_line_naming_the_file_and_offset_and_leaves_nothing()
    {
        var corpus = Path.Combine(_dir, "blob.txt");
        using (var f = File.Create(corpus))
        {
            f.Write("a b\n"u8);
            var chunk = new byte[1 << 20];
            chunk.AsSpan().Fill((byte)'q');
            f.Write(chunk);
            f.Write(chunk);
        }

        var prefix = Path.Combine(_dir, "out");
        var (code, _, err) = CliRunner.Invoke(null, "train-vectors", corpus, "--min-count", "1", "--thread", "1", "--out", prefix, "--checkpoint", Path.Combine(_dir, "c.ckpt"));
        Assert.Equal(1, code);
        Assert.Equal($"embedsharp: {corpus}: the token starting at byte offset 4 is longer than 1,048,576 bytes, the most one word may take; so long a run without whitespace is not a word (an embedded blob, or a file that is not text): remove or split it.", err.Trim());
        Assert.Equal([corpus], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void A_device_as_corpus_is_refused_at_once()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var (code, _, err) = CliRunner.Invoke(null, "train-vectors", "/dev/zero", "--out", Path.Combine(_dir, "z"));
        Assert.Equal(1, code);
        Assert.StartsWith("embedsharp: '/dev/zero' is a device", err.Trim(), StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public async Task A_fifo_corpus_is_read_once_like_standard_input()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var corpus = Path.Combine(AppContext.BaseDirectory, "data", "fasttext", "corpus.txt");
        var fifo = Path.Combine(_dir, "corpus.fifo");
        using (var mk = System.Diagnostics.Process.Start("mkfifo", fifo))
        {
            await mk.WaitForExitAsync();
        }

        var writer = Task.Run(() => File.WriteAllBytes(fifo, File.ReadAllBytes(corpus)));
        var (code, _, err) = CliRunner.Invoke(null, "train-vectors", fifo, "--dim", "4", "--epoch", "1", "--min-count", "2", "--thread", "1", "--bucket", "100",
            "--out", Path.Combine(_dir, "f"));
        await writer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(_dir, "f.vec")));
    }

    [Fact]
    public void A_damaged_or_old_checkpoint_is_one_line_naming_it_and_the_section()
    {
        var corpus = Path.Combine(AppContext.BaseDirectory, "data", "fasttext", "corpus.txt");
        var checkpoint = Path.Combine(_dir, "run.ckpt");
        var (code, _, err) = CliRunner.Invoke(null, "train-vectors", corpus, "--dim", "4", "--epoch", "1", "--min-count", "2", "--thread", "1", "--bucket", "100",
            "--checkpoint", checkpoint, "--out", Path.Combine(_dir, "a"));
        Assert.True(code == 0, err);
        var bytes = File.ReadAllBytes(checkpoint);
        bytes[^20] ^= 0x10; // a float of the output matrix
        File.WriteAllBytes(checkpoint, bytes);
        (code, _, err) = CliRunner.Invoke(null, "train-vectors", corpus, "--resume", checkpoint, "--out", Path.Combine(_dir, "b"));
        Assert.Equal(1, code);
        Assert.StartsWith($"embedsharp: The checkpoint '{checkpoint}' is damaged: the checksum of its output matrix", err.Trim(), StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(_dir, "b.vec")));

        bytes[^20] ^= 0x10;
        bytes[8] = 1; // version 1
        File.WriteAllBytes(checkpoint, bytes);
        (code, _, err) = CliRunner.Invoke(null, "train-vectors", corpus, "--resume", checkpoint, "--out", Path.Combine(_dir, "b"));
        Assert.Equal(1, code);
        Assert.Contains("format version 1, written before checkpoints carried checksums", err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "b.vec")));
    }

    [Fact]
    public void An_unknown_dataset_is_a_one_line_error_before_any_download()
    {
        var (code, _, err) = CliRunner.Invoke(null, "data", "fetch", "imagenet", "--cache", _dir);
        Assert.Equal(1, code);
        Assert.Contains("sotu or spam-assassin", err, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }
}
