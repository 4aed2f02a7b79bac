using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Bench.Randomness;

/// <summary>
/// <c>trunc-normal-vs-torch2 [--rounds R] [--threads 1,2] [shapes...]</c>: our default (<see cref="PyTorchBuild.Mkl"/>)
/// <c>Init.TruncNormal</c> against libtorch 2.10's <c>trunc_normal_</c> (tools/goldens/torch2/run.sh time-init, the
/// official MKL build) in alternating rounds: per round and shape, ours in this process, then libtorch in a child
/// process at each thread count. Both sides use init_vs_torch.py's protocol (warm-up of at least 3 calls and 0.2 s, then
/// the median of 21 calls, 5 from a million elements on). Prints every round and the medians; the ratio is libtorch's
/// best thread count of the round divided by ours (above 1: we are faster). Also times our parts (uniform_, the MKL
/// erfinv alone, the <see cref="PyTorchBuild.NoMkl"/> path) so a change can be located.
/// </summary>
internal static class TruncNormalMklTimings
{
    public static void Run(string[] args)
    {
        var rounds = 3;
        int[] threads = [1, 2];
        var shapes = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--rounds" && i + 1 < args.Length)
            {
                rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else if (args[i] == "--threads" && i + 1 < args.Length)
            {
                threads = [.. args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            }
            else
            {
                shapes.Add(args[i]);
            }
        }

        if (shapes.Count == 0)
        {
            shapes.AddRange(["300x300", "512x512", "50000x300"]);
        }

        var runSh = Path.Combine(FindRoot(), "tools", "goldens", "torch2", "run.sh");
        var ratios = shapes.ToDictionary(s => s, _ => new List<double>());
        Console.WriteLine($"{Environment.ProcessorCount} cores; {rounds} rounds; load {File.ReadAllText("/proc/loadavg").Trim()}");
        for (var r = 0; r < rounds; r++)
        {
            foreach (var s in shapes)
            {
                var dims = s.Split('x').Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
                var t = new FloatTensor(dims);
                var g = new Generator(0UL);
                var ours = Peers.InitPeerTimings.Median(() => Init.TruncNormal(t, g), t.Length);
                var noMkl = new Generator(0UL) { Build = PyTorchBuild.NoMkl };
                var oursNoMkl = Peers.InitPeerTimings.Median(() => Init.TruncNormal(t, noMkl), t.Length);
                var uniform = Peers.InitPeerTimings.Median(() => g.Uniform(t, -0.9545, 0.9545), t.Length);
                g.Uniform(t, -0.9545, 0.9545);
                var source = t.ToArray();
                var erfinv = Peers.InitPeerTimings.Median(() => ErfinvAll(source, t), t.Length);
                var torch = threads.Select(n => (Threads: n, Seconds: TimeTorch2(runSh, dims, n))).ToArray();
                var best = torch.MinBy(x => x.Seconds);
                ratios[s].Add(best.Seconds / ours);
                Console.WriteLine(
                    $"round {r + 1} {s}: ours {ours * 1e3:F3} ms (uniform_ {uniform * 1e3:F3}, MKL erfinv 1T {erfinv * 1e3:F3}, no-MKL path {oursNoMkl * 1e3:F3}); " +
                    $"libtorch 2.10 {string.Join(", ", torch.Select(x => $"{x.Threads}T {x.Seconds * 1e3:F3} ms"))}; ratio {best.Seconds / ours:F2}");
            }
        }

        foreach (var s in shapes)
        {
            var list = ratios[s];
            list.Sort();
            Console.WriteLine($"{s}: median ratio (libtorch best / ours) {list[list.Count / 2]:F2} over {list.Count} rounds [{string.Join(" ", list.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))}]");
        }
    }

    /// <summary>The MKL erfinv alone, on one thread, from <paramref name="source"/> into <paramref name="t"/>.</summary>
    private static void ErfinvAll(float[] source, FloatTensor t)
    {
        var offset = 0;
        for (var c = 0; c < t.ChunkCount; c++)
        {
            var span = t.Chunk(c);
            ErfinvMkl.Erfinv(source.AsSpan(offset, span.Length), span);
            offset += span.Length;
        }
    }

    private static double TimeTorch2(string runSh, long[] dims, int threads)
    {
        var output = Path.Combine(Path.GetTempPath(), $"trunc-normal-torch2-{Environment.ProcessId}.json");
        var info = new ProcessStartInfo("bash", [runSh, "time-init", "trunc_normal", dims[0].ToString(CultureInfo.InvariantCulture),
            dims[1].ToString(CultureInfo.InvariantCulture), threads.ToString(CultureInfo.InvariantCulture), output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using (var p = Process.Start(info) ?? throw new InvalidOperationException("could not start run.sh"))
        {
            p.StandardOutput.ReadToEnd();
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException($"run.sh time-init failed: {err}");
            }
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(output));
        File.Delete(output);
        return doc.RootElement.GetProperty($"trunc_normal/{dims[0]}x{dims[1]}").GetDouble();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EmbedSharp.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("EmbedSharp.slnx not found above the bench binary.");
    }
}
