using EmbedSharp.Tokenization.HuggingFace;

namespace EmbedSharp.Tests.Tokenization.HuggingFace;

/// <summary>The facts BertNormalizer's per-unit fast paths rely on, checked against its own character classes.</summary>
public sealed class BertNormalizerFastPathTests
{
    [Fact]
    public void Printable_ascii_is_never_dropped_and_only_the_space_is_whitespace()
    {
        for (var c = 0x20; c < 0x7F; c++)
        {
            Assert.False(BertNormalizer.IsDropped(c), $"U+{c:X4}");
            Assert.True(c == ' ' || !BertNormalizer.IsWhitespace(c), $"U+{c:X4}");
        }

        Assert.True(BertNormalizer.IsDropped(0x7F)); // DEL is a control character: not in the fast path
    }

    [Fact]
    public void No_code_unit_below_U3400_is_a_chinese_ideograph()
    {
        for (var c = 0; c < 0x3400; c++)
        {
            Assert.False(BertNormalizer.IsChinese(c), $"U+{c:X4}");
        }

        Assert.True(BertNormalizer.IsChinese(0x3400));
    }
}
