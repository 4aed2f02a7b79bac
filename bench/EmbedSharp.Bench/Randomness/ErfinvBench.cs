using BenchmarkDotNet.Attributes;
using EmbedSharp.Randomness;

namespace EmbedSharp.Bench.Randomness;

/// <summary>
/// <see cref="SpecialFunctions.Erfinv(ReadOnlySpan{float}, Span{float})"/> on 1M floats drawn like trunc_normal_'s
/// uniform_(2l−1, 2u−1) for a = −2, b = 2 (|y| ≤ 0.9545). Compare: torch.erfinv on a 1M float32 tensor.
/// <c>Erfinv1M</c> is the span method (staged 16-lane blocks on AVX-512, else the Vector256 path); <c>Erfinv1MScalar</c> is the
/// scalar <see cref="SpecialFunctions.Erfinv(float)"/> in a loop, the span method's previous implementation.
/// </summary>
[MemoryDiagnoser]
public class ErfinvBench
{
    private const int N = 1_000_000;
    private readonly float[] _source = new float[N];
    private readonly float[] _destination = new float[N];

    [GlobalSetup]
    public void Setup()
    {
        // A fixed low-discrepancy fill: no RNG needed for a timing input.
        const float hi = 0.9544997f;
        for (var i = 0; i < N; i++)
        {
            var u = (float)((i * 0.6180339887498949) % 1.0);
            _source[i] = ((2f * u) - 1f) * hi;
        }
    }

    [Benchmark]
    public void Erfinv1M() => SpecialFunctions.Erfinv(_source, _destination);

    [Benchmark(Baseline = true)]
    public void Erfinv1MScalar()
    {
        var source = _source;
        var destination = _destination;
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = SpecialFunctions.Erfinv(source[i]);
        }
    }

    [Benchmark]
    public float Erf1M()
    {
        var sum = 0f;
        foreach (var y in _source)
        {
            sum += SpecialFunctions.Erf(y * 2f);
        }

        return sum;
    }
}
