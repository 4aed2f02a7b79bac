using System.Text.Json;
using EmbedSharp.Bench.Peers;
using EmbedSharp.Numerics;

namespace EmbedSharp.Bench.Numerics;

/// <summary>
/// Times <see cref="Gemm.Multiply(GemmMode, bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int, int, bool)"/>
/// (C = A·B, row-major, α = 1, β = 0) on the cases of bench/peers/gemm_vs_openblas.py, on 1 thread and on all cores,
/// with the peers' protocol (warm-up of at least 3 calls and 0.2 s, then the median); prints one JSON object of GFLOP/s
/// (2·m·n·k / seconds / 1e9) keyed "name/threads".
/// </summary>
internal static class GemmPeerTimings
{
    /// <summary>(name, m, n, k): the squares and three tall-skinny shapes of a Linear layer's forward and backward.</summary>
    public static readonly (string Name, int M, int N, int K)[] Cases =
    [
        ("sq64", 64, 64, 64),
        ("sq256", 256, 256, 256),
        ("sq512", 512, 512, 512),
        ("sq1024", 1024, 1024, 1024),
        ("tall_4096x64_k256", 4096, 64, 256),
        ("wide_64x4096_k256", 64, 4096, 256),
        ("deep_64x64_k4096", 64, 64, 4096),
    ];

    public static void Run(string[] args)
    {
        var only = args.Length > 0 ? args[0] : null;
        var results = new Dictionary<string, double>();
        foreach (var (name, m, n, k) in Cases)
        {
            if (only is not null && only != name)
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

            foreach (var threads in new[] { 1, WorkSplit.MaxParts })
            {
                var seconds = EmbeddingPeerTimings.Median(() =>
                    Gemm.Multiply(GemmMode.Fast, false, false, m, n, k, 1f, a, k, b, n, 0f, c, n, threads));
                results[$"{name}/{threads}"] = 2.0 * m * n * k / seconds / 1e9;
            }
        }

        Console.WriteLine(JsonSerializer.Serialize(results));
    }
}
