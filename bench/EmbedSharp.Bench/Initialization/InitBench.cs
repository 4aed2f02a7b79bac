using BenchmarkDotNet.Attributes;
using EmbedSharp.Bench.Peers;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Bench.Initialization;

/// <summary>Micro-benchmarks of every PyTorch-exact scheme on the peer comparison's shapes.</summary>
[MemoryDiagnoser]
public class InitBench
{
    private FloatTensor _tensor = null!;
    private Generator _generator = null!;

    [Params("300x300", "512x512", "50000x300")]
    public string Shape { get; set; } = "300x300";

    [ParamsSource(nameof(SchemeNames))]
    public string Scheme { get; set; } = "uniform";

    public static IEnumerable<string> SchemeNames => InitPeerTimings.Schemes;

    [GlobalSetup]
    public void Setup()
    {
        _tensor = new FloatTensor(Shape.Split('x').Select(long.Parse).ToArray());
        _generator = new Generator(0UL);
    }

    [Benchmark]
    public void Fill() => InitPeerTimings.Apply(Scheme, _tensor, _generator);
}
