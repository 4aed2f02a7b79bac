using System.Diagnostics;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Bench.Initialization;

/// <summary>
/// Where orthogonal_'s time goes (issue 18): per-phase medians of Cholesky QR's one-pass path with the AVX2 and the
/// AVX-512 kernels, alternated in one process so both see the same load, next to the normal draw and whole calls.
/// </summary>
internal static class OrthogonalPhases
{
    /// <summary>Arguments: shapes such as <c>300x300</c>; <c>--reps R</c> (default 41) calls per kernel, alternated;
    /// <c>--threads T</c> (default all cores).</summary>
    public static void Run(string[] args)
    {
        var reps = 41;
        var threads = WorkSplit.MaxParts;
        var shapes = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--reps")
            {
                reps = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else if (args[i] == "--threads")
            {
                threads = int.Parse(args[++i], CultureInfo.InvariantCulture);
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

        Console.WriteLine($"load {File.ReadAllText("/proc/loadavg").Trim()}; {threads} thread(s); AVX-512F {System.Runtime.Intrinsics.X86.Avx512F.IsSupported}");
        using var limit = KernelThreads.Limit(threads);
        foreach (var shape in shapes)
        {
            var dims = shape.Split('x').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            var (rows, cols) = (dims[0], dims[1]);
            var t = new FloatTensor(rows, cols);
            var g = new Generator(0UL) { Build = PyTorchBuild.NoMkl };
            var kernels = new[] { false, true };
            var phases = new double[kernels.Length][][];
            var totals = new double[kernels.Length][];
            var whole = new double[kernels.Length][];
            var draw = new double[reps];
            for (var k = 0; k < kernels.Length; k++)
            {
                phases[k] = new double[CholeskyQr.PhaseNames.Length][];
                for (var p = 0; p < phases[k].Length; p++)
                {
                    phases[k][p] = new double[reps];
                }

                totals[k] = new double[reps];
                whole[k] = new double[reps];
            }

            var lap = new double[CholeskyQr.PhaseNames.Length];
            for (var r = -3; r < reps; r++) // three warm-up rounds
            {
                var sw = Stopwatch.StartNew();
                g.Normal(t, 0.0, 1.0);
                if (r >= 0)
                {
                    draw[r] = sw.Elapsed.TotalSeconds;
                }

                for (var k = 0; k < kernels.Length; k++)
                {
                    g.Normal(t, 0.0, 1.0);
                    Array.Clear(lap);
                    CholeskyQr.TimePhases(t.AsSpan(), rows, cols, threads, kernels[k], lap);
                    g.Normal(t, 0.0, 1.0);
                    sw.Restart();
                    CholeskyQr.TryOrthonormalFactor(t.AsSpan(), rows, cols, threads, 0, kernels[k]);
                    var total = sw.Elapsed.TotalSeconds;
                    if (r >= 0)
                    {
                        totals[k][r] = total;
                        for (var p = 0; p < lap.Length; p++)
                        {
                            phases[k][p][r] = lap[p];
                        }
                    }
                }
            }

            Console.WriteLine($"{shape}: normal draw {Ms(draw)}");
            for (var p = 0; p < CholeskyQr.PhaseNames.Length; p++)
            {
                Console.WriteLine($"  {CholeskyQr.PhaseNames[p],-13} avx2 {Ms(phases[0][p])}  avx512 {Ms(phases[1][p])}");
            }

            Console.WriteLine($"  {"sum of phases",-13} avx2 {Ms(SumMedians(phases[0]))}  avx512 {Ms(SumMedians(phases[1]))}");
            Console.WriteLine($"  {"whole QR",-13} avx2 {Ms(totals[0])}  avx512 {Ms(totals[1])}");
            var orth = new double[reps];
            for (var r = -3; r < reps; r++)
            {
                var sw = Stopwatch.StartNew();
                Init.Orthogonal(t, g);
                if (r >= 0)
                {
                    orth[r] = sw.Elapsed.TotalSeconds;
                }
            }

            Console.WriteLine($"  {"orthogonal_",-13} {Ms(orth)} (draw + QR, the library's choice of kernel); load {File.ReadAllText("/proc/loadavg").Trim()}");
        }
    }

    /// <summary>Hashes (XxHash64 of the float bits) of Cholesky QR's output over shapes, seeds, forced passes, thread
    /// counts and both kernels, one line each: run before and after a change to see that no bit moved.</summary>
    public static void Hashes(string[] args)
    {
        int[][] shapes =
        [
            [16, 16], [17, 16], [16, 17], [40, 23], [23, 40], [64, 64], [100, 37], [37, 100], [129, 129], [300, 300], [1001, 61],
            [61, 1001], [257, 250], [96, 96], [97, 97], [200, 131], [131, 200], [512, 512], [3000, 300], [300, 3000], [45, 44],
        ];
        foreach (var s in shapes)
        {
            for (var seed = 1UL; seed <= 2; seed++)
            {
                foreach (var passes in new[] { 0, 1, 2 })
                {
                    foreach (var threads in new[] { 1, 2 })
                    {
                        foreach (var wide in new[] { false, true })
                        {
                            var data = new float[s[0] * s[1]];
                            new Generator(seed).Normal(FloatTensor.FromArray(data, s[0], s[1]), 0.0, 1.0);
                            var ok = CholeskyQr.TryOrthonormalFactor(data, s[0], s[1], threads, passes, wide);
                            var hash = XxHash64.HashToUInt64(MemoryMarshal.AsBytes(data.AsSpan()));
                            Console.WriteLine($"{s[0]}x{s[1]} seed {seed} passes {passes} threads {threads} avx512 {wide}: {ok} {hash:x16}");
                        }
                    }
                }
            }
        }
    }

    private static double[] SumMedians(double[][] phases)
    {
        var sum = 0.0;
        foreach (var p in phases)
        {
            sum += Median(p);
        }

        return [sum];
    }

    private static double Median(double[] values)
    {
        var copy = (double[])values.Clone();
        Array.Sort(copy);
        return copy[copy.Length / 2];
    }

    private static string Ms(double[] values) => $"{Median(values) * 1e3,8:F3} ms";
}
