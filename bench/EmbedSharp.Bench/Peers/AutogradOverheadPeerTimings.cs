using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EmbedSharp.Autograd;
using EmbedSharp.Numerics;

namespace EmbedSharp.Bench.Peers;

/// <summary>
/// The C# side of bench/peers/autograd_overhead_torch.py: the per-op cost on 4×4 float32 tensors in ns, with the same
/// protocol (warm-up of min(iters, 1000) calls, then the median over <c>repeats</c> of loop time / iters):
/// add, mul, matmul on inputs without grad inside <see cref="Grad.Disable"/> and on inputs that require grad (the op
/// records a node), and chain10 = forward + backward of
/// y = ((((x + b) * w) @ m).tanh() - b).sigmoid() * w; y = (y @ m).relu().exp(); y.sum().backward()
/// (iters / 10 loops). Run with DOTNET_PROCESSOR_COUNT=1 to match torch's one thread (4×4 never splits anyway).
/// Arguments: [iters (20000)] [repeats (5)]. Prints one JSON object.
/// </summary>
internal static class AutogradOverheadPeerTimings
{
    private static Variable s_sink = null!;

    public static void Run(string[] args)
    {
        var iters = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20000;
        var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var rng = new Random(0);
        FloatTensor Rand(float scale, params long[] shape)
        {
            var t = new FloatTensor(shape);
            var s = t.AsSpan();
            for (var i = 0; i < s.Length; i++)
            {
                s[i] = scale * (float)((rng.NextDouble() * 2) - 1);
            }

            return t;
        }

        var x = new Variable(Rand(1, 4, 4));
        var y = new Variable(Rand(1, 4, 4));
        var xg = new Variable(x.Data.Clone(), requiresGrad: true);
        var yg = new Variable(y.Data.Clone(), requiresGrad: true);
        var res = new Dictionary<string, object>
        {
            ["shape"] = new[] { 4, 4 },
            ["iters"] = iters,
            ["repeats"] = repeats,
            ["threads"] = WorkSplit.MaxParts,
        };
        using (Grad.Disable())
        {
            res["add_nograd_ns"] = PerOpNs(() => s_sink = Ops.Add(x, y), iters, repeats);
            res["mul_nograd_ns"] = PerOpNs(() => s_sink = Ops.Mul(x, y), iters, repeats);
            res["matmul_nograd_ns"] = PerOpNs(() => s_sink = Ops.MatMul(x, y), iters, repeats);
        }

        res["add_grad_ns"] = PerOpNs(() => s_sink = Ops.Add(xg, yg), iters, repeats);
        res["mul_grad_ns"] = PerOpNs(() => s_sink = Ops.Mul(xg, yg), iters, repeats);
        res["matmul_grad_ns"] = PerOpNs(() => s_sink = Ops.MatMul(xg, yg), iters, repeats);

        var leaf = new Variable(Rand(1, 4, 4), requiresGrad: true);
        var w = new Variable(Rand(1, 4, 4), requiresGrad: true);
        var b = new Variable(Rand(1, 4), requiresGrad: true);
        var m = new Variable(Rand(0.3f, 4, 4), requiresGrad: true);
        void Chain()
        {
            var t = Ops.Mul(Ops.Sigmoid(Ops.Sub(Ops.Tanh(Ops.MatMul(Ops.Mul(Ops.Add(leaf, b), w), m)), b)), w);
            t = Ops.Exp(Ops.Relu(Ops.MatMul(t, m)));
            Ops.Sum(t).Backward();
        }

        var chainIters = Math.Max(1, iters / 10);
        res["chain10_fwd_bwd_ns"] = PerOpNs(Chain, chainIters, repeats);
        res["chain10_iters"] = chainIters;
        GC.KeepAlive(s_sink);
        Console.WriteLine(JsonSerializer.Serialize(res));
    }

    private static double PerOpNs(Action fn, int iters, int repeats)
    {
        for (var i = 0; i < Math.Min(iters, 1000); i++)
        {
            fn();
        }

        var runs = new double[repeats];
        for (var r = 0; r < repeats; r++)
        {
            var t0 = Stopwatch.GetTimestamp();
            for (var i = 0; i < iters; i++)
            {
                fn();
            }

            runs[r] = Stopwatch.GetElapsedTime(t0).TotalNanoseconds / iters;
        }

        Array.Sort(runs);
        var median = repeats % 2 == 1 ? runs[repeats / 2] : (runs[(repeats / 2) - 1] + runs[repeats / 2]) / 2; // as statistics.median
        return Math.Round(median, 1);
    }
}
