using System.Globalization;
using EmbedSharp.Embeddings;

namespace EmbedSharp.Tests.Embeddings;

/// <summary>The fastText embedder against <c>fasttext print-sentence-vectors</c> (tests/data/fasttext, fastText 0.9.2).</summary>
public sealed class FastTextSentenceEmbedderTests
{
    private static string Data(string file) => Path.Combine(AppContext.BaseDirectory, "data", "fasttext", file);

    [Fact]
    public void Vectors_equal_print_sentence_vectors_as_printed()
    {
        var embedder = FastTextSentenceEmbedder.Load(Data("cbow.bin"));
        Assert.Equal("cbow", embedder.ModelId);
        var lines = File.ReadAllLines(Data("cbow.sentences.txt"));
        var expected = File.ReadAllLines(Data("cbow.sentence-vectors.txt"));
        Assert.Equal(lines.Length, expected.Length);
        var batch = embedder.EmbedBatch(lines);
        for (var i = 0; i < lines.Length; i++)
        {
            var printed = expected[i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            var row = batch.Row(i);
            Assert.Equal(embedder.Dimensions, printed.Length);
            for (var j = 0; j < printed.Length; j++)
            {
                // fastText prints 5 significant digits.
                Assert.True(Math.Abs(printed[j] - row[j]) <= 5e-5 * Math.Max(1, Math.Abs(printed[j])) + 1e-6, $"line {i} component {j}: {printed[j]} vs {row[j]}");
            }
        }
    }
}
