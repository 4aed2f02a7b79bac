using EmbedSharp.Tokenization.Word;

namespace EmbedSharp.Tests.Tokenization.Word;

public sealed class WordSplitterTests
{
    [Theory]
    [InlineData("Don't STOP me now!", new[] { "don't", "stop", "me", "now" })]
    [InlineData("'quoted' ''' rock'n'roll's", new[] { "quoted", "rock'n'roll's" })]
    [InlineData("It’s 2x faster: 100%, v2.0", new[] { "it's", "2x", "faster", "100", "v2", "0" })]
    [InlineData("e-mail foo@bar.com", new[] { "e", "mail", "foo", "bar", "com" })]
    [InlineData("Naïve CAFÉ Ünïcödé 日本語 Ελλάδα", new[] { "naïve", "café", "ünïcödé", "日本語", "ελλάδα" })]
    [InlineData("", new string[0])]
    [InlineData("  ...  '' -- ", new string[0])]
    public void Words_are_lower_case_runs_of_letters_digits_and_inner_apostrophes(string text, string[] expected) =>
        Assert.Equal(expected, WordSplitter.Tokenize(text));

    [Fact]
    public void Combining_marks_and_surrogate_pair_letters_stay_inside_words()
    {
        Assert.Equal(["cafe\u0301"], WordSplitter.Tokenize("Cafe\u0301!"));
        Assert.Equal(["a𝒳b"], WordSplitter.Tokenize("a𝒳b 😀"));
    }

    [Fact]
    public void Enumerate_gives_the_ranges_without_allocating()
    {
        var text = "Hello, world's end".AsSpan();
        var words = new List<string>();
        foreach (var r in WordSplitter.Enumerate(text))
        {
            words.Add(text[r].ToString());
        }

        Assert.Equal(["Hello", "world's", "end"], words);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var count = 0;
        foreach (var r in WordSplitter.Enumerate(text))
        {
            count += r.GetOffsetAndLength(text.Length).Length;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(15, count);
    }
}
