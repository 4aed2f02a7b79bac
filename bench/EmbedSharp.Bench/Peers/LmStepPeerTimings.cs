using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EmbedSharp.Autograd;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Training;
using EmbedSharp.Training.Optimizers;
using EmbedSharp.Training.Schedules;

namespace EmbedSharp.Bench.Peers;

/// <summary>
/// The C# side of bench/peers/lm_step_vs_torch.py: one training step of the issue-15 language model (the model of
/// bench/peers/lm_step_torch.py: 2 pre-norm decoder blocks, d_model 128, 4 heads, ffn 512, context 64, batch 16,
/// vocab 4000, tied embeddings, exact GELU, dropout 0). One step = ZeroGrad + forward + cross-entropy + backward +
/// ClipGradNorm(1.0) + AdamW step (lr 3e-3, betas (0.9, 0.95), weight decay 0.1) + warm-up/cosine schedule step.
/// Token batches are drawn before timing. The thread count is the process's: the library splits work over at most
/// <see cref="WorkSplit.MaxParts"/> = <see cref="Environment.ProcessorCount"/> parts, which the driver sets through
/// the runtime's DOTNET_PROCESSOR_COUNT. Prints one JSON line: median/min/max ms per step over the timed steps, and
/// bytes allocated per step after warm-up (this thread's and the whole process's, deltas over the timed steps / steps).
/// Arguments: [steps (30)] [warmup (5)] [exact|fused: the matrix products' rounding, <see cref="MatMulPrecision"/>].
/// </summary>
internal static class LmStepPeerTimings
{
    internal const int Vocab = 4000, D = 128, Heads = 4, Ffn = 512, Ctx = 64, Batch = 16, Layers = 2;

    /// <summary>The LM as in lm_step_torch.py, with the library's modules.</summary>
    internal sealed class Lm : Module
    {
        private readonly IndexTensor _positions;

        public Lm(IRandomSource g)
        {
            Tok = RegisterModule("tok", new Embedding(Vocab, D, g));
            Pos = RegisterModule("pos", new Embedding(Ctx, D, g));
            Blocks = RegisterModule("layers", new ModuleList<DecoderOnlyBlock>(Enumerable.Range(0, Layers).Select(_ => new DecoderOnlyBlock(D, Heads, Ffn, g))));
            Lnf = RegisterModule("lnf", new LayerNorm(D));
            _positions = new IndexTensor([.. Enumerable.Range(0, Ctx).Select(i => (long)i)], Ctx);
        }

        public Embedding Tok { get; }

        public Embedding Pos { get; }

        public ModuleList<DecoderOnlyBlock> Blocks { get; }

        public LayerNorm Lnf { get; }

        public Variable Forward(IndexTensor ids)
        {
            var h = Ops.Add(Tok.Forward(ids), Pos.Forward(_positions));
            foreach (var block in Blocks)
            {
                h = block.Forward(h);
            }

            return F.Linear(Lnf.Forward(h), Tok.Weight); // tied output projection
        }
    }

    /// <summary>A model, its optimizer and schedule, and <c>count</c> random batches (ids, flattened targets).</summary>
    internal sealed class Setup
    {
        public Setup(int count)
        {
            Model = new Lm(new Generator(0));
            Optimizer = new AdamW(Model.Parameters(), new AdamOptions { Lr = 3e-3, Beta1 = 0.9, Beta2 = 0.95, Eps = 1e-8, WeightDecay = 0.1 });
            Schedule = new WarmupCosineLR(Optimizer, warmupSteps: 5, totalSteps: 1000, minFactor: 0.1, startFactor: 0.2);
            var rng = new Random(0);
            Ids = new IndexTensor[count];
            Targets = new IndexTensor[count];
            for (var i = 0; i < count; i++)
            {
                var ids = new long[Batch * Ctx];
                var targets = new long[Batch * Ctx];
                for (var j = 0; j < ids.Length; j++)
                {
                    ids[j] = rng.Next(Vocab);
                    targets[j] = rng.Next(Vocab);
                }

                Ids[i] = new IndexTensor(ids, Batch, Ctx);
                Targets[i] = new IndexTensor(targets, Batch * Ctx);
            }
        }

        public Lm Model { get; }

        public AdamW Optimizer { get; }

        public WarmupCosineLR Schedule { get; }

        public IndexTensor[] Ids { get; }

        public IndexTensor[] Targets { get; }

        public float Step(int i)
        {
            Model.ZeroGrad();
            var loss = F.CrossEntropy(Ops.Reshape(Model.Forward(Ids[i]), -1, Vocab), Targets[i]);
            loss.Backward();
            GradientClipping.ClipGradNorm(Model.Parameters(), 1.0);
            Optimizer.Step();
            Schedule.Step();
            return loss.Data.AsSpan()[0];
        }
    }

    public static void Run(string[] args)
    {
        var steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
        var warmup = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var fused = args.Length > 2 && args[2] == "fused";
        using var precision = fused ? MatMulPrecision.UseFused() : default(MatMulPrecision.FusedScope?);
        var setup = new Setup(warmup + steps);
        float loss = 0;
        for (var i = 0; i < warmup; i++)
        {
            loss = setup.Step(i);
        }

        var times = new double[steps];
        var thread0 = GC.GetAllocatedBytesForCurrentThread();
        var total0 = GC.GetTotalAllocatedBytes(true);
        var gc0 = GC.CollectionCount(0);
        var gc2 = GC.CollectionCount(2);
        var pause0 = GC.GetTotalPauseDuration();
        var faults0 = MinorFaults();
        for (var i = 0; i < steps; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            loss = setup.Step(warmup + i);
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }

        var threadBytes = (GC.GetAllocatedBytesForCurrentThread() - thread0) / (double)steps;
        var totalBytes = (GC.GetTotalAllocatedBytes(true) - total0) / (double)steps;
        var gen0 = GC.CollectionCount(0) - gc0;
        var gen2 = GC.CollectionCount(2) - gc2;
        var pauseMs = (GC.GetTotalPauseDuration() - pause0).TotalMilliseconds / steps;
        var faults = (MinorFaults() - faults0) / (double)steps;
        Array.Sort(times);
        var median = steps % 2 == 1 ? times[steps / 2] : (times[(steps / 2) - 1] + times[steps / 2]) / 2;
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["threads"] = WorkSplit.MaxParts,
            ["matmul"] = fused ? "fused" : "exact",
            ["ms_per_step"] = Math.Round(median, 3),
            ["ms_min"] = Math.Round(times[0], 3),
            ["ms_max"] = Math.Round(times[^1], 3),
            ["steps"] = steps,
            ["warmup"] = warmup,
            ["alloc_thread_bytes_per_step"] = Math.Round(threadBytes),
            ["alloc_total_bytes_per_step"] = Math.Round(totalBytes),
            ["gen0_collections"] = gen0,
            ["gen2_collections"] = gen2,
            ["gc_pause_ms_per_step"] = Math.Round(pauseMs, 3),
            ["minor_faults_per_step"] = Math.Round(faults),
            ["last_loss"] = loss,
            ["params"] = setup.Model.Parameters().Sum(p => p.Value.Length),
        }));
    }

    /// <summary>The process's minor page faults so far (field 10 of /proc/self/stat), or 0 where that file does not exist.</summary>
    private static long MinorFaults()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[7], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
