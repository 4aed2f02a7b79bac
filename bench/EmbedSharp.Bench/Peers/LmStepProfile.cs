using System.Diagnostics;
using System.Globalization;
using EmbedSharp.Autograd;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Training;

namespace EmbedSharp.Bench.Peers;

/// <summary>
/// A stopwatch profile of the LM step of <see cref="LmStepPeerTimings"/> (issue 15, task 3): (1) the step's phases
/// (zero_grad, forward, cross-entropy, backward, clip, AdamW + schedule), median over the timed steps; (2) each op kind
/// of the model alone at the model's shapes, forward and backward (from a fixed upstream gradient, inputs requiring
/// grad), median ms per call, times the number of calls per step, so that the kinds can be ranked by their share of a
/// step. Prints plain text. Arguments: [steps (20)] [warmup (3)].
/// </summary>
internal static class LmStepProfile
{
    private const int B = LmStepPeerTimings.Batch, L = LmStepPeerTimings.Ctx, D = LmStepPeerTimings.D;

    public static void Run(string[] args)
    {
        var steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        var warmup = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        Console.WriteLine($"threads (WorkSplit.MaxParts) = {WorkSplit.MaxParts}");
        Phases(steps, warmup);
        Kinds(steps, warmup);
    }

    private static void Phases(int steps, int warmup)
    {
        var setup = new LmStepPeerTimings.Setup(warmup + steps);
        string[] names = ["zero_grad", "forward", "cross_entropy", "backward", "clip_grad_norm", "adamw+schedule"];
        var t = new double[names.Length][];
        for (var p = 0; p < names.Length; p++)
        {
            t[p] = new double[steps];
        }

        for (var i = 0; i < warmup + steps; i++)
        {
            var r = i - warmup;
            var s = Stopwatch.GetTimestamp();
            setup.Model.ZeroGrad();
            s = Lap(t, 0, r, s);
            var logits = setup.Model.Forward(setup.Ids[i]);
            s = Lap(t, 1, r, s);
            var loss = F.CrossEntropy(Ops.Reshape(logits, -1, LmStepPeerTimings.Vocab), setup.Targets[i]);
            s = Lap(t, 2, r, s);
            loss.Backward();
            s = Lap(t, 3, r, s);
            GradientClipping.ClipGradNorm(setup.Model.Parameters(), 1.0);
            s = Lap(t, 4, r, s);
            setup.Optimizer.Step();
            setup.Schedule.Step();
            Lap(t, 5, r, s);
        }

        Console.WriteLine("phase                 median ms");
        var total = 0.0;
        for (var p = 0; p < names.Length; p++)
        {
            var m = Median(t[p]);
            total += m;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{names[p],-20} {m,10:F3}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"sum of medians",-20} {total,10:F3}"));
    }

    private static long Lap(double[][] t, int phase, int r, long start)
    {
        var now = Stopwatch.GetTimestamp();
        if (r >= 0)
        {
            t[phase][r] = Stopwatch.GetElapsedTime(start, now).TotalMilliseconds;
        }

        return now;
    }

    private static void Kinds(int steps, int warmup)
    {
        var g = new Generator(1);
        var rng = new Random(1);
        FloatTensor Rand(params long[] shape)
        {
            var x = new FloatTensor(shape);
            var s = x.AsSpan();
            for (var i = 0; i < s.Length; i++)
            {
                s[i] = (float)((rng.NextDouble() * 2) - 1);
            }

            return x;
        }

        var ln = new LayerNorm(D);
        var mha = new MultiheadAttention(D, LmStepPeerTimings.Heads, g, batchFirst: true);
        var fc1 = new Linear(D, LmStepPeerTimings.Ffn, g);
        var fc2 = new Linear(LmStepPeerTimings.Ffn, D, g);
        var tok = new Embedding(LmStepPeerTimings.Vocab, D, g);
        var causal = MultiheadAttention.CausalMask(L);
        var h = Rand(B, L, D);
        var wide = Rand(B, L, LmStepPeerTimings.Ffn);
        var logits = Rand(B * L, LmStepPeerTimings.Vocab);
        var targets = new long[B * L];
        for (var i = 0; i < targets.Length; i++)
        {
            targets[i] = rng.Next(LmStepPeerTimings.Vocab);
        }

        var targetIdx = new IndexTensor(targets, B * L);
        var ids = new IndexTensor([.. targets], B, L);

        // (name, calls per step, forward of a fresh leaf)
        (string Name, int Calls, FloatTensor Input, Func<Variable, Variable> Fwd)[] kinds =
        [
            ("layer_norm (16,64,128)", 5, h, ln.Forward),
            ("multihead_attention causal", 2, h, x => mha.Forward(x, x, x, causal)),
            ("linear fc1 128->512", 2, h, fc1.Forward),
            ("gelu (16,64,512)", 2, wide, x => Ops.Gelu(x)),
            ("linear fc2 512->128", 2, wide, fc2.Forward),
            ("add residual (16,64,128)", 5, h, x => Ops.Add(x, x)),
            ("linear head 128->4000 tied", 1, h, x => F.Linear(x, tok.Weight)),
            ("cross_entropy (1024,4000)", 1, logits, x => F.CrossEntropy(x, targetIdx)),
            ("  mha: transpose (16,64,128) 0,1", 4, h, x => Ops.Transpose(x, 0, 1)),
            ("  mha: split (64,16,384) 3x", 2, Rand(L, B, 3 * D), x => Ops.Split(x, D, 2)[0]),
            ("  mha: reshape+transpose q/k/v", 6, Rand(L, B, D), x => Ops.Transpose(Ops.Reshape(x, L, B * 4, D / 4), 0, 1)),
            ("  mha: div (64,64,32)", 2, Rand(B * 4, L, D / 4), x => Ops.Div(x, 5.656854f)),
            ("  mha: softmax (64,64,64)", 2, Rand(B * 4, L, L), x => Ops.Softmax(x, -1)),
        ];
        Console.WriteLine("op kind                         calls  fwd ms/call  bwd ms/call  ms/step (fwd+bwd)*calls");
        foreach (var (name, calls, input, fwd) in kinds)
        {
            var (f, bw) = TimeKind(input, fwd, steps, warmup);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-32}{calls,5}{f,13:F3}{bw,13:F3}{(f + bw) * calls,14:F3}"));
        }

        // the embedding lookups (token table gradient included)
        var (ef, eb) = TimeKind(null, _ => tok.Forward(ids), steps, warmup, tok);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"embedding tok (16,64)",-32}{1,5}{ef,13:F3}{eb,13:F3}{ef + eb,14:F3}"));
    }

    private static (double Fwd, double Bwd) TimeKind(FloatTensor? input, Func<Variable, Variable> fwd, int steps, int warmup, Module? zero = null)
    {
        var f = new double[steps];
        var b = new double[steps];
        FloatTensor? upstream = null;
        for (var i = 0; i < warmup + steps; i++)
        {
            zero?.ZeroGrad();
            var x = new Variable(input ?? new FloatTensor(1), requiresGrad: input is not null);
            var t0 = Stopwatch.GetTimestamp();
            var y = fwd(x);
            var t1 = Stopwatch.GetTimestamp();
            if (upstream is null)
            {
                upstream = new FloatTensor(y.Shape);
                upstream.Fill(1e-3f);
            }

            y.Backward(upstream);
            var t2 = Stopwatch.GetTimestamp();
            if (i >= warmup)
            {
                f[i - warmup] = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
                b[i - warmup] = Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
            }
        }

        return (Median(f), Median(b));
    }

    private static double Median(double[] v)
    {
        var s = (double[])v.Clone();
        Array.Sort(s);
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
    }
}
