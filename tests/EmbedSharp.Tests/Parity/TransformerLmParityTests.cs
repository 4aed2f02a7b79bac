using System.Text.Json;
using EmbedSharp.Autograd;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Training;
using EmbedSharp.Training.Optimizers;
using EmbedSharp.Training.Schedules;

namespace EmbedSharp.Tests.Parity;

/// <summary>
/// The whole-model check of issue 15: the 2-layer Transformer language model of tools/goldens/make_lm.py (tied
/// embeddings, learned positions, pre-norm decoder blocks with causal attention, exact GELU), written here with the
/// library's modules, loaded from torch's initial state and trained 20 steps of AdamW with warm-up + cosine and
/// clip_grad_norm_(1.0) on the same batches. Every step's loss is compared with torch 1.13's.
/// </summary>
public sealed class TransformerLmParityTests
{
    /// <summary>The model in the tutorial's words: embedding → Transformer blocks → tied output projection.</summary>
    private sealed class TinyLm : Module
    {
        public TinyLm(int vocab, int context, int d, int heads, int ffn, int layers, IRandomSource g)
        {
            Tok = RegisterModule("tok", new Embedding(vocab, d, g));
            Pos = RegisterModule("pos", new Embedding(context, d, g));
            Layers = RegisterModule("layers", new ModuleList<DecoderOnlyBlock>(Enumerable.Range(0, layers).Select(_ => new DecoderOnlyBlock(d, heads, ffn, g))));
            Lnf = RegisterModule("lnf", new LayerNorm(d));
        }

        public Embedding Tok { get; }

        public Embedding Pos { get; }

        public ModuleList<DecoderOnlyBlock> Layers { get; }

        public LayerNorm Lnf { get; }

        public Variable Forward(IndexTensor ids)
        {
            var length = ids.Shape[1];
            var positions = new IndexTensor([.. Enumerable.Range(0, (int)length).Select(i => (long)i)], length);
            var h = Ops.Add(Tok.Forward(ids), Pos.Forward(positions));
            foreach (var layer in Layers)
            {
                h = layer.Forward(h);
            }

            return F.Linear(Lnf.Forward(h), Tok.Weight); // tied: the table is the output projection
        }
    }

    private static readonly Lazy<JsonElement> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "autograd", "lm.json"))).RootElement);

    [Fact]
    public void Twenty_AdamW_steps_give_torchs_losses()
    {
        var root = Golden.Value;
        var config = root.GetProperty("config");
        int C(string name) => config.GetProperty(name).GetInt32();
        var vocab = root.GetProperty("vocab_size").GetInt32();
        var model = new TinyLm(vocab, C("context"), C("d_model"), C("heads"), C("ffn"), C("layers"), new Generator(0));
        var init = root.GetProperty("init");
        model.LoadStateDict(init.EnumerateObject().ToDictionary(p => p.Name, p => Decode(p.Value), StringComparer.Ordinal));

        var optimizer = new AdamW(model.Parameters(), new AdamOptions { Lr = 3e-3, Beta1 = 0.9, Beta2 = 0.95, Eps = 1e-8, WeightDecay = 0.1 });
        var schedule = new WarmupCosineLR(optimizer, warmupSteps: 5, totalSteps: 20, minFactor: 0.1, startFactor: 0.2);
        foreach (var step in root.GetProperty("steps").EnumerateArray())
        {
            var ids = DecodeIds(step.GetProperty("ids"));
            var targets = DecodeIds(step.GetProperty("targets"));
            model.ZeroGrad();
            var logits = model.Forward(ids);
            var loss = F.CrossEntropy(Ops.Reshape(logits, -1, vocab), new IndexTensor(targets.AsSpan().ToArray(), targets.Length));
            loss.Backward();
            var norm = GradientClipping.ClipGradNorm(model.Parameters(), 1.0);
            optimizer.Step();
            schedule.Step();

            var want = step.GetProperty("loss_value").GetDouble();
            var got = loss.Data.AsSpan()[0];
            var relative = Math.Abs(got - want) / Math.Abs(want);
            // Tolerance: torch's own float32 run differs from its float64 run by up to 2.7e-7 relative over these 20
            // steps; ours differs from torch's float32 run where an op is within a tolerance instead of bit-exact
            // (softmax, the broadcast position gradient), and the difference grows with training.
            Assert.True(relative <= 1e-6, $"step {step.GetProperty("step").GetInt32()}: loss {got:R}, torch {want:R} (relative {relative:E2}); total norm {norm:R}, torch {step.GetProperty("total_norm64").GetDouble():R}");
        }
    }

    private static FloatTensor Decode(JsonElement e) => AutogradGolden.Floats(e);

    private static IndexTensor DecodeIds(JsonElement e) => AutogradGolden.Indices(e);
}
