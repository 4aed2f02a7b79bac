using System.Diagnostics;
using System.Text.Json;
using EmbedSharp.Numerics;

namespace EmbedSharp.Bench.Numerics;

/// <summary>
/// Times <see cref="Gemm.Multiply(GemmMode, bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int, int, bool)"/>
/// (C = A·B, row-major, α = 1, β = 0) in both modes on the cases of bench/peers/gemm_vs_openblas.py, on 1 thread and on
/// all cores, with the peers' protocol (warm-up of at least 3 calls and 0.2 s, then the median of 31 calls, 7 when a call
/// takes over 50 ms); prints one JSON object of GFLOP/s (2·m·n·k / seconds / 1e9) keyed "name/mode/threads", and for one
/// thread also per second of process CPU time ("name/mode/1/cpu": on a shared machine, time spent descheduled is not
/// counted), and the fastest of the timed calls ("name/mode/threads/best": on a shared machine, the rate when the cores
/// happened to be free, for comparing two builds). Before the first case every mode and thread count runs for a while, so that no case pays for the JIT.
/// Arguments: optional comma-separated case names (default: all).
/// </summary>
internal static class GemmPeerTimings
{
    /// <summary>(name, m, n, k): squares 32 … 2048 and the tall-skinny shapes of Linear layers' forward and backward.</summary>
    public static readonly (string Name, int M, int N, int K)[] Cases =
    [
        ("sq32", 32, 32, 32),
        ("sq64", 64, 64, 64),
        ("sq128", 128, 128, 128),
        ("sq256", 256, 256, 256),
        ("sq512", 512, 512, 512),
        ("sq1024", 1024, 1024, 1024),
        ("sq2048", 2048, 2048, 2048),
        ("ts_1024x128_k384", 1024, 128, 384),
        ("ts_1024x384_k128", 1024, 384, 128),
        ("ts_1024x128_k4000", 1024, 128, 4000),
        ("ts_4000x128_k1024", 4000, 128, 1024),
    ];

    public static void Run(string[] args)
    {
        var only = args.Length > 0 ? new HashSet<string>(args[0].Split(',')) : null;
        var results = new Dictionary<string, double>();
        WarmUp();
        foreach (var (name, m, n, k) in Cases)
        {
            if (only is not null && !only.Contains(name))
            {
                continue;
            }

            var rng = new Random(1);
            var a = new float[m * k];
            var b = new float[k * n];
            var c = new float[m * n];
            for (var i = 0; i < a.Length; i++)
            {
                a[i] = (float)rng.NextDouble();
            }

            for (var i = 0; i < b.Length; i++)
            {
                b[i] = (float)rng.NextDouble();
            }

            foreach (var mode in new[] { GemmMode.Exact, GemmMode.Fast })
            {
                foreach (var threads in new[] { 1, WorkSplit.MaxParts })
                {
                    var (seconds, cpu, best) = Median(() => Gemm.Multiply(mode, false, false, m, n, k, 1f, a, k, b, n, 0f, c, n, threads));
                    var key = $"{name}/{mode.ToString().ToLowerInvariant()}/{threads}";
                    results[key] = 2.0 * m * n * k / seconds / 1e9;
                    results[key + "/best"] = 2.0 * m * n * k / best / 1e9;
                    if (threads == 1)
                    {
                        results[key + "/cpu"] = 2.0 * m * n * k / cpu / 1e9;
                    }
                }
            }
        }

        Console.WriteLine(JsonSerializer.Serialize(results));
    }

    /// <summary>Every mode and thread count on a 256³ product for 0.3 s each, so the JIT's work is done before timing.</summary>
    private static void WarmUp()
    {
        const int S = 256;
        var (a, b, c) = (new float[S * S], new float[S * S], new float[S * S]);
        a.AsSpan().Fill(0.5f);
        b.AsSpan().Fill(0.25f);
        foreach (var mode in new[] { GemmMode.Exact, GemmMode.Fast })
        {
            foreach (var threads in new[] { 1, WorkSplit.MaxParts })
            {
                var sw = Stopwatch.StartNew();
                while (sw.Elapsed.TotalSeconds < 0.3)
                {
                    Gemm.Multiply(mode, false, false, S, S, S, 1f, a, S, b, S, 0f, c, S, threads);
                }
            }
        }
    }

    /// <summary>The peers' protocol (as EmbeddingPeerTimings.Median): warm-up of at least 3 calls and 0.2 s, then the median
    /// of 31 calls (7 when a call takes over 50 ms); also the process CPU time per call over those calls, and the fastest call.</summary>
    private static (double Seconds, double CpuSeconds, double Best) Median(Action action)
    {
        var warm = Stopwatch.StartNew();
        var calls = 0;
        for (; calls < 3 || warm.Elapsed.TotalSeconds < 0.2; calls++)
        {
            action();
        }

        var reps = warm.Elapsed.TotalSeconds / calls > 0.05 ? 7 : 31;
        var times = new double[reps];
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        for (var i = 0; i < reps; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times[i] = sw.Elapsed.TotalSeconds;
        }

        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds / reps;
        Array.Sort(times);
        return (times[reps / 2], cpu, times[0]);
    }
}
