using BenchmarkDotNet.Attributes;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;

namespace EmbedSharp.Bench.Nn;

/// <summary>The embedding kernels on their own: lookup, dense backward, bag forward (mean) and bag dense backward,
/// on a 100k × 128 table with random indices (bags of 50).</summary>
[MemoryDiagnoser]
public class EmbeddingBench
{
    private const long Rows = 100_000;
    private const int Dim = 128;
    private FloatTensor _table = null!;
    private FloatTensor _grad = null!;
    private long[] _indices = null!;
    private long[] _offsets = null!;
    private float[] _output = null!;
    private float[] _gradOutput = null!;
    private float[] _bagOutput = null!;
    private int[] _bagSizes = null!;

    [Params(4096, 65536)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(7);
        _table = new FloatTensor(Rows, Dim);
        _table.Fill(0.5f);
        _grad = new FloatTensor(Rows, Dim);
        _indices = new long[N];
        for (var i = 0; i < N; i++)
        {
            _indices[i] = rng.NextInt64(Rows);
        }

        _offsets = new long[N / 50];
        for (var b = 0; b < _offsets.Length; b++)
        {
            _offsets[b] = b * 50L;
        }

        _output = new float[N * Dim];
        _gradOutput = new float[N * Dim];
        _gradOutput.AsSpan().Fill(0.01f);
        _bagOutput = new float[_offsets.Length * Dim];
        _bagSizes = new int[_offsets.Length];
    }

    [Benchmark]
    public void Lookup() => EmbeddingFunctions.Lookup(_table, _indices, _output);

    [Benchmark]
    public void DenseBackward() => EmbeddingFunctions.DenseBackward(_indices, _gradOutput, null, false, default, _grad);

    [Benchmark]
    public void BagForwardMean() => EmbeddingFunctions.BagForward(_table, _indices, _offsets, false, EmbeddingBagMode.Mean, default, null,
        _bagOutput, default, _bagSizes);

    [Benchmark]
    public void BagDenseBackwardMean() => EmbeddingFunctions.BagDenseBackward(_indices, _offsets, false, EmbeddingBagMode.Mean, default, null,
        false, _bagSizes, default, _bagOutput, _grad);
}
