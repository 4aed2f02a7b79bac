using BenchmarkDotNet.Attributes;
using EmbedSharp.Numerics;

namespace EmbedSharp.Bench.Numerics;

/// <summary>C = A·B (row-major, α = 1, β = 0) on square sizes and a tall-skinny Linear-like shape, on 1 thread and on all
/// cores. Short runs: <c>dotnet run -c Release --project bench/EmbedSharp.Bench -- --filter '*GemmBench*' --job short</c>.
/// GFLOP/s = 2·m·n·k / time.</summary>
[MemoryDiagnoser]
public class GemmBench
{
    private float[] _a = null!;
    private float[] _b = null!;
    private float[] _c = null!;

    /// <summary>"m×n×k".</summary>
    [Params("64x64x64", "256x256x256", "1024x1024x1024", "4096x64x256")]
    public string Shape { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    private int M => int.Parse(Shape.Split('x')[0], System.Globalization.CultureInfo.InvariantCulture);

    private int N => int.Parse(Shape.Split('x')[1], System.Globalization.CultureInfo.InvariantCulture);

    private int K => int.Parse(Shape.Split('x')[2], System.Globalization.CultureInfo.InvariantCulture);

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        _a = new float[M * K];
        _b = new float[K * N];
        _c = new float[M * N];
        for (var i = 0; i < _a.Length; i++)
        {
            _a[i] = (float)rng.NextDouble();
        }

        for (var i = 0; i < _b.Length; i++)
        {
            _b[i] = (float)rng.NextDouble();
        }
    }

    [Benchmark]
    public void Sgemm() => Gemm.Multiply(GemmMode.Fast, false, false, M, N, K, 1f, _a, K, _b, N, 0f, _c, N, Threads);
}
