using EmbedSharp.FastText;
using EmbedSharp.Tokenization;

namespace EmbedSharp.Tests.FastText;

public sealed class TextFeaturizerTests
{
    // Hand-computed with fastText's formulas (Dictionary::hash, Dictionary::addWordNgrams) in a few lines of Python:
    // FNV-1a over UTF-8 with sign-extended bytes, stored as int32; h = int64(h_i) then h = h·116049371 + h_j (mod 2^64).
    [Fact]
    public void Token_hashes_are_fastText_FNV_1a_as_int32()
    {
        Assert.Equal(1335831723, TextFeaturizer.HashToken("hello"));
        Assert.Equal(-651924525, TextFeaturizer.HashToken("wörld"));
        Assert.Equal(-677604519, TextFeaturizer.HashToken("</s>"));
    }

    [Theory]
    [InlineData(2, new long[] { 713, 327 })]
    [InlineData(3, new long[] { 713, 306, 327 })]
    public void Word_ngram_rows_follow_fastText_addWordNgrams(int n, long[] expected)
    {
        var rows = new List<long>();
        TextFeaturizer.AddNgramRows([1335831723, -651924525, -677604519], n, 1000, 5, rows);
        Assert.Equal(expected, rows);
    }

    [Fact]
    public void Features_are_known_words_then_end_of_sentence_then_ngram_buckets()
    {
        var words = new Vocabulary(["</s>", "hello", "x", "y", "z"]);
        var f = new TextFeaturizer(words, wordNgrams: 2, bucket: 1000);
        // "unknown" is dropped from the words but its hash still takes part in the n-grams, as in fastText.
        Assert.Equal([1L, 0L, 713L, 327L], f.Featurize(["hello", "wörld"]));
        Assert.Equal(1005, f.Rows);
        Assert.Equal([1L, 0L], new TextFeaturizer(words).Featurize(["hello", "wörld"]));
        Assert.Equal(0, new TextFeaturizer(words, 1, 1000).Bucket);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TextFeaturizer(words, 2, 0));
    }

    [Fact]
    public void Build_counts_one_end_of_sentence_per_example_and_applies_min_count()
    {
        var f = TextFeaturizer.Build([["a", "b", "a"], ["a", "c"]], minCount: 2, wordNgrams: 1, bucket: 0);
        Assert.Equal(["a", "</s>"], f.Words.Tokens);
    }
}
