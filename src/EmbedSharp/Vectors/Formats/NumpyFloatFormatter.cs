using System.Globalization;

namespace EmbedSharp.Vectors.Formats;

/// <summary>
/// Writes a float32 exactly as numpy 1.x's <c>repr(np.float32(x))</c> does, which is what gensim's
/// <c>save_word2vec_format(binary=False)</c> writes for every value.
/// </summary>
/// <remarks>
/// numpy (<c>scalartypes.c.src</c>, <c>floattype_repr</c>) takes the shortest digit string that reads back to the same
/// float32 (Dragon4, "unique" mode), then lays it out positionally when x = 0 or 1e-4 ≤ |x| &lt; 1e16 (the bound compared
/// in double, so float32(1e-4) = 9.99999974e-05 is written "1e-04"), keeping one zero after the point ("1.0", "0.001",
/// "123456790.0"); otherwise in scientific form without trailing zeros and with at least two exponent digits
/// ("1e-05", "1.5e+16"). Specials are "nan", "inf", "-inf"; negative zero is "-0.0". The shortest digits come from .NET's
/// round-trip formatting, which picks the same shortest string (tested against numpy on thousands of bit patterns).
/// </remarks>
internal static class NumpyFloatFormatter
{
    /// <summary>Longest output: sign, 9 digits, point, exponent "e-45" etc., or 17 integer digits + ".0".</summary>
    public const int MaxLength = 24;

    /// <summary>Writes <paramref name="value"/> as ASCII into <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes); returns the byte count.</summary>
    public static int Format(float value, Span<byte> destination)
    {
        if (float.IsNaN(value))
        {
            "nan"u8.CopyTo(destination);
            return 3;
        }

        if (float.IsInfinity(value))
        {
            return value > 0 ? Copy("inf"u8, destination) : Copy("-inf"u8, destination);
        }

        var pos = 0;
        if (float.IsNegative(value))
        {
            destination[pos++] = (byte)'-';
        }

        var abs = Math.Abs(value);
        if (abs == 0)
        {
            return pos + Copy("0.0"u8, destination[pos..]);
        }

        // Shortest round-trip digits: .NET writes e.g. "1.2345679E+08", "0.001" or "1000". Read them as 0.DDD × 10^point.
        Span<char> text = stackalloc char[32];
        abs.TryFormat(text, out var written, "R", CultureInfo.InvariantCulture);
        Span<byte> digits = stackalloc byte[32];
        var count = 0;
        var point = -1;
        var exponent = 0;
        for (var i = 0; i < written; i++)
        {
            var c = text[i];
            if (c == '.')
            {
                point = count;
            }
            else if (c is 'E' or 'e')
            {
                exponent = int.Parse(text[(i + 1)..written], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                break;
            }
            else
            {
                digits[count++] = (byte)c;
            }
        }

        if (point < 0)
        {
            point = count;
        }

        point += exponent;
        var first = 0;
        while (digits[first] == (byte)'0')
        {
            first++;
            point--;
        }

        while (digits[count - 1] == (byte)'0')
        {
            count--;
        }

        digits = digits[first..count];
        if (abs >= 1e-4 && abs < 1e16)
        {
            return pos + Positional(digits, point, destination[pos..]);
        }

        return pos + Scientific(digits, point - 1, destination[pos..]);
    }

    private static int Positional(ReadOnlySpan<byte> digits, int point, Span<byte> destination)
    {
        var pos = 0;
        if (point <= 0)
        {
            destination[pos++] = (byte)'0';
            destination[pos++] = (byte)'.';
            for (var i = 0; i < -point; i++)
            {
                destination[pos++] = (byte)'0';
            }

            digits.CopyTo(destination[pos..]);
            return pos + digits.Length;
        }

        for (var i = 0; i < point; i++)
        {
            destination[pos++] = i < digits.Length ? digits[i] : (byte)'0';
        }

        destination[pos++] = (byte)'.';
        if (digits.Length > point)
        {
            digits[point..].CopyTo(destination[pos..]);
            return pos + digits.Length - point;
        }

        destination[pos++] = (byte)'0';
        return pos;
    }

    private static int Scientific(ReadOnlySpan<byte> digits, int exponent, Span<byte> destination)
    {
        var pos = 0;
        destination[pos++] = digits[0];
        if (digits.Length > 1)
        {
            destination[pos++] = (byte)'.';
            digits[1..].CopyTo(destination[pos..]);
            pos += digits.Length - 1;
        }

        destination[pos++] = (byte)'e';
        destination[pos++] = exponent < 0 ? (byte)'-' : (byte)'+';
        var e = Math.Abs(exponent);
        if (e >= 100)
        {
            destination[pos++] = (byte)('0' + (e / 100));
            e %= 100;
        }

        destination[pos++] = (byte)('0' + (e / 10));
        destination[pos++] = (byte)('0' + (e % 10));
        return pos;
    }

    private static int Copy(ReadOnlySpan<byte> text, Span<byte> destination)
    {
        text.CopyTo(destination);
        return text.Length;
    }
}
