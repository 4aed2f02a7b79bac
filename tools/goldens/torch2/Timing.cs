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
//   time-init <scheme> <rows> <cols> <threads> <out.json>
//       torch.nn.init's uniform_, normal_, trunc_normal_ (mean 0, std 1, a -2, b 2: uniform_(2l-1, 2u-1), erfinv_,
//       mul_(sqrt 2), add_(0), clamp_(-2, 2), as torch/nn/init.py) or orthogonal_ (gain 1) on a preallocated
//       rows x cols float32 tensor; the protocol of bench/peers/init_vs_torch.py (warm-up of at least 3 calls and
//       0.2 s, median of 21 calls, 5 from a million elements). Output: {"scheme/RxC": seconds, "threads": n}.
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

    public static void Init(string scheme, long rows, long cols, int threads, string outPath)
    {
        torch.set_num_threads(threads);
        torch.manual_seed(0);
        var t = torch.empty([rows, cols], dtype: ScalarType.Float32);
        const double L = 0.022750131948179195; // norm_cdf(-2) = (1 + erf(-2 / sqrt 2)) / 2
        const double U = 0.97724986805182079; // norm_cdf(2)
        Action call = scheme switch
        {
            "uniform" => () => t.uniform_(-1, 1),
            "normal" => () => t.normal_(0, 1),
            "trunc_normal" => () =>
            {
                t.uniform_((2 * L) - 1, (2 * U) - 1);
                t.erfinv_();
                t.mul_(Math.Sqrt(2.0));
                t.add_(0.0);
                t.clamp_(-2.0, 2.0);
            },
            "orthogonal" => () =>
            {
                using var scope = torch.NewDisposeScope();
                Program.Orthogonal(t, 1.0);
            },
            _ => throw new ArgumentException($"unknown scheme {scheme}"),
        };
        double seconds;
        using (torch.no_grad())
        {
            seconds = MedianTime(call, rows * cols >= 1_000_000 ? 5 : 21);
        }

        var results = new Dictionary<string, object>
        {
            [$"{scheme}/{rows}x{cols}"] = seconds,
            ["threads"] = torch.get_num_threads(),
            ["torch"] = "libtorch 2.10.0 (TorchSharp-cpu 0.107.0)",
        };
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

    private static double MedianTime(Action fn, int? repetitions = null)
    {
        var start = Stopwatch.GetTimestamp();
        var calls = 0;
        while (calls < 3 || Stopwatch.GetElapsedTime(start).TotalSeconds < 0.2)
        {
            fn();
            calls++;
        }

        var perCall = Stopwatch.GetElapsedTime(start).TotalSeconds / calls;
        var reps = repetitions ?? (perCall > 0.05 ? 7 : 31);
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
