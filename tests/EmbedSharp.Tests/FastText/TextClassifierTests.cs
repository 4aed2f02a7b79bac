using EmbedSharp.FastText;
using EmbedSharp.Numerics.Formats.Safetensors;
using EmbedSharp.Randomness;
using FloatTensor = EmbedSharp.Numerics.FloatTensor;

namespace EmbedSharp.Tests.FastText;

public sealed class TextClassifierTests
{
    private static readonly FastTextOptions Options = FastTextOptions.Supervised() with { Dim = 16, Epoch = 5, Lr = 0.5, LogEvery = 10 };

    private static (ClassificationDataset Train, ClassificationDataset Test) Data(FastTextOptions options)
    {
        var train = ClassificationDataset.Build(ClassifierTestData.Make(300, 1), ClassifierTestData.LabelNames, options);
        var test = ClassificationDataset.Build(ClassifierTestData.Make(90, 2), ClassifierTestData.LabelNames, train.Featurizer);
        return (train, test);
    }

    private static TextClassifier Trained(FastTextOptions options, ulong seed, Action<TextClassifier>? prepare = null)
    {
        var (train, _) = Data(options);
        var model = new TextClassifier(train.Featurizer, train.LabelNames, options.Dim, new Generator(seed));
        prepare?.Invoke(model);
        ClassifierTrainer.Train(model, train, options, new Generator(seed));
        return model;
    }

    [Theory]
    [InlineData(ClassifierOptimizer.Sgd, 1)]
    [InlineData(ClassifierOptimizer.Sgd, 2)]
    [InlineData(ClassifierOptimizer.Adam, 1)]
    public void A_separable_synthetic_set_is_learned_to_full_accuracy(ClassifierOptimizer optimizer, int ngrams)
    {
        var options = Options with { Optimizer = optimizer, WordNgrams = ngrams, Bucket = 1000, Lr = optimizer == ClassifierOptimizer.Adam ? 0.05 : 0.5 };
        var (train, test) = Data(options);
        var model = new TextClassifier(train.Featurizer, train.LabelNames, options.Dim, new Generator(0));
        var losses = new List<double>();
        var result = ClassifierTrainer.Train(model, train, options, new Generator(0), s => losses.Add(s.Loss));
        var m = ClassifierEvaluator.Evaluate(model, test);
        Assert.True(m.Accuracy >= 0.99, $"accuracy {m.Accuracy}");
        Assert.True(losses[^1] < losses[0] / 4, $"loss {losses[0]} → {losses[^1]}");
        Assert.Equal(5 * 300, result.Steps);
        Assert.Equal(5 * train.TotalTokens, result.Tokens);
    }

    [Fact]
    public void Same_seed_gives_the_same_bits_and_another_seed_other_bits()
    {
        var a = Trained(Options, 7);
        var b = Trained(Options, 7);
        var c = Trained(Options, 8);
        Assert.Equal(a.Embedding.Weight.Value.ToArray(), b.Embedding.Weight.Value.ToArray());
        Assert.Equal(a.Output.Weight.Value.ToArray(), b.Output.Weight.Value.ToArray());
        Assert.NotEqual(a.Output.Weight.Value.ToArray(), c.Output.Weight.Value.ToArray());
    }

    [Fact]
    public void Default_init_is_fastText_uniform_table_and_zero_output()
    {
        var (train, _) = Data(Options);
        var model = new TextClassifier(train.Featurizer, train.LabelNames, 16, new Generator(0));
        var s = model.Embedding.Weight.Value.Statistics();
        Assert.InRange(s.Min, -1f / 16, 1f / 16);
        Assert.InRange(s.Max, -1f / 16, 1f / 16);
        Assert.All(model.Output.Weight.Value.ToArray(), v => Assert.Equal(0f, v));
        Assert.Null(model.Output.Bias);
        Assert.Equal(["embedding.weight", "output.weight"], model.StateDict().Keys.Order());
    }

    [Fact]
    public void A_frozen_table_stays_bit_identical_while_the_output_learns()
    {
        float[]? before = null;
        var model = Trained(Options, 3, m =>
        {
            m.Embedding.Weight.RequiresGrad = false;
            before = m.Embedding.Weight.Value.ToArray();
        });
        Assert.Equal(before, model.Embedding.Weight.Value.ToArray());
        Assert.Contains(model.Output.Weight.Value.ToArray(), v => v != 0);

        var adam = Trained(Options with { Optimizer = ClassifierOptimizer.Adam }, 3, m =>
        {
            m.Embedding.Weight.RequiresGrad = false;
            before = m.Embedding.Weight.Value.ToArray();
        });
        Assert.Equal(before, adam.Embedding.Weight.Value.ToArray());
    }

    [Fact]
    public void A_zero_table_with_the_zero_output_never_learns_but_a_random_table_does()
    {
        // fastText's output starts at zero: with a zero table too, hidden = 0 and W = 0 make every gradient zero.
        var zero = Trained(Options with { Epoch = 1 }, 5, m => EmbedSharp.Initialization.Init.Zeros(m.Embedding.Weight.Value));
        Assert.All(zero.Embedding.Weight.Value.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(zero.Output.Weight.Value.ToArray(), v => Assert.Equal(0f, v));
        var normal = Trained(Options with { Epoch = 1 }, 5, m => EmbedSharp.Initialization.Init.Normal(m.Embedding.Weight.Value, new Generator(9), 0, 0.02));
        Assert.Contains(normal.Output.Weight.Value.ToArray(), v => v != 0);
    }

    [Fact]
    public void Frozen_table_reports_zero_gradient_norm_and_a_training_table_a_positive_one()
    {
        var (train, _) = Data(Options);
        var model = new TextClassifier(train.Featurizer, train.LabelNames, 16, new Generator(0));
        var norms = new List<double>();
        ClassifierTrainer.Train(model, train, Options with { Epoch = 1 }, new Generator(0), s => norms.Add(s.EmbeddingGradNorm));
        Assert.All(norms, n => Assert.True(n > 0));
        model.Embedding.Weight.RequiresGrad = false;
        norms.Clear();
        ClassifierTrainer.Train(model, train, Options with { Epoch = 1 }, new Generator(0), s => norms.Add(s.EmbeddingGradNorm));
        Assert.All(norms, n => Assert.Equal(0, n));
    }

    [Fact]
    public void Gradient_norm_counts_repeated_rows()
    {
        // One example "a a b": rows a (twice) and b and </s>; the dense gradient of the table has row a = 2g/4, b = g/4, eos = g/4.
        var options = FastTextOptions.Supervised() with { Dim = 4, Epoch = 1, LogEvery = 1, Lr = 0.1 };
        var train = ClassificationDataset.Build([new("a a b", 0)], ["x", "y"], options);
        var model = new TextClassifier(train.Featurizer, train.LabelNames, 4, new Generator(0));
        model.Output.Weight.Value.CopyFrom([1, 2, 3, 4, -1, 0, 1, 0]);
        var w = model.Output.Weight.Value.ToArray();
        var hidden = new float[4];
        foreach (var r in train.Features(0))
        {
            for (var j = 0; j < 4; j++)
            {
                hidden[j] += model.Embedding.Weight.Value.Row(r)[j] / 4;
            }
        }

        double l0 = 0, l1 = 0;
        for (var j = 0; j < 4; j++)
        {
            l0 += w[j] * hidden[j];
            l1 += w[4 + j] * hidden[j];
        }

        var p0 = 1 / (1 + Math.Exp(l1 - l0));
        double gNorm = 0;
        for (var j = 0; j < 4; j++)
        {
            var g = ((p0 - 1) * w[j]) + ((1 - p0) * w[4 + j]);
            gNorm += g * g;
        }

        var expected = Math.Sqrt(gNorm) * Math.Sqrt(4 + 1 + 1) / 4;
        TrainingStep? step = null;
        ClassifierTrainer.Train(model, train, options, new Generator(0), s => step = s);
        Assert.Equal(expected, step!.Value.EmbeddingGradNorm, 5);
        Assert.Equal(0.1, step.Value.Lr);
    }

    [Fact]
    public void Save_and_load_round_trip_predicts_identically()
    {
        var options = Options with { WordNgrams = 2, Bucket = 500 };
        var (train, test) = Data(options);
        var model = new TextClassifier(train.Featurizer, train.LabelNames, options.Dim, new Generator(0));
        ClassifierTrainer.Train(model, train, options with { Epoch = 2 }, new Generator(0));
        var path = Path.Combine(Path.GetTempPath(), $"embedsharp-cls-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path);
            var loaded = TextClassifier.FromFile(path);
            Assert.Equal(model.Featurizer.Words.Tokens, loaded.Featurizer.Words.Tokens);
            Assert.Equal(2, loaded.Featurizer.WordNgrams);
            Assert.Equal(500, loaded.Featurizer.Bucket);
            Assert.Equal(model.LabelNames, loaded.LabelNames);
            for (var i = 0; i < test.Count; i++)
            {
                Assert.Equal(model.Predict(test.Features(i), 3), loaded.Predict(test.Features(i), 3));
            }

            Assert.Equal(ClassifierEvaluator.Evaluate(model, test, 2), ClassifierEvaluator.Evaluate(loaded, test, 2));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Loading_a_file_that_is_not_a_classifier_is_a_clear_error()
    {
        var path = Path.Combine(Path.GetTempPath(), $"embedsharp-cls-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafetensorsFile.Write(path, new Dictionary<string, FloatTensor> { ["w"] = new FloatTensor(2, 2) });
            var e = Assert.Throws<FastTextFormatException>(() => TextClassifier.FromFile(path));
            Assert.Contains("not an EmbedSharp text classifier", e.Message, StringComparison.Ordinal);
            SafetensorsFile.Write(path, new Dictionary<string, FloatTensor> { ["embedding.weight"] = new FloatTensor(3, 2), ["output.weight"] = new FloatTensor(2, 2) },
                new Dictionary<string, string> { ["format"] = "embedsharp.text-classifier/1", ["word_ngrams"] = "1", ["bucket"] = "0", ["labels"] = "[\"a\",\"b\"]", ["words"] = "[\"x\"]" });
            Assert.Contains("do not fit", Assert.Throws<FastTextFormatException>(() => TextClassifier.FromFile(path)).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Training_checks_the_data_fits_the_model_and_can_be_cancelled()
    {
        var (train, _) = Data(Options);
        var other = ClassificationDataset.Build([new("zzz", 0)], ["x", "y", "z"], Options);
        var model = new TextClassifier(train.Featurizer, train.LabelNames, 16, new Generator(0));
        Assert.Throws<ArgumentException>(() => ClassifierTrainer.Train(model, other, Options, new Generator(0)));
        Assert.Throws<ArgumentException>(() => ClassifierEvaluator.Evaluate(model, other));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassifierTrainer.Train(model, train, Options with { Epoch = 0 }, new Generator(0)));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => ClassifierTrainer.Train(model, train, Options, new Generator(0), cancellationToken: cts.Token));
    }

    [Fact]
    public void The_step_loop_allocates_nothing_once_warmed_up()
    {
        var (train, _) = Data(Options);
        var model = new TextClassifier(train.Featurizer, train.LabelNames, 16, new Generator(0));
        var bytes = new List<long>();
        var epochs = new List<int>();
        ClassifierTrainer.Train(model, train, Options with { Epoch = 8, LogEvery = 50 }, new Generator(0), s =>
        {
            bytes.Add(GC.GetAllocatedBytesForCurrentThread());
            epochs.Add(s.Epoch);
        });
        bytes.Add(0);
        epochs.Add(-1);
        var lastEpoch = bytes.Count - 1;
        var deltas = new List<long>();
        for (var i = 1; i < lastEpoch; i++)
        {
            if (epochs[i] == 7 && epochs[i - 1] == 7)
            {
                deltas.Add(bytes[i] - bytes[i - 1]);
            }
        }

        Assert.NotEmpty(deltas);
        Assert.All(deltas, d => Assert.Equal(0, d));
    }
}
