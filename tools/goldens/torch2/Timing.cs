// Timing commands of the libtorch 2.10 harness (peer timings for bench/peers/*.py; not goldens).
//
//   time-embedding <case> <threads> <out.json>
//       The same cases, ops and protocol as bench/peers/embedding_vs_torch.py (which calls this with --torch2):
//       case emb_50k_x300_idx32x128 | emb_1m_x128_idx65536 | bagmean_100k_x128_4096x50; torch.set_num_threads(threads);
//       ops forward (under no_grad), backward_dense, backward_sparse (weight gradient from a fixed upstream gradient,
//       starting from no gradient), train_sgd, train_adam, train_sgd_sparse (zero_grad(set_to_none), forward,
//       mse_loss against a fixed target, backward, step). SparseAdam is not in TorchSharp, so train_sparseadam is absent.
//       Protocol: warm-up of at least 3 calls and 0.2 s, then the median of 31 calls (7 when a call takes over 50 ms).
//       Output: {"name/op": seconds, ..., "threads": n, "torch": version}.
using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

internal static class Timing
{
    public static void Embedding(string name, int threads, string outPath)
    {
        torch.set_num_threads(threads);
        var (rows, dim, shape, bag) = name switch
        {
            "emb_50k_x300_idx32x128" => (50_000L, 300L, new long[] { 32, 128 }, false),
            "emb_1m_x128_idx65536" => (1_000_000L, 128L, new long[] { 65_536 }, false),
            "bagmean_100k_x128_4096x50" => (100_000L, 128L, new long[] { 4096, 50 }, true),
            _ => throw new ArgumentException($"unknown case {name}"),
        };
        var results = new Dictionary<string, object>();
        torch.manual_seed(0);
        var idx = torch.randint(0, rows, shape, dtype: ScalarType.Int64);
        foreach (var sparse in new[] { false, true })
        {
            nn.Module<Tensor, Tensor> m = bag
                ? new BagMean(rows, dim, sparse)
                : nn.Embedding(rows, dim, sparse: sparse);
            var w = m.parameters().First();
            if (!sparse)
            {
                results[$"{name}/forward"] = MedianTime(() =>
                {
                    using var scope = torch.NewDisposeScope();
                    using var noGrad = torch.no_grad();
                    m.forward(idx);
                });
            }

            var y = m.forward(idx);
            var g = torch.full_like(y, 0.01);
            results[$"{name}/backward_{(sparse ? "sparse" : "dense")}"] = MedianTime(() =>
            {
                using var scope = torch.NewDisposeScope();
                w.grad = null;
                y.backward([g], retain_graph: true);
            });
            var target = torch.full_like(y, 0.5);
            var opts = sparse
                ? new (string, optim.Optimizer)[] { ("train_sgd_sparse", optim.SGD([w], 0.01)) }
                : [("train_sgd", optim.SGD([w], 0.01)), ("train_adam", optim.Adam([w]))];
            foreach (var (key, opt) in opts)
            {
                results[$"{name}/{key}"] = MedianTime(() =>
                {
                    using var scope = torch.NewDisposeScope();
                    w.grad = null; // opt.zero_grad(set_to_none=True)
                    var loss = nn.functional.mse_loss(m.forward(idx), target);
                    loss.backward();
                    opt.step();
                });
                w.grad = null;
            }
        }

        results["threads"] = torch.get_num_threads();
        results["torch"] = "libtorch 2.10.0 (TorchSharp-cpu 0.107.0)";
        File.WriteAllText(outPath, JsonSerializer.Serialize(results));
    }

    /// <summary>nn.EmbeddingBag(rows, dim, mode='mean', sparse) called with a 2-D input (one bag per row), as the Python
    /// bench calls it.</summary>
    private sealed class BagMean : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor?, Tensor?, Tensor> _bag;

        public BagMean(long rows, long dim, bool sparse)
            : base("BagMean")
        {
            _bag = nn.EmbeddingBag(rows, dim, mode: EmbeddingBagMode.Mean, sparse: sparse);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => _bag.forward(input, null, null);
    }

    private static double MedianTime(Action fn)
    {
        var start = Stopwatch.GetTimestamp();
        var calls = 0;
        while (calls < 3 || Stopwatch.GetElapsedTime(start).TotalSeconds < 0.2)
        {
            fn();
            calls++;
        }

        var perCall = Stopwatch.GetElapsedTime(start).TotalSeconds / calls;
        var reps = perCall > 0.05 ? 7 : 31;
        var times = new double[reps];
        for (var i = 0; i < reps; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            fn();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }

        Array.Sort(times);
        return times[reps / 2];
    }
}
