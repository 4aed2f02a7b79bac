using EmbedSharp.Tokenization;

namespace EmbedSharp.Tests.Tokenization;

public sealed class VocabularyTests
{
    [Fact]
    public void Specials_come_first_then_tokens_by_count_with_ordinal_ties()
    {
        var v = Vocabulary.Build(["b", "a", "c", "a", "b", "d", "a"], minCount: 1);
        Assert.Equal(["<pad>", "<unk>", "a", "b", "c", "d"], v.Tokens);
        Assert.Equal(3, v.CountOf(2));
        Assert.Equal(1, v.UnknownId);
        Assert.Equal(1, v.Encode("zzz"));
        Assert.Equal(3, v.Encode("b"));
    }

    [Fact]
    public void Min_count_and_max_size_cut_the_tail()
    {
        var v = Vocabulary.Build(["x", "x", "y", "y", "y", "z"], minCount: 2, maxSize: 3);
        Assert.Equal(["<pad>", "<unk>", "y"], v.Tokens);
        Assert.Throws<ArgumentOutOfRangeException>(() => Vocabulary.Build(["x"], maxSize: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Vocabulary.Build(["x"], minCount: 0));
    }

    [Fact]
    public void Save_and_load_round_trip_one_token_per_line()
    {
        var v = new Vocabulary(["<pad>", "<unk>", "naïve", "日本", "a b"]);
        var path = Path.Combine(Path.GetTempPath(), $"embedsharp-vocab-{Guid.NewGuid():N}.txt");
        try
        {
            v.Save(path);
            Assert.Equal(v.Tokens, Vocabulary.Load(path).Tokens);
            Assert.Throws<ArgumentException>(() => new Vocabulary(["a\nb"]).Save(path));
            Assert.Equal(v.Tokens, Vocabulary.Load(path).Tokens); // the failed save left the file alone
            File.WriteAllText(path, "a\nb\na\n");
            Assert.Contains("'a'", Assert.Throws<TokenizerFormatException>(() => Vocabulary.Load(path)).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Without_an_unknown_token_an_unknown_word_is_an_error()
    {
        var v = new Vocabulary(["a", "b"]);
        Assert.Equal(-1, v.UnknownId);
        Assert.Throws<KeyNotFoundException>(() => v.Encode("c"));
        Assert.Throws<ArgumentException>(() => new Vocabulary(["a", "a"]));
    }
}
