using System.Globalization;
using System.Text;
using EmbedSharp.Randomness;
using EmbedSharp.Vectors.Formats;

namespace EmbedSharp.Tests.Vectors.Formats;

public class DecimalFloatParserTests
{
    private static float Parse(string s)
    {
        var bytes = Encoding.ASCII.GetBytes(s);
        Assert.True(DecimalFloatParser.TryParseToken(bytes, out var v), $"'{s}' was not parsed.");
        return v;
    }

    [Fact]
    public void Random_decimal_strings_parse_to_the_correctly_rounded_float()
    {
        var g = new Generator(11);
        var sb = new StringBuilder();
        var mismatches = new List<string>();
        for (var n = 0; n < 200_000; n++)
        {
            sb.Clear();
            var r = g.Random64();
            if ((r & 1) != 0)
            {
                sb.Append('-');
            }

            var digits = 1 + (int)((r >> 1) % 19);
            var point = (int)((r >> 8) % (ulong)(digits + 2)) - 1; // -1: no point
            for (var i = 0; i < digits; i++)
            {
                if (i == point)
                {
                    sb.Append('.');
                }

                sb.Append((char)('0' + (int)(g.Random64() % 10)));
            }

            if (((r >> 16) & 3) == 0)
            {
                sb.Append((r >> 18 & 1) != 0 ? 'e' : 'E').Append(((int)((r >> 20) % 90)) - 50);
            }

            var s = sb.ToString();
            var expected = float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
            var actual = Parse(s);
            if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(actual) && mismatches.Count < 5)
            {
                mismatches.Add($"'{s}': expected {expected:R}, got {actual:R}");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("; ", mismatches));
    }

    [Fact]
    public void Every_float32_repr_reads_back_to_the_same_bits()
    {
        var g = new Generator(12);
        Span<byte> buffer = stackalloc byte[32];
        for (var n = 0; n < 100_000; n++)
        {
            var bits = (int)g.Random();
            var f = BitConverter.Int32BitsToSingle(bits);
            if (!float.IsFinite(f))
            {
                continue;
            }

            var len = NumpyFloatFormatter.Format(f, buffer);
            Assert.True(DecimalFloatParser.TryParseToken(buffer[..len], out var back));
            Assert.True(BitConverter.SingleToInt32Bits(back) == bits, $"0x{bits:x8} -> {Encoding.ASCII.GetString(buffer[..len])} -> 0x{BitConverter.SingleToInt32Bits(back):x8}");
        }
    }

    [Theory]
    [InlineData("0", 0f)]
    [InlineData("-0", -0f)]
    [InlineData("-0.0", -0f)]
    [InlineData(".5", 0.5f)]
    [InlineData("5.", 5f)]
    [InlineData("+1.25", 1.25f)]
    [InlineData("1e5", 1e5f)]
    [InlineData("1E-5", 1e-5f)]
    [InlineData("0.000123456789", 0.000123456789f)]
    [InlineData("3.4028235e38", float.MaxValue)]
    [InlineData("1e39", float.PositiveInfinity)]
    [InlineData("1e-50", 0f)]
    [InlineData("inf", float.PositiveInfinity)]
    [InlineData("-Infinity", float.NegativeInfinity)]
    [InlineData("INF", float.PositiveInfinity)]
    public void Real_file_notations_parse(string text, float expected)
    {
        Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(Parse(text)));
    }

    [Theory]
    [InlineData("nan")]
    [InlineData("NaN")]
    [InlineData("-nan")]
    public void NaN_spellings_parse_to_NaN(string text) => Assert.True(float.IsNaN(Parse(text)));

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("1e")]
    [InlineData("1.2.3")]
    [InlineData("0x10")]
    [InlineData("1,5")]
    [InlineData("--1")]
    [InlineData("abc")]
    [InlineData("1 ")]
    [InlineData(" 1")]
    [InlineData("1_000")]
    public void Non_numbers_are_refused(string text) =>
        Assert.False(DecimalFloatParser.TryParseToken(Encoding.ASCII.GetBytes(text), out _));

    [Fact]
    public void Parsing_and_formatting_allocate_nothing()
    {
        var line = "0.418 -1.5e-3 1000000 0.10000000149011612 inf"u8.ToArray();
        Span<byte> buffer = stackalloc byte[32];
        var sum = 0f;
        for (var warm = 0; warm < 2; warm++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var rep = 0; rep < 1000; rep++)
            {
                var pos = 0;
                while (pos < line.Length)
                {
                    pos = DecimalFloatParser.Parse(line, pos, out var v) + 1;
                    sum += NumpyFloatFormatter.Format(v, buffer);
                }
            }

            if (warm == 1)
            {
                Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            }
        }

        Assert.True(sum > 0);
    }
}
