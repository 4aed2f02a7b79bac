using EmbedSharp.FastText;
using EmbedSharp.Tests.FastText;

namespace EmbedSharp.Tests.Cli;

/// <summary>The shared options through the commands that use them.</summary>
[Collection("Console")]
public sealed class SharedOptionsCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-shared-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Corpus => Path.Combine(AppContext.BaseDirectory, "data", "fasttext", "corpus.txt");

    [Fact]
    public void Every_seed_option_reads_a_negative_seed_as_torch_manual_seed_does()
    {
        var train = Path.Combine(_dir, "train.txt");
        ClassificationDataset.WriteFastTextFile(train, ClassifierTestData.Make(40, 1), ClassifierTestData.LabelNames);
        var a = Path.Combine(_dir, "a.safetensors");
        var b = Path.Combine(_dir, "b.safetensors");
        var (code, _, err) = CliRunner.Invoke(null, "classify", "train", "--input", train, "--output", a, "--dim", "4", "--epoch", "1", "--seed", "-1");
        Assert.True(code == 0, err);
        (code, _, err) = CliRunner.Invoke(null, "classify", "train", "--input", train, "--output", b, "--dim", "4", "--epoch", "1", "--seed", "18446744073709551615");
        Assert.True(code == 0, err);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }

    [Theory]
    [InlineData("--seed", "4294967296", "32-bit")]
    [InlineData("--seed", "seven", "--seed 'seven' is not an integer")]
    [InlineData("--model", "skip_gram2", "Unknown --model 'skip_gram2'; expected skipgram or cbow.")]
    [InlineData("--loss", "hinge", "Unknown --loss 'hinge'; expected one of: ns, hs, softmax.")]
    [InlineData("--init", "normal", "Unknown --init 'normal'; expected fasttext or uniform.")]
    public void Train_vectors_refuses_bad_values_in_one_line(string option, string value, string message)
    {
        var prefix = Path.Combine(_dir, "bad");
        var (code, _, err) = CliRunner.Invoke(null, "train-vectors", Corpus, option, value, "--out", prefix);
        Assert.Equal(1, code);
        Assert.Contains(message, err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(prefix + ".vec"));
    }

    [Fact]
    public void Train_vectors_reads_snake_case_choices_and_the_uniform_init()
    {
        var prefix = Path.Combine(_dir, "model");
        var (code, _, err) = CliRunner.Invoke(null, "train-vectors", Corpus, "--model", "Skip_Gram", "--loss", "HS", "--init", "uniform", "--dim", "8",
            "--epoch", "1", "--min-count", "2", "--thread", "1", "--seed", "-3", "--out", prefix);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(prefix + ".bin"));
    }
}
