using EmbedSharp.Autograd;
using EmbedSharp.Initialization;
using EmbedSharp.Nn;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Tests.Parity;
using EmbedSharp.Training;
using EmbedSharp.Training.Losses;
using EmbedSharp.Training.Optimizers;
using EmbedSharp.Training.Schedules;

namespace EmbedSharp.Tests.Training;

/// <summary>
/// PyTorch's "Text classification with the torchtext library" tutorial, its model and training loop written line for
/// line with EmbedSharp's names, against the run of tools/goldens/make_tutorials.py (torch 1.13, reference BLAS): the same
/// initial weights from the same seed, then every step's loss and gradient norm, and the final weights.
/// </summary>
public sealed class TutorialTextClassificationTests
{
    /// <summary>The tutorial's TextClassificationModel.</summary>
    private sealed class TextClassificationModel : Module
    {
        public TextClassificationModel(long vocabSize, int embedDim, int numClass, Generator g)
        {
            Embedding = RegisterModule("embedding", new EmbeddingBag(vocabSize, embedDim, g, new EmbeddingBagOptions { Sparse = false }));
            Fc = RegisterModule("fc", new Linear(embedDim, numClass, g));
            InitWeights(g);
        }

        public EmbeddingBag Embedding { get; }

        public Linear Fc { get; }

        private void InitWeights(Generator g)
        {
            const double Initrange = 0.5;
            Init.Uniform(Embedding.Weight.Data, g, -Initrange, Initrange);
            Init.Uniform(Fc.Weight.Data, g, -Initrange, Initrange);
            Init.Zeros(Fc.Bias!.Data);
        }

        public Variable Forward(IndexTensor text, IndexTensor offsets)
        {
            var embedded = Embedding.Forward(text, offsets);
            return Fc.Forward(embedded);
        }
    }

    [Fact]
    public void Training_follows_torch_step_by_step()
    {
        var golden = AutogradGolden.Load("tutorial_text_classification.json");
        var config = golden.GetProperty("config");
        var model = new TextClassificationModel(config.GetProperty("vocab").GetInt64(), config.GetProperty("emsize").GetInt32(),
            config.GetProperty("num_class").GetInt32(), new Generator(0));
        AssertBits(golden.GetProperty("init"), model);

        var criterion = new CrossEntropyLoss();
        var optimizer = new Sgd(model.Parameters(), new SgdOptions { Lr = config.GetProperty("lr").GetDouble() });
        var scheduler = new StepLR(optimizer, 1, gamma: 0.1);
        var epoch = 1;
        var step = 0;
        foreach (var s in golden.GetProperty("steps").EnumerateArray())
        {
            if (s.GetProperty("epoch").GetInt32() != epoch)
            {
                scheduler.Step();
                epoch++;
            }

            Assert.Equal(s.GetProperty("lr").GetDouble(), optimizer.ParameterGroups[0].Lr);
            var (label, text, offsets) = (AutogradGolden.Indices(s.GetProperty("label")), AutogradGolden.Indices(s.GetProperty("text")),
                AutogradGolden.Indices(s.GetProperty("offsets")));
            optimizer.ZeroGrad();
            var predictedLabel = model.Forward(text, offsets);
            var loss = criterion.Forward(predictedLabel, label);
            loss.Backward();
            var totalNorm = GradientClipping.ClipGradNorm(model.Parameters(), 0.1);
            optimizer.Step();

            // Cross-entropy's exp/log (SLEEF in torch, .NET here) differ by about an ulp; the weights then drift by
            // rounding over the steps: a relative 1e-5 bound on the loss and norm at every step (measured worst loss
            // deviation over the 36 steps: 2.1e-7 relative).
            var expectedLoss = AutogradGolden.Floats(s.GetProperty("loss")).AsSpan()[0];
            var expectedNorm = AutogradGolden.Floats(s.GetProperty("total_norm")).AsSpan()[0];
            Assert.True(Math.Abs(loss.Data.AsSpan()[0] - expectedLoss) <= 1e-5 * Math.Abs(expectedLoss), $"step {step}: loss {loss.Data.AsSpan()[0]:R}, torch {expectedLoss:R}");
            Assert.True(Math.Abs(totalNorm - expectedNorm) <= 1e-5 * Math.Abs(expectedNorm), $"step {step}: norm {totalNorm:R}, torch {expectedNorm:R}");
            step++;
        }

        Assert.Equal(golden.GetProperty("steps").GetArrayLength(), step);
        AssertClose(golden.GetProperty("final"), model, 1e-5);
    }

    private static void AssertBits(System.Text.Json.JsonElement expected, Module model)
    {
        foreach (var (name, p) in model.NamedParameters())
        {
            Assert.Equal(AutogradGolden.Floats(expected.GetProperty(name)).ToArray(), p.Data.ToArray());
        }
    }

    private static void AssertClose(System.Text.Json.JsonElement expected, Module model, double tolerance)
    {
        foreach (var (name, p) in model.NamedParameters())
        {
            var want = AutogradGolden.Floats(expected.GetProperty(name)).ToArray();
            var got = p.Data.ToArray();
            for (var i = 0; i < want.Length; i++)
            {
                Assert.True(Math.Abs(got[i] - want[i]) <= tolerance * Math.Max(1, Math.Abs(want[i])), $"{name}[{i}]: {got[i]:R}, torch {want[i]:R}");
            }
        }
    }
}
