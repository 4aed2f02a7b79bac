using System.Text.Json;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Training.Losses;
using EmbedSharp.Training.Optimizers;

namespace EmbedSharp.Tests.Parity;

/// <summary>
/// Whole training runs against PyTorch (tests/data/training, made by tools/goldens/make_training.py): the same seed builds
/// the same model, then 10 steps of forward, loss, backward and optimiser step. Every parameter is compared after every
/// step: the sparse regressions (Embedding, MSE, SGD or SparseAdam) bit for bit; the classifiers within 1e-6 relative
/// (|a − b| ≤ 1e-6·max(1, |b|)), because the cross-entropy's softmax uses a different exp than PyTorch's SLEEF, so the
/// last bits drift from the first step on (everything else in them is bit-exact).
/// </summary>
public sealed class TrainingParityTests
{
    private const double Tolerance = 1e-6;

    private static readonly Lazy<JsonDocument> Doc = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "training", "cases.json"))));

    public static TheoryData<int, string> Cases()
    {
        var data = new TheoryData<int, string>();
        var i = 0;
        foreach (var c in Doc.Value.RootElement.GetProperty("cases").EnumerateArray())
        {
            data.Add(i++, c.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ten_training_steps_follow_pytorch(int index, string name)
    {
        var c = Doc.Value.RootElement.GetProperty("cases")[index];
        if (c.GetProperty("kind").GetString() == "classifier")
        {
            RunClassifier(c, name);
        }
        else
        {
            RunSparseRegression(c, name);
        }
    }

    private sealed class Classifier : Module
    {
        public Classifier(IRandomSource g)
        {
            Bag = RegisterModule("bag", new EmbeddingBag(50, 8, g));
            Linear = RegisterModule("linear", new Linear(8, 3, g));
        }

        public EmbeddingBag Bag { get; }

        public Linear Linear { get; }
    }

    /// <summary>The trained classifier's state dict, written in Python in safetensors' layout (tools/goldens/make_training.py),
    /// loads by PyTorch's names, and our Save writes the same bytes back.</summary>
    [Fact]
    public void A_state_dict_saved_in_python_loads_by_name_and_saves_back_byte_for_byte()
    {
        var file = Path.Combine(AppContext.BaseDirectory, "data", "training", "classifier_sgd_seed0.safetensors");
        var model = new Classifier(new Generator(123L));
        model.Load(file);
        var last = Doc.Value.RootElement.GetProperty("cases").EnumerateArray()
            .First(c => c.GetProperty("name").GetString() == "classifier sgd seed=0 max_norm=None")
            .GetProperty("steps").EnumerateArray().Last();
        Assert.Equal(Floats(last.GetProperty("bag.weight").GetString()!), model.Bag.Weight.Value.ToArray());
        Assert.Equal(Floats(last.GetProperty("linear.bias").GetString()!), model.Linear.Bias!.Value.ToArray());
        var copy = Path.Combine(Path.GetTempPath(), $"embedsharp-state-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(copy);
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(copy));
        }
        finally
        {
            File.Delete(copy);
        }
    }

    private static void RunClassifier(JsonElement c, string name)
    {
        var g = new Generator(c.GetProperty("seed").GetInt64());
        var maxNorm = c.GetProperty("max_norm").ValueKind == JsonValueKind.Number ? c.GetProperty("max_norm").GetDouble() : (double?)null;
        var bag = new EmbeddingBag(50, 8, g, new EmbeddingBagOptions { Mode = EmbeddingBagMode.Mean, MaxNorm = maxNorm });
        var linear = new Linear(8, 3, g);
        var inputs = Longs(c.GetProperty("inputs"));
        var offsets = Longs(c.GetProperty("offsets"));
        var targets = Longs(c.GetProperty("targets"));
        var input = new IndexTensor(inputs, inputs.Length);
        var offsetTensor = new IndexTensor(offsets, offsets.Length);
        var targetTensor = new IndexTensor(targets, targets.Length);
        Parameter[] parameters = [bag.Weight, linear.Weight, linear.Bias!];
        var lr = c.GetProperty("lr").GetDouble();
        Optimizer optimizer = c.GetProperty("optimizer").GetString() == "sgd"
            ? new Sgd(parameters, new SgdOptions { Lr = lr, Momentum = 0.9 })
            : new Adam(parameters, new AdamOptions { Lr = lr });
        var loss = new CrossEntropyLoss();
        var step = 0;
        foreach (var expected in c.GetProperty("steps").EnumerateArray())
        {
            optimizer.ZeroGrad();
            var bagOut = bag.ForwardResult(input, offsetTensor);
            var logits = linear.Forward(bagOut.Output);
            var value = loss.Forward(logits, targetTensor)[0];
            var gradLogits = loss.Backward(logits, targetTensor);
            var gradBag = linear.Backward(bagOut.Output, gradLogits);
            bag.Backward(bagOut, gradBag);
            optimizer.Step();
            step++;
            Close(expected.GetProperty("loss").GetDouble(), value, $"{name}: loss at step {step}");
            Compare(expected, "bag.weight", bag.Weight.Value, name, step);
            Compare(expected, "linear.weight", linear.Weight.Value, name, step);
            Compare(expected, "linear.bias", linear.Bias!.Value, name, step);
        }
    }

    private static void RunSparseRegression(JsonElement c, string name)
    {
        var g = new Generator(c.GetProperty("seed").GetInt64());
        var embedding = new Embedding(20, 4, g, new EmbeddingOptions { PaddingIdx = 0, Sparse = true });
        var rows = c.GetProperty("indices").EnumerateArray().SelectMany(r => Longs(r)).ToArray();
        var indices = new IndexTensor(rows, 3, 3);
        var target = FloatTensor.FromArray(Floats(c.GetProperty("target").GetString()!), 3, 3, 4);
        var lr = c.GetProperty("lr").GetDouble();
        Optimizer optimizer = c.GetProperty("optimizer").GetString() == "sgd"
            ? new Sgd([embedding.Weight], new SgdOptions { Lr = lr })
            : new SparseAdam([embedding.Weight], new SparseAdamOptions { Lr = lr });
        var mse = new MseLoss();
        var step = 0;
        foreach (var expected in c.GetProperty("steps").EnumerateArray())
        {
            optimizer.ZeroGrad();
            var output = embedding.Forward(indices).Data;
            var value = mse.Forward(output, target)[0];
            embedding.Backward(indices, mse.Backward(output, target));
            optimizer.Step();
            step++;
            Close(expected.GetProperty("loss").GetDouble(), value, $"{name}: loss at step {step}", 0);
            Compare(expected, "weight", embedding.Weight.Value, name, step, 0);
            Assert.All(embedding.Weight.Value.Row(0).ToArray(), v => Assert.Equal(0f, v)); // the padding row never moves
        }
    }

    private static void Compare(JsonElement step, string key, FloatTensor actual, string name, int index, double tolerance = Tolerance)
    {
        var expected = Floats(step.GetProperty(key).GetString()!);
        var values = actual.ToArray();
        Assert.Equal(expected.Length, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            Close(expected[i], values[i], $"{name}: {key}[{i}] after step {index}", tolerance);
        }
    }

    private static void Close(double expected, double actual, string what, double tolerance = Tolerance) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Max(1, Math.Abs(expected)), $"{what}: ours {actual:r}, torch {expected:r}");

    private static long[] Longs(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt64()).ToArray();

    private static float[] Floats(string b64)
    {
        var bytes = Convert.FromBase64String(b64);
        var f = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, f, 0, bytes.Length);
        return f;
    }
}
