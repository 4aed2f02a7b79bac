using System.Text.Json;

namespace EmbedSharp.Tests.Tokenization.SentencePiece;

/// <summary>
/// N-best unigram segmentation against SentencePiece 0.1.97's <c>nbest_encode_as_ids</c>
/// (tools/goldens/make_sentencepiece_nbest.py): the same lists in the same order for n = 1 and n = 10, on the
/// multilingual sample and SOTU sentences, for the three unigram models (one with byte fallback, one with user-defined
/// symbols).
/// </summary>
public sealed class SentencePieceNBestTests
{
    private static readonly Lazy<JsonElement> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(SentencePieceParityTests.DataPath("nbest.json"))).RootElement);

    public static TheoryData<string> Models => new(["unigram", "unigram_bytes", "unigram_identity"]);

    private static int[][] Lists(JsonElement lists) => [.. lists.EnumerateArray().Select(l => l.EnumerateArray().Select(e => e.GetInt32()).ToArray())];

    [Theory]
    [MemberData(nameof(Models))]
    public void The_n_best_lists_are_sentencepieces(string model)
    {
        var tokenizer = SentencePieceParityTests.Open(model);
        var cases = 0;
        foreach (var c in Golden.Value.GetProperty("models").GetProperty(model).EnumerateArray())
        {
            var text = c.GetProperty("text").GetString()!;
            foreach (var n in new[] { 1, 10 })
            {
                var expected = Lists(c.GetProperty($"n{n}"));
                var actual = tokenizer.EncodeNBest(text, n).Select(e => e.Ids).ToArray();
                Assert.True(expected.Length == actual.Length && expected.Zip(actual).All(p => p.First.SequenceEqual(p.Second)),
                    $"{model}, n = {n}, text {JsonSerializer.Serialize(text)}:\n expected {JsonSerializer.Serialize(expected)}\n actual   {JsonSerializer.Serialize(actual)}");
            }

            cases++;
        }

        Assert.Equal(43, cases);
    }

    [Fact]
    public void The_first_of_the_n_best_is_the_plain_encoding_and_scores_do_not_rise()
    {
        var tokenizer = SentencePieceParityTests.Open("unigram");
        const string text = "The Congress shall have Power to lay and collect Taxes, Duties, Imposts and Excises.";
        var nbest = tokenizer.EncodeNBest(text, 25);
        Assert.Equal(25, nbest.Count);
        Assert.Equal(tokenizer.Encode(text).Ids, nbest[0].Ids);
        var scores = nbest.Select(e => e.Ids.Sum(id => (double)tokenizer.Score(id))).ToArray();
        for (var i = 1; i < scores.Length; i++)
        {
            Assert.True(scores[i] <= scores[i - 1] + 1e-4, $"path {i} scores {scores[i]} after {scores[i - 1]}");
        }

        Assert.Equal(25, nbest.Select(e => string.Join(' ', e.Ids)).Distinct().Count());
        Assert.All(nbest, e => Assert.Equal(text, tokenizer.Decode(e.Ids)));
    }

    [Fact]
    public void Bad_sizes_and_bpe_models_are_refused()
    {
        var tokenizer = SentencePieceParityTests.Open("unigram");
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.EncodeNBest("a", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.EncodeNBest("a", 1025));
        Assert.Single(tokenizer.EncodeNBest("", 5));
        Assert.Empty(tokenizer.EncodeNBest("", 5)[0].Ids);
        var bpe = SentencePieceParityTests.Open("bpe");
        Assert.Throws<NotSupportedException>(() => bpe.EncodeNBest("Hello", 3));
    }
}
