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

    [Fact]
    public void An_out_of_bounds_option_is_named_as_typed()
    {
        var train = Write("t.txt", ClassifierTestData.Make(10, 1));
        var model = Path.Combine(_dir, "m.safetensors");
        var (code, _, err) = CliRunner.Invoke(null, "classify", "train", "--input", train, "--output", model, "--word-ngrams", "1000");
        Assert.Equal(1, code);
        Assert.Equal("embedsharp: --word-ngrams must be between 1 and 100 (was 1000).", err.Trim());
        Assert.False(File.Exists(model));
    }

    [Fact]
    public void A_model_with_nan_weights_is_refused_by_test_and_predict_naming_the_file_tensor_and_row()
    {
        var options = FastTextOptions.Supervised() with { Dim = 4, Epoch = 1 };
        var train = ClassificationDataset.Build(ClassifierTestData.Make(30, 1), ClassifierTestData.LabelNames, options);
        var classifier = new TextClassifier(train.Featurizer, train.LabelNames, options.Dim, new EmbedSharp.Randomness.Generator(0));
        classifier.Output.Weight.Value[1, 3] = float.NaN;
        var model = Path.Combine(_dir, "nan.safetensors");
        classifier.Save(model);
        var test = Write("test.txt", ClassifierTestData.Make(5, 2));
        foreach (var args in new[] { new[] { "classify", "test", model, test }, ["classify", "predict", model, test] })
        {
            var (code, output, err) = CliRunner.Invoke(null, args);
            Assert.Equal(1, code);
            Assert.Equal($"embedsharp: {model}: output.weight holds NaN at row 1, column 3; a classifier with NaN or infinite weights gives no meaningful prediction (did its training diverge? train again with a lower --lr).", err.Trim());
            Assert.Empty(output);
        }
    }

    [Fact]
    public void An_endless_line_to_predict_or_train_on_is_one_line_naming_the_file_and_line()
    {
        var train = Write("t.txt", ClassifierTestData.Make(30, 1));
        var model = Path.Combine(_dir, "m.safetensors");
        Assert.Equal(0, CliRunner.Invoke(null, "classify", "train", "--input", train, "--output", model, "--dim", "4").Code);
        var endless = Path.Combine(_dir, "endless.txt");
        using (var f = File.Create(endless))
        {
            f.Write("__label__music guitar song\n__label__music "u8);
            var chunk = new byte[1 << 20];
            chunk.AsSpan().Fill((byte)'a');
            for (var i = 0; i <= 16; i++)
            {
                f.Write(chunk);
            }
        }

        var (code, output, err) = CliRunner.Invoke(null, "classify", "predict", model, endless);
        Assert.Equal(1, code);
        Assert.Equal("__label__music", output.Trim()); // the lines before it were answered
        Assert.Equal($"embedsharp: {endless}: Line 2 is longer than 16,777,216 characters: is this the right file? One example or text takes one line.", err.Trim());

        var other = Path.Combine(_dir, "m2.safetensors");
        (code, _, err) = CliRunner.Invoke(null, "classify", "train", "--input", endless, "--output", other);
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains($"{endless}: Line 2 is longer", err, StringComparison.Ordinal);
        Assert.False(File.Exists(other));
        Assert.Equal(["endless.txt", "m.safetensors", "t.txt"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private string Write(string name, IEnumerable<LabeledText> examples)
    {
        var path = Path.Combine(_dir, name);
        ClassificationDataset.WriteFastTextFile(path, examples, ClassifierTestData.LabelNames);
        return path;
    }
}
