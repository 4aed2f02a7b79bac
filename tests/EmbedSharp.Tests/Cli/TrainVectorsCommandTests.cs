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

    [Fact]
    public void An_unknown_dataset_is_a_one_line_error_before_any_download()
    {
        var (code, _, err) = CliRunner.Invoke(null, "data", "fetch", "imagenet", "--cache", _dir);
        Assert.Equal(1, code);
        Assert.Contains("sotu or spam-assassin", err, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }
}
