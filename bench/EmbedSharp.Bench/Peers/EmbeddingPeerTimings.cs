using System.Diagnostics;
using System.Text.Json;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Training.Losses;
using EmbedSharp.Training.Optimizers;

namespace EmbedSharp.Bench.Peers;

/// <summary>
/// Times Embedding / EmbeddingBag forward, backward and whole training steps on the cases that
/// bench/peers/embedding_vs_torch.py times PyTorch on, with the same protocol (warm-up of at least 3 calls and 0.2 s,
/// then the median of repeats), plus the machine's random-gather bandwidth; prints one JSON object (seconds, and
/// GB/s for the "gbps" keys).
/// </summary>
internal static class EmbeddingPeerTimings
{
    public static readonly string[] Ops =
        ["forward", "backward_dense", "backward_sparse", "train_sgd", "train_adam", "train_sgd_sparse", "train_sparseadam"];

    /// <summary>(name, table rows, dim, index rows, index columns, bag mode).</summary>
    public static readonly (string Name, long Rows, int Dim, int N0, int N1, bool Bag)[] Cases =
    [
        ("emb_50k_x300_idx32x128", 50_000, 300, 32, 128, false),
        ("emb_1m_x128_idx65536", 1_000_000, 128, 65_536, 1, false),
        ("bagmean_100k_x128_4096x50", 100_000, 128, 4096, 50, true),
    ];

    public static void Run(string[] args)
    {
        var only = args.Length > 0 ? args[0] : null;
        var results = new Dictionary<string, double>();
        foreach (var c in Cases)
        {
            if (only is not null && c.Name != only)
            {
                continue;
            }

            var rng = new Random(1234);
            var n = c.N0 * c.N1;
            var idx = new long[n];
            for (var i = 0; i < n; i++)
            {
                idx[i] = rng.NextInt64(c.Rows);
            }

            var indices = new IndexTensor(idx, c.Bag ? [c.N0, c.N1] : (c.N1 == 1 ? [c.N0] : [c.N0, c.N1]));
            var gen = new Generator(0UL);
            if (!c.Bag)
            {
                var gather = GatherSeconds(c.Rows, c.Dim, idx);
                var bytes = (double)n * c.Dim * sizeof(float);
                results[$"{c.Name}/gather"] = gather;
                results[$"{c.Name}/gather_gbps"] = bytes / gather / 1e9;
                RunEmbedding(c.Name, c.Rows, c.Dim, indices, gen, results);
                results[$"{c.Name}/forward_gbps"] = bytes / results[$"{c.Name}/forward"] / 1e9;
            }
            else
            {
                RunBag(c.Name, c.Rows, c.Dim, indices, gen, results);
            }

            GC.Collect();
        }

        Console.WriteLine(JsonSerializer.Serialize(results));
    }

    /// <summary>The simplest gather: one row copy (memmove) per index into a buffer, on one thread.</summary>
    private static double GatherSeconds(long rows, int dim, long[] idx)
    {
        var table = new float[rows * dim];
        table.AsSpan().Fill(1f);
        var buffer = new float[idx.Length * dim];
        return Median(() =>
        {
            for (var i = 0; i < idx.Length; i++)
            {
                Array.Copy(table, idx[i] * dim, buffer, (long)i * dim, dim);
            }
        });
    }

    private static void RunEmbedding(string name, long rows, int dim, IndexTensor indices, Generator gen, Dictionary<string, double> results)
    {
        var n = indices.Length;
        var idx = indices.AsSpan().ToArray();
        var outShape = new long[indices.Rank + 1];
        indices.Shape.CopyTo(outShape);
        outShape[^1] = dim;
        var output = new FloatTensor(outShape);
        var target = new FloatTensor(outShape);
        target.Fill(0.5f);
        var grad = new FloatTensor(outShape);
        grad.Fill(0.01f);
        var mse = new MseLoss();
        var dOut = new FloatTensor(outShape);
        foreach (var sparse in new[] { false, true })
        {
            var emb = new Embedding(rows, dim, gen, new EmbeddingOptions { Sparse = sparse });
            if (!sparse)
            {
                // the public allocation-free kernel (DESIGN rule 6: the caller's destination), into a reused buffer
                results[$"{name}/forward"] = Median(() => EmbeddingFunctions.Lookup(emb.Weight.Value, idx, output.AsSpan()));
                using (EmbedSharp.Autograd.Grad.Disable())
                {
                    // the public call, as PyTorch's m(idx) under no_grad: a fresh output tensor per call, disposed as
                    // PyTorch frees its output when the last reference goes, and then left to the garbage collector
                    results[$"{name}/forward_api"] = Median(() => emb.Forward(indices).Dispose());
                    results[$"{name}/forward_api_kept"] = Median(() => emb.Forward(indices));
                }

                ReadCeiling(name, emb.Weight.Value, idx, results);
            }

            results[$"{name}/backward_{(sparse ? "sparse" : "dense")}"] = Median(() =>
            {
                emb.Weight.ZeroGrad();
                emb.Backward(indices, grad); // sparse: borrows grad, as PyTorch's sparse gradient is a view of it
            });
            Optimizer[] optimizers = sparse
                ? [new Sgd([emb.Weight], new SgdOptions { Lr = 0.01 }), new SparseAdam([emb.Weight])]
                : [new Sgd([emb.Weight], new SgdOptions { Lr = 0.01 }), new Adam([emb.Weight], new AdamOptions())];
            string[] keys = sparse ? ["train_sgd_sparse", "train_sparseadam"] : ["train_sgd", "train_adam"];
            for (var o = 0; o < optimizers.Length; o++)
            {
                var opt = optimizers[o];
                emb.Weight.ZeroGrad();
                results[$"{name}/{keys[o]}"] = Median(() =>
                {
                    opt.ZeroGrad();
                    emb.Forward(idx, output.AsSpan());
                    mse.Backward(output, target, null, dOut);
                    emb.Backward(indices, dOut);
                    opt.Step();
                });
            }

            emb.Weight.ZeroGrad();
        }

        _ = n;
    }

    private static void RunBag(string name, long rows, int dim, IndexTensor indices, Generator gen, Dictionary<string, double> results)
    {
        var bags = indices.Shape[0];
        var target = new FloatTensor(bags, dim);
        target.Fill(0.5f);
        var grad = new FloatTensor(bags, dim);
        grad.Fill(0.01f);
        var mse = new MseLoss();
        var dOut = new FloatTensor(bags, dim);
        var result = new EmbeddingBagResult();
        foreach (var sparse in new[] { false, true })
        {
            var bag = new EmbeddingBag(rows, dim, gen, new EmbeddingBagOptions { Mode = EmbeddingBagMode.Mean, Sparse = sparse });
            if (!sparse)
            {
                // the public allocation-free kernel (DESIGN rule 6), one bag per input row as PyTorch's 2-D input
                var flat = indices.AsSpan().ToArray();
                var perBag = (int)indices.Shape[1];
                var offsets = new long[bags];
                for (var b = 0; b < bags; b++)
                {
                    offsets[b] = (long)b * perBag;
                }

                var destination = new float[bags * dim];
                var bagSizes = new int[bags];
                results[$"{name}/forward"] = Median(() => EmbeddingFunctions.BagForward(bag.Weight.Value, flat, offsets, false,
                    EmbeddingBagMode.Mean, default, null, destination, default, bagSizes));
                using (EmbedSharp.Autograd.Grad.Disable())
                {
                    results[$"{name}/forward_api"] = Median(() => bag.Forward(indices).Dispose());
                    results[$"{name}/forward_api_kept"] = Median(() => bag.Forward(indices));
                }

                var idx = indices.AsSpan().ToArray();
                results[$"{name}/forward_gbps"] = (double)idx.Length * dim * sizeof(float) / results[$"{name}/forward"] / 1e9;
                ReadCeiling(name, bag.Weight.Value, idx, results);
            }

            bag.Forward(indices, null, null, result);
            results[$"{name}/backward_{(sparse ? "sparse" : "dense")}"] = Median(() =>
            {
                bag.Weight.ZeroGrad();
                bag.Backward(result, grad);
            });
            Optimizer[] optimizers = sparse
                ? [new Sgd([bag.Weight], new SgdOptions { Lr = 0.01 }), new SparseAdam([bag.Weight])]
                : [new Sgd([bag.Weight], new SgdOptions { Lr = 0.01 }), new Adam([bag.Weight], new AdamOptions())];
            string[] keys = sparse ? ["train_sgd_sparse", "train_sparseadam"] : ["train_sgd", "train_adam"];
            for (var o = 0; o < optimizers.Length; o++)
            {
                var opt = optimizers[o];
                bag.Weight.ZeroGrad();
                results[$"{name}/{keys[o]}"] = Median(() =>
                {
                    opt.ZeroGrad();
                    bag.Forward(indices, null, null, result);
                    mse.Backward(result.Output, target, null, dOut);
                    bag.Backward(result, dOut);
                    opt.Step();
                });
            }

            bag.Weight.ZeroGrad();
        }
    }

    /// <summary>The random-read ceiling on the forward's table and indices, timed right after the forward (the
    /// bandwidth of this VM moves from minute to minute).</summary>
    private static void ReadCeiling(string name, FloatTensor table, long[] idx, Dictionary<string, double> results)
    {
        var seconds = RandomReadCeiling.Seconds(table, idx);
        results[$"{name}/read_ceiling"] = seconds;
        results[$"{name}/read_ceiling_gbps"] = (double)idx.Length * table.RowLength * sizeof(float) / seconds / 1e9;
    }

    /// <summary>Median seconds of repeated calls after a warm-up of at least 3 calls and 0.2 s (the Python side's rule).</summary>
    internal static double Median(Action action)
    {
        var warm = Stopwatch.StartNew();
        var calls = 0;
        for (; calls < 3 || warm.Elapsed.TotalSeconds < 0.2; calls++)
        {
            action();
        }

        var perCall = warm.Elapsed.TotalSeconds / calls;
        var reps = perCall > 0.05 ? 7 : 31;
        var times = new double[reps];
        for (var i = 0; i < reps; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times[i] = sw.Elapsed.TotalSeconds;
        }

        Array.Sort(times);
        return times[reps / 2];
    }
}
