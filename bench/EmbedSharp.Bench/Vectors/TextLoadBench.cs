using BenchmarkDotNet.Attributes;
using EmbedSharp.Vectors;
using EmbedSharp.Vectors.Formats;
using EmbedSharp.Vectors.Formats.Glove;
using EmbedSharp.Vectors.Formats.Word2VecBinary;
using EmbedSharp.Vectors.Formats.Word2VecText;

namespace EmbedSharp.Bench.Vectors;

/// <summary>
/// Loading word vectors from memory (no disk): GloVe text, word2vec text and word2vec binary, 20,000 × 300 generated
/// in the setup, on every core and on one. The 400,000 × 300 comparison with gensim is bench/peers/vectors_vs_gensim.py.
/// </summary>
[MemoryDiagnoser]
public class TextLoadBench
{
    private byte[] _glove = [];
    private byte[] _word2vec = [];
    private byte[] _binary = [];

    [Params(1, -1)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        const int words = 20_000;
        const int dim = 300;
        var t = new EmbedSharp.Numerics.FloatTensor(words, dim);
        var g = new EmbedSharp.Randomness.Generator(7);
        for (var i = 0; i < words; i++)
        {
            var row = t.Row(i);
            EmbedSharp.Randomness.Distributions.Normal(g, row, 0, 0.4);
            for (var k = 0; k < dim; k++)
            {
                row[k] = MathF.Round(row[k] * 100_000) / 100_000; // GloVe-like: 5 decimals
            }
        }

        var v = new WordVectors([.. Enumerable.Range(0, words).Select(i => i % 50 == 0 ? $"wörd{i}" : $"w{i}")], t);
        _glove = Bytes(s => GloveFile.Write(s, v));
        _word2vec = Bytes(s => Word2VecTextFile.Write(s, v));
        _binary = Bytes(s => Word2VecBinaryFile.Write(s, v));
    }

    [Benchmark]
    public int Glove() => GloveFile.Read(new MemoryStream(_glove), Options).Vectors.Count;

    [Benchmark]
    public int Word2VecText() => Word2VecTextFile.Read(new MemoryStream(_word2vec), Options).Vectors.Count;

    [Benchmark]
    public int Word2VecBinary() => Word2VecBinaryFile.Read(new MemoryStream(_binary), Options).Vectors.Count;

    private VectorReadOptions Options => new() { MaxDegreeOfParallelism = Threads };

    private static byte[] Bytes(Action<Stream> write)
    {
        using var ms = new MemoryStream();
        write(ms);
        return ms.ToArray();
    }
}
