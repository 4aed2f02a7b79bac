namespace EmbedSharp.Tokenization.Bpe;

/// <summary>
/// GPT-2's reversible byte ↔ character table (<c>bytes_to_unicode</c>): the 188 printable bytes 33–126, 161–172 and
/// 174–255 stand for themselves; the other 68 bytes, in ascending order, map to U+0100, U+0101, …, U+0143.
/// </summary>
public static class ByteLevel
{
    private static readonly char[] ByteToCharTable = BuildTable();
    private static readonly short[] CharToByteTable = BuildInverse();

    /// <summary>The 256 bytes in GPT-2's vocabulary order: the printable bytes ascending, then the rest ascending.</summary>
    public static IReadOnlyList<byte> BytesInVocabularyOrder { get; } = BuildOrder();

    /// <summary>The character that stands for <paramref name="value"/>.</summary>
    public static char ToChar(byte value) => ByteToCharTable[value];

    /// <summary>The byte a character stands for, or −1 when it is not one of the 256 table characters.</summary>
    public static int ToByte(char c) => c < CharToByteTable.Length ? CharToByteTable[c] : -1;

    private static bool IsPrintable(int b) => b is >= 33 and <= 126 or >= 161 and <= 172 or >= 174 and <= 255;

    private static char[] BuildTable()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            table[b] = IsPrintable(b) ? (char)b : (char)next++;
        }

        return table;
    }

    private static short[] BuildInverse()
    {
        var inverse = new short[256 + 68];
        inverse.AsSpan().Fill(-1);
        for (var b = 0; b < 256; b++)
        {
            inverse[ByteToCharTable[b]] = (short)b;
        }

        return inverse;
    }

    private static byte[] BuildOrder()
    {
        var order = new List<byte>(256);
        for (var b = 0; b < 256; b++)
        {
            if (IsPrintable(b))
            {
                order.Add((byte)b);
            }
        }

        for (var b = 0; b < 256; b++)
        {
            if (!IsPrintable(b))
            {
                order.Add((byte)b);
            }
        }

        return [.. order];
    }
}
