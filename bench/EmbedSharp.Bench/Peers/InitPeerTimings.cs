using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Bench.Peers;

/// <summary>
/// Times every scheme on the shapes that bench/peers/init_vs_torch.py times PyTorch on, with the same protocol
/// (warm-up, then the median of repeated runs into a preallocated tensor), and prints one JSON object.
/// </summary>
internal static class InitPeerTimings
{
    public static readonly string[] Schemes = ["uniform", "normal", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "trunc_normal", "orthogonal", "sparse"];

    /// <summary>Arguments: shapes such as <c>300x300</c>, optionally <c>--schemes a,b</c> to time only those schemes and
    /// <c>--cpu-time</c> to report process CPU seconds per call instead of the median wall time.</summary>
    public static void Run(string[] args)
    {
        var schemes = Schemes;
        var cpuTime = false;
        var shapeArgs = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--cpu-time")
            {
                cpuTime = true;
            }
            else if (args[i] == "--schemes" && i + 1 < args.Length)
            {
                schemes = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries);
            }
            else
            {
                shapeArgs.Add(args[i]);
            }
        }

        var shapes = shapeArgs.Count > 0 ? shapeArgs.ToArray() : ["300x300", "512x512", "50000x300"];
        var results = new Dictionary<string, double>();
        foreach (var s in shapes)
        {
            var dims = s.Split('x').Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            var t = new FloatTensor(dims);
            foreach (var scheme in schemes)
            {
                var g = new Generator(0UL) { Build = PyTorchBuild.NoMkl }; // the peer is Debian's torch, built without MKL
                results[$"{scheme}/{s}/torch-exact"] = cpuTime ? CpuSecondsPerCall(() => Apply(scheme, t, g)) : Median(() => Apply(scheme, t, g), dims);
                if (scheme is "uniform" or "normal")
                {
                    var p = new PhiloxGenerator(0UL);
                    results[$"{scheme}/{s}/parallel"] = cpuTime ? CpuSecondsPerCall(() => Apply(scheme, t, p)) : Median(() => Apply(scheme, t, p), dims);
                }
            }
        }

        Console.WriteLine(JsonSerializer.Serialize(results));
    }

    internal static void Apply(string scheme, FloatTensor t, IRandomSource g)
    {
        switch (scheme)
        {
            case "uniform": Init.Uniform(t, g); break;
            case "normal": Init.Normal(t, g); break;
            case "xavier_uniform": Init.XavierUniform(t, g); break;
            case "xavier_normal": Init.XavierNormal(t, g); break;
            case "kaiming_uniform": Init.KaimingUniform(t, g); break;
            case "kaiming_normal": Init.KaimingNormal(t, g); break;
            case "trunc_normal": Init.TruncNormal(t, g); break;
            case "orthogonal": Init.Orthogonal(t, g); break;
            case "sparse": Init.Sparse(t, g, 0.1); break;
            default: throw new ArgumentException(scheme);
        }
    }

    /// <summary>
    /// Process CPU seconds per call (every thread's time, spin-waits included), averaged over calls until 0.5 s of
    /// CPU time has passed, after the usual warm-up. On a shared, loaded machine this is steadier than wall time;
    /// for multi-threaded code it is the total work, not the latency.
    /// </summary>
    private static double CpuSecondsPerCall(Action action)
    {
        for (var i = 0; i < 3; i++)
        {
            action();
        }

        var process = System.Diagnostics.Process.GetCurrentProcess();
        process.Refresh();
        var before = process.TotalProcessorTime;
        var calls = 0;
        TimeSpan spent;
        do
        {
            action();
            calls++;
            process.Refresh();
            spent = process.TotalProcessorTime - before;
        }
        while (spent.TotalSeconds < 0.5);

        return spent.TotalSeconds / calls;
    }

    /// <summary>Median seconds of repeated calls; fewer repeats for the slow cases so a run stays in minutes.</summary>
    private static double Median(Action action, long[] dims) => Median(action, dims.Aggregate(1L, (a, b) => a * b));

    /// <summary>init_vs_torch.py's protocol: warm-up of at least 3 calls and 0.2 s, then the median of 21 calls (5 from a
    /// million elements on).</summary>
    internal static double Median(Action action, long elements)
    {
        // Warm-up (JIT tiers, page faults): at least 3 calls and 0.2 s, the same rule as the Python side.
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < 3 || warm.Elapsed.TotalSeconds < 0.2; i++)
        {
            action();
        }

        var reps = elements >= 1_000_000 ? 5 : 21;
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
