using EmbedSharp.FastText;
using EmbedSharp.Tests.FastText;

namespace EmbedSharp.Tests.Cli;

[Collection("Console")]
public sealed class ClassifyCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-classify-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Train_then_test_then_predict_round_trip()
    {
        var train = Write("train.txt", ClassifierTestData.Make(300, 1));
        var test = Write("test.txt", ClassifierTestData.Make(60, 2));
        var model = Path.Combine(_dir, "model.safetensors");
        var (code, output, err) = CliRunner.Invoke(null, "classify", "train", "--input", train, "--output", model, "--dim", "16", "--lr", "0.5",
            "--word-ngrams", "2", "--bucket", "1000", "--seed", "4");
        Assert.True(code == 0, err);
        Assert.Contains("300 examples", output, StringComparison.Ordinal);
        Assert.Contains("words/s/thread", output, StringComparison.Ordinal);
        Assert.True(File.Exists(model));

        (code, output, err) = CliRunner.Invoke(null, "classify", "test", model, test, "--k", "2");
        Assert.True(code == 0, err);
        var lines = output.Trim().Split('\n');
        Assert.Equal("N\t60", lines[0]);
        Assert.Equal("P@2\t0.500", lines[1]); // one of two predictions is right on every line
        Assert.Equal("R@2\t1.000", lines[2]);
        Assert.Equal("Accuracy\t1.0000", lines[3]);

        (code, output, err) = CliRunner.Invoke("guitar song band\nthe oven bread recipe\n", "classify", "predict", model, "-", "--k", "1");
        Assert.True(code == 0, err);
        Assert.Equal(["__label__music", "__label__food"], output.Trim().Split('\n'));

        (code, output, err) = CliRunner.Invoke(null, "classify", "predict", model, test, "--k", "2", "--prob");
        Assert.True(code == 0, err);
        var first = output.Split('\n')[0].Split(' ');
        Assert.Equal(4, first.Length);
        Assert.Equal("__label__sport", first[0]);
    }

    [Fact]
    public void A_file_with_an_unlabelled_line_fails_with_one_line_naming_it()
    {
        var bad = Path.Combine(_dir, "bad.txt");
        File.WriteAllText(bad, "__label__a x y\nx y z\n");
        var model = Path.Combine(_dir, "m.safetensors");
        var (code, _, err) = CliRunner.Invoke(null, "classify", "train", "--input", bad, "--output", model);
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("line 2", err, StringComparison.Ordinal);
        Assert.False(File.Exists(model));
    }

    [Theory]
    [InlineData("--optimizer", "rmsprop")]
    [InlineData("--dim", "0")]
    [InlineData("--word-ngrams", "0")]
    public void Absurd_options_fail_before_any_work(string option, string value)
    {
        var train = Write("t.txt", ClassifierTestData.Make(10, 1));
        var model = Path.Combine(_dir, "m.safetensors");
        var (code, _, err) = CliRunner.Invoke(null, "classify", "train", "--input", train, "--output", model, option, value);
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(model));
    }

    [Fact]
    public void Testing_with_a_file_that_is_not_a_model_and_exporting_an_unknown_dataset_are_one_line_errors()
    {
        var train = Write("t.txt", ClassifierTestData.Make(10, 1));
        var (code, _, err) = CliRunner.Invoke(null, "classify", "test", train, train);
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        (code, _, err) = CliRunner.Invoke(null, "data", "export", "imagenet", "--out", _dir, "--cache", _dir);
        Assert.Equal(1, code);
        Assert.Contains("spam-assassin", err, StringComparison.Ordinal);
    }

    private string Write(string name, IEnumerable<LabeledText> examples)
    {
        var path = Path.Combine(_dir, name);
        ClassificationDataset.WriteFastTextFile(path, examples, ClassifierTestData.LabelNames);
        return path;
    }
}
