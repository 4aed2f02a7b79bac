using System.Text.Json;
using EmbedSharp.FastText;

namespace EmbedSharp.Tests.FastText;

/// <summary>fastText 0.9.2's input-matrix initialisation against the matrices of `fasttext cbow -lr 0` models
/// (tools/goldens/make_fasttext_init.py): same threads and seed, same bits.</summary>
public sealed class FastTextMatrixInitTests
{
    private static string DataPath(string file) => Path.Combine(AppContext.BaseDirectory, "data", "fasttext_init", file);

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(DataPath("cases.json")));
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            data.Add(p.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public unsafe void Fill_gives_fastTexts_initial_matrix_bit_for_bit(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(DataPath("cases.json")));
        var c = doc.RootElement.GetProperty(name);
        var rows = c.GetProperty("nwords").GetInt32() + c.GetProperty("bucket").GetInt32();
        var dim = c.GetProperty("dim").GetInt32();
        var expected = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(DataPath(name))).ToArray();
        Assert.Equal(rows * dim, expected.Length);

        var actual = new float[rows * dim];
        fixed (float* p = actual)
        {
            FastTextMatrixInit.Fill(p, actual.Length, (float)(1.0 / dim), c.GetProperty("thread").GetInt32(), c.GetProperty("seed").GetInt32());
        }

        Assert.Equal(c.GetProperty("nonzero").GetInt32(), actual.Count(v => v != 0f));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{name}: value {i}: fastText {expected[i]:R}, ours {actual[i]:R}");
        }
    }

    [Fact]
    public void The_golden_corpus_gives_the_vocabulary_size_the_fixtures_assume()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(DataPath("cases.json")));
        var nwords = doc.RootElement.EnumerateObject().First().Value.GetProperty("nwords").GetInt32();
        using var corpus = File.OpenRead(DataPath("corpus.txt"));
        var dictionary = FastTextDictionary.Build(corpus, minCount: 1, minn: 3, maxn: 6, bucket: 500, t: 1e-4);
        Assert.Equal(nwords, dictionary.WordCount);
    }

    [Fact]
    public void Minstd_rand_follows_the_cpp_standard_sequence()
    {
        // C++11 [rand.predef]: the 10000th consecutive invocation of a default-constructed minstd_rand (seed 1) is 399268537.
        var rng = new MinstdRand(1);
        uint x = 0;
        for (var i = 0; i < 10000; i++)
        {
            x = rng.Next();
        }

        Assert.Equal(399268537u, x);
        Assert.Equal(new MinstdRand(0).Next(), new MinstdRand(1).Next()); // seed 0 becomes 1
    }
}
