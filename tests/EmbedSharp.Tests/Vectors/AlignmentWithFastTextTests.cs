using EmbedSharp.FastText;
using EmbedSharp.Randomness;
using EmbedSharp.Vectors.Alignment;

namespace EmbedSharp.Tests.Vectors;

public sealed class AlignmentWithFastTextTests
{
    [Fact]
    public void A_fasttext_model_fills_unknown_tokens_from_their_subwords()
    {
        var model = FastTextModel.Load(Path.Combine(AppContext.BaseDirectory, "data", "fasttext", "skipgram.bin"));
        var vectors = model.ToWordVectors();
        var known = vectors.Words[3];
        var unknown = known + "xyz"; // shares n-grams with a known word, not in the vocabulary
        var result = VocabularyAligner.Align(["<pad>", known, unknown], vectors, new Generator(0L),
            new AlignmentOptions { Subwords = model });
        Assert.Equal(1, result.Report.Exact);
        Assert.Equal(1, result.Report.Subword);
        Assert.Equal(0, result.Report.Initialised);
        var expected = new float[model.Dimension];
        model.GetWordVector(unknown, expected);
        Assert.Equal(expected, result.Weights.Row(2).ToArray());
        Assert.Equal(vectors[known].ToArray(), result.Weights.Row(1).ToArray());
        Assert.All(result.Weights.Row(0).ToArray(), v => Assert.Equal(0f, v));
    }
}
