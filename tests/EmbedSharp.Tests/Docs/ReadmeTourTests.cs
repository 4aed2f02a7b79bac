using EmbedSharp.Autograd;
using EmbedSharp.Initialization;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Training;
using EmbedSharp.Training.Optimizers;
using EmbedSharp.Training.Schedules;

namespace EmbedSharp.Tests.Docs;

/// <summary>The README's "Train your own model" example, line for line (keep the two in step): a character-level
/// language model written in the user's own words trains with <c>loss.Backward()</c>, and its loss falls.</summary>
public sealed class ReadmeTourTests
{
    [Fact]
    public void The_readme_language_model_trains_and_its_loss_falls()
    {
        const string text = "it was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness";
        var vocab = text.Distinct().Order().ToArray();                    // characters as tokens
        long[] tokens = [.. text.Select(c => (long)Array.IndexOf(vocab, c))];

        var g = new Generator(seed: 0);
        var model = new TinyLm(vocab.Length, context: 16, d: 32, heads: 4, layers: 2, g);
        var optimizer = new AdamW(model.Parameters(), new AdamOptions { Lr = 3e-3, WeightDecay = 0.1 });
        var schedule = new WarmupCosineLR(optimizer, warmupSteps: 10, totalSteps: 200, minFactor: 0.1);

        var losses = new List<float>();
        for (var step = 0; step < 200; step++)
        {
            var (ids, targets) = Batch(tokens, batch: 8, context: 16, g);
            optimizer.ZeroGrad();
            var logits = model.Forward(ids);                              // (8, 16, V)
            var loss = F.CrossEntropy(Ops.Reshape(logits, -1, vocab.Length), targets);
            loss.Backward();
            GradientClipping.ClipGradNorm(model.Parameters(), maxNorm: 1.0);
            optimizer.Step();
            schedule.Step();
            losses.Add(loss.Data.AsSpan()[0]);
        }

        // ln(V) ≈ 3.0 at the start; the text is memorised well below 1 nat per character by the end.
        Assert.InRange(losses[0], 2.5f, 3.6f);
        Assert.True(losses.TakeLast(10).Average() < 1.0f, $"the last losses average {losses.TakeLast(10).Average()}");
    }

    private static (IndexTensor Ids, IndexTensor Targets) Batch(long[] tokens, int batch, int context, Generator g)
    {
        var ids = new long[batch * context];
        var targets = new long[batch * context];
        for (var b = 0; b < batch; b++)
        {
            var start = (int)(g.NextDouble() * (tokens.Length - context - 1));
            tokens.AsSpan(start, context).CopyTo(ids.AsSpan(b * context));
            tokens.AsSpan(start + 1, context).CopyTo(targets.AsSpan(b * context));
        }

        return (new IndexTensor(ids, batch, context), new IndexTensor(targets, batch * context));
    }

    /// <summary>Embedding → Transformer blocks → the same table as output projection (tied weights).</summary>
    private sealed class TinyLm : Module
    {
        private readonly Embedding _tok;
        private readonly Embedding _pos;
        private readonly ModuleList<DecoderOnlyBlock> _blocks;
        private readonly LayerNorm _norm;

        public TinyLm(int vocab, int context, int d, int heads, int layers, Generator g)
        {
            _tok = RegisterModule("tok", new Embedding(vocab, d, g));
            _pos = RegisterModule("pos", new Embedding(context, d, g));
            _blocks = RegisterModule("blocks", new ModuleList<DecoderOnlyBlock>(
                Enumerable.Range(0, layers).Select(_ => new DecoderOnlyBlock(d, heads, 4 * d, g))));
            _norm = RegisterModule("norm", new LayerNorm(d));
            Init.Normal(_tok.Weight.Value, g, std: 0.02);                 // GPT-2's init: small logits at the start
            Init.Normal(_pos.Weight.Value, g, std: 0.02);
        }

        public Variable Forward(IndexTensor ids)
        {
            var positions = new IndexTensor([.. Enumerable.Range(0, (int)ids.Shape[1]).Select(i => (long)i)], ids.Shape[1]);
            var h = _tok.Forward(ids) + _pos.Forward(positions);          // (B, L, d)
            foreach (var block in _blocks)
            {
                h = block.Forward(h);                                     // causal self-attention + MLP
            }

            return F.Linear(_norm.Forward(h), _tok.Weight);               // tied: logits = h · Eᵀ
        }
    }
}
