using System.Text;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Tokenization;

/// <summary>Random texts for fuzz tests: valid text from a mix of scripts, or arbitrary UTF-16 (lone surrogates, controls).</summary>
internal static class FuzzText
{
    private static readonly int[] Interesting =
    [
        ' ', '\t', '\n', '\r', 0, 7, 0x1b, 0x7f, 0x85, 0xa0, 0xad, 0x200b, 0x2028, 0x3000, 0xfeff, 0xfffd, '\'', 's', '#',
        'a', 'Z', 'é', 'ß', 'İ', 'Σ', 'ж', '中', '日', '한', 'ا', 'न', 0x301, 0x308, '1', '٣', '½', '!', ',', '-', '…',
        0x1F600, 0x1F44D, 0x1F3FD, 0x200D, 0x1D4B3, 0x20000, 0xE000, 0x10FFFF, 0x378,
    ];

    public static string RandomValidText(Generator g, int maxLength)
    {
        var sb = new StringBuilder();
        var n = (int)(g.Random() % (uint)(maxLength + 1));
        for (var i = 0; i < n; i++)
        {
            var pick = g.Random() % 4;
            var cp = pick == 0 ? (int)(g.Random() % 0x80) : pick == 1 ? (int)(g.Random() % 0x3000)
                : Interesting[g.Random() % (uint)Interesting.Length];
            if (cp is >= 0xD800 and <= 0xDFFF)
            {
                cp = 'x';
            }

            sb.Append(char.ConvertFromUtf32(cp));
        }

        return sb.ToString();
    }

    public static string RandomUtf16(Generator g, int maxLength)
    {
        var n = (int)(g.Random() % (uint)(maxLength + 1));
        var chars = new char[n];
        for (var i = 0; i < n; i++)
        {
            chars[i] = g.Random() % 3 == 0 ? (char)(0xD800 + (g.Random() % 0x800)) : (char)(g.Random() % 0x10000);
        }

        return new string(chars);
    }

    public static string RandomBytesAsUtf8(Generator g, int maxLength)
    {
        var bytes = new byte[(int)(g.Random() % (uint)(maxLength + 1))];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)g.Random();
        }

        return new UTF8Encoding(false, false).GetString(bytes); // what the CLI reads: invalid bytes → U+FFFD
    }
}
