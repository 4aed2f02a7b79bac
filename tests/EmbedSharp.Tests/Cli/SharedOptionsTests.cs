using EmbedSharp.Cli;
using EmbedSharp.Cli.Commands;
using EmbedSharp.Initialization;
using EmbedSharp.Tokenization;

namespace EmbedSharp.Tests.Cli;

public sealed class SharedOptionsTests
{
    [Fact]
    public void One_parser_reads_names_in_any_case_with_underscores_and_aliases()
    {
        var choices = new Choices<int>(("skipgram|skip-gram", 1), ("cbow", 2), ("trunc-normal", 3));
        Assert.Equal(1, choices.Parse(" SkipGram ", "--model"));
        Assert.Equal(1, choices.Parse("skip_gram", "--model"));
        Assert.Equal(3, choices.Parse("TRUNC_NORMAL", "--model"));
        Assert.Equal(["skipgram", "cbow", "trunc-normal"], choices.Names);
        Assert.Equal("Unknown --model 'glove'; expected one of: skipgram, cbow, trunc-normal.",
            Assert.Throws<ArgumentException>(() => choices.Parse(" glove ", "--model")).Message);
        Assert.Equal("Unknown dataset 'x'; expected sotu or spam-assassin.",
            Assert.Throws<ArgumentException>(() => new Choices<int>(("sotu", 0), ("spam-assassin", 1)).Parse("x", "dataset")).Message);
        Assert.Equal("Unknown dataset 'x'; expected spam-assassin.",
            Assert.Throws<ArgumentException>(() => new Choices<int>(("spam-assassin", 1)).Parse("x", "dataset")).Message);
        Assert.False(choices.TryParse("", out _));
    }

    [Fact]
    public void Enums_parse_by_their_kebab_names()
    {
        Assert.Equal(FanMode.FanOut, Kebab.Parse<FanMode>("fan_out", "--mode"));
        Assert.Equal(NonlinearityKind.ConvTranspose1d, Kebab.Parse<NonlinearityKind>("conv-transpose1d", "--nonlinearity"));
        Assert.StartsWith("Unknown --mode 'fan'; expected one of: fan-in, fan-out, fan-avg.",
            Assert.Throws<ArgumentException>(() => Kebab.Parse<FanMode>("fan", "--mode")).Message, StringComparison.Ordinal);
        Assert.Equal(TokenizerType.SentencePiece, SharedOptions.TokenizerTypes.Parse("sentence_piece", "--type"));
        Assert.Equal(TokenizerType.WordPiece, SharedOptions.TokenizerTypes.Parse("WordPiece", "--type"));
        Assert.Equal("Unknown --vocab-type 'spm'; expected one of: wordpiece, bpe, sentencepiece, word, char, tiktoken, huggingface.",
            Assert.Throws<ArgumentException>(() => SharedOptions.TokenizerTypes.Parse("spm", "--vocab-type")).Message);
    }

    [Theory]
    [InlineData("0", 0UL)]
    [InlineData(" 42 ", 42UL)]
    [InlineData("-1", ulong.MaxValue)]
    [InlineData("-9223372036854775808", 9223372036854775808UL)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    public void Seeds_are_read_as_torch_manual_seed_takes_them(string text, ulong expected) =>
        Assert.Equal(expected, SharedOptions.ParseSeed(text));

    [Theory]
    [InlineData("18446744073709551616")]
    [InlineData("-9223372036854775809")]
    [InlineData("1.5")]
    [InlineData("0x10")]
    [InlineData("")]
    public void Other_seeds_are_refused_naming_the_option(string text) =>
        Assert.StartsWith("--seed '", Assert.Throws<ArgumentException>(() => SharedOptions.ParseSeed(text)).Message, StringComparison.Ordinal);

    [Fact]
    public void FastTexts_seed_is_the_same_rule_within_32_bits()
    {
        Assert.Equal(-1, SharedOptions.ParseInt32Seed("-1"));
        Assert.Equal(int.MinValue, SharedOptions.ParseInt32Seed("-2147483648"));
        Assert.Equal(int.MaxValue, SharedOptions.ParseInt32Seed("2147483647"));
        Assert.Equal(-1, SharedOptions.ParseInt32Seed("18446744073709551615")); // the 64-bit spelling of -1
        Assert.Contains("32-bit", Assert.Throws<ArgumentException>(() => SharedOptions.ParseInt32Seed("2147483648")).Message, StringComparison.Ordinal);
        Assert.Contains("32-bit", Assert.Throws<ArgumentException>(() => SharedOptions.ParseInt32Seed("-2147483649")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10000,300", new long[] { 10000, 300 })]
    [InlineData(" 10 , 300 ", new long[] { 10, 300 })]
    [InlineData("2x3x4", new long[] { 2, 3, 4 })]
    [InlineData("2X3", new long[] { 2, 3 })]
    [InlineData("10 300", new long[] { 10, 300 })]
    [InlineData("7", new long[] { 7 })]
    [InlineData("0,5", new long[] { 0, 5 })]
    [InlineData("9223372036854775807", new long[] { long.MaxValue })]
    public void Shapes_parse(string text, long[] expected) => Assert.Equal(expected, InitCommand.ParseShape(text));

    [Theory]
    [InlineData("10,x", "'x' is not a non-negative integer")]
    [InlineData("10,,3", "has an empty dimension")]
    [InlineData("10,", "has an empty dimension")]
    [InlineData(",10", "has an empty dimension")]
    [InlineData("10x", "has an empty dimension")]
    [InlineData("10,-3", "'-3' is not a non-negative integer")]
    [InlineData("10,+3", "'+3' is not a non-negative integer")]
    [InlineData("10,3x4", "'3x4' is not a non-negative integer")]
    [InlineData("10,3.0", "'3.0' is not a non-negative integer")]
    [InlineData("10,3 4", "'3 4' is not a non-negative integer")]
    [InlineData("9223372036854775808", "9223372036854775808 is larger than 9223372036854775807")]
    [InlineData("", "has no dimensions")]
    [InlineData("  ", "has no dimensions")]
    public void Anything_else_is_not_a_shape(string text, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => InitCommand.ParseShape(text));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("--shape '", e.Message, StringComparison.Ordinal);
    }
}
