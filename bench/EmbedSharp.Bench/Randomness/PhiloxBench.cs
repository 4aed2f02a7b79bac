using BenchmarkDotNet.Attributes;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Bench.Randomness;

/// <summary>
/// Fills a 50000 × 300 float32 table (15M elements, the peer is <c>torch.empty(50000, 300).uniform_()</c>, which runs
/// MT19937 on one thread in torch 1.13). Compares the parallel Philox tensor fill, a one-thread Philox fill, the
/// portable (non-AVX2) Philox path and the PyTorch-exact MT19937 fill.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[MemoryDiagnoser]
public class PhiloxBench
{
    private readonly FloatTensor _table = new(50_000, 300); // (N, D) row-major
    private readonly PhiloxGenerator _parallel = new(42);
    private readonly PhiloxGenerator _oneThread = new(42) { MaxDegreeOfParallelism = 1 };
    private readonly PhiloxGenerator _portable = new(42) { MaxDegreeOfParallelism = 1, UseAvx2 = false };
    private readonly Generator _mt = new(42UL);

    [Benchmark(Baseline = true)]
    public void UniformParallel() => _parallel.Uniform(_table, -0.1f, 0.1f);

    [Benchmark]
    public void UniformOneThread() => _oneThread.Uniform(_table, -0.1f, 0.1f);

    [Benchmark]
    public void UniformOneThreadPortable() => _portable.Uniform(_table, -0.1f, 0.1f);

    [Benchmark]
    public void NormalParallel() => _parallel.Normal(_table, 0f, 0.02f);

    [Benchmark]
    public void NormalOneThread() => _oneThread.Normal(_table, 0f, 0.02f);

    [Benchmark]
    public void UniformMt19937() => Distributions.Uniform(_mt, _table, -0.1, 0.1);

    [Benchmark]
    public void NormalMt19937() => Distributions.Normal(_mt, _table, 0.0, 0.02);
}
