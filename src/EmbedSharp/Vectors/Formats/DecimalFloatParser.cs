using System.Globalization;
using System.Runtime.CompilerServices;

namespace EmbedSharp.Vectors.Formats;

/// <summary>
/// Parses decimal float32 text from UTF-8 bytes, correctly rounded (round-half-even), with no allocation.
/// </summary>
/// <remarks>
/// <para><b>Fast path.</b> The digits give an integer M (leading zeros dropped) and the text a decimal exponent e,
/// value = M·10^e. When M &lt; 2^53 both M and 10^|e| (|e| ≤ 22) are exact doubles, so one IEEE multiply or divide
/// gives round53(x), the correctly rounded double. Converting that to float rounds a second time, which can only go
/// wrong if round53(x) lands exactly on a float midpoint m (a 25-bit number) while x ≠ m. For e = −k, k ≥ 1:
/// x − m = (M·2^q − P·10^k) / (10^k·2^q) with m = P/2^q, P &lt; 2^25. If q ≥ k the numerator is a non-zero multiple of
/// 2^k, so |x − m|/x ≥ 2^k/(10^k·2^q·x) = 1/(5^k·P) &gt; 1/(5^k·2^25); if q &lt; k it is a multiple of 2^q and
/// |x − m|/x ≥ 1/M. Rounding to a double moves x by at most 2^−53·x, so the double result cannot reach m when
/// 5^k·2^25 ≤ 2^53, i.e. k ≤ 12 (5^12·2^25 ≈ 8.2·10^15 &lt; 2^53 ≈ 9.0·10^15; values ≥ 10^−21 are far from float
/// subnormals). For e ≥ 0 the fast path only runs when M·10^e &lt; 2^53, where the product is exact. So the fast path
/// covers up to 15 significant digits with −12 ≤ e ≤ 22 and gives the correctly rounded float; everything else
/// (more digits, larger exponents, <c>inf</c>, <c>nan</c>, forms like <c>.5</c> are still fast) goes to
/// <see cref="float.Parse(ReadOnlySpan{byte}, NumberStyles, IFormatProvider)"/>, which is correctly rounded in .NET.</para>
/// <para>Accepted syntax: optional sign, digits with an optional '.', optional exponent (e/E, sign, digits), and
/// case-insensitive <c>inf</c>, <c>infinity</c>, <c>nan</c> with an optional sign (what Python's <c>float()</c> and
/// numpy accept and write). Parsing never depends on the current culture.</para>
/// </remarks>
internal static class DecimalFloatParser
{
    private const ulong TwoPow53 = 1UL << 53;

    private static readonly double[] Pow10 =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary>Parses one number starting at <paramref name="pos"/>, which ends at a space or the end of
    /// <paramref name="s"/>. Returns the index just past the number, or −1 if the token is not a number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Parse(ReadOnlySpan<byte> s, int pos, out float value)
    {
        var end = TryFast(s, pos, out value);
        return end >= 0 ? end : ParseSlow(s, pos, out value);
    }

    /// <summary>Parses a whole token (no separators inside); false if it is not a number.</summary>
    public static bool TryParseToken(ReadOnlySpan<byte> token, out float value)
    {
        var end = Parse(token, 0, out value);
        return end == token.Length;
    }

    private static int TryFast(ReadOnlySpan<byte> s, int i, out float value)
    {
        // One branch per digit: every digit goes into m (leading zeros add nothing); more than 19 digits would
        // overflow and more than 15 significant ones leave the fast path (m >= 2^53 is checked at the end).
        value = 0;
        var negative = false;
        if ((uint)i < (uint)s.Length && (s[i] == (byte)'-' || s[i] == (byte)'+'))
        {
            negative = s[i] == (byte)'-';
            i++;
        }

        ulong m = 0;
        var start = i;
        uint d;
        while ((uint)i < (uint)s.Length && (d = (uint)(s[i] - '0')) <= 9)
        {
            m = (m * 10) + d;
            i++;
        }

        var count = i - start;
        var exp10 = 0;
        if ((uint)i < (uint)s.Length && s[i] == (byte)'.')
        {
            i++;
            var fractionStart = i;
            while ((uint)i < (uint)s.Length && (d = (uint)(s[i] - '0')) <= 9)
            {
                m = (m * 10) + d;
                i++;
            }

            exp10 = fractionStart - i;
            count -= exp10;
        }

        if (count == 0 || count > 19)
        {
            return -1;
        }

        if ((uint)i < (uint)s.Length && (s[i] | 0x20) == 'e')
        {
            i++;
            var expNegative = false;
            if ((uint)i < (uint)s.Length && (s[i] == (byte)'-' || s[i] == (byte)'+'))
            {
                expNegative = s[i] == (byte)'-';
                i++;
            }

            var e = 0;
            var expStart = i;
            while ((uint)i < (uint)s.Length && (d = (uint)(s[i] - '0')) <= 9 && i - expStart < 5)
            {
                e = (e * 10) + (int)d;
                i++;
            }

            if (i == expStart || i - expStart >= 5)
            {
                return -1;
            }

            exp10 += expNegative ? -e : e;
        }

        if ((uint)i < (uint)s.Length && s[i] != (byte)' ')
        {
            return -1;
        }

        double x;
        if (m == 0)
        {
            x = 0;
        }
        else if (m >= TwoPow53)
        {
            return -1;
        }
        else if (exp10 < 0)
        {
            if (exp10 < -12)
            {
                return -1;
            }

            x = m / Pow10[-exp10];
        }
        else
        {
            if (exp10 > 22 || m >= TwoPow53 / (ulong)Pow10[exp10])
            {
                return -1;
            }

            x = m * Pow10[exp10];
        }

        value = (float)(negative ? -x : x);
        return i;
    }

    private static int ParseSlow(ReadOnlySpan<byte> s, int pos, out float value)
    {
        var rest = s[pos..];
        var length = rest.IndexOf((byte)' ');
        var token = length < 0 ? rest : rest[..length];
        if (!TryParseSpecial(token, out value)
            && !float.TryParse(token, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out value))
        {
            value = 0;
            return -1;
        }

        return pos + token.Length;
    }

    private static bool TryParseSpecial(ReadOnlySpan<byte> token, out float value)
    {
        value = 0;
        var negative = false;
        if (token.Length > 0 && (token[0] == (byte)'-' || token[0] == (byte)'+'))
        {
            negative = token[0] == (byte)'-';
            token = token[1..];
        }

        if (token.Length is not (3 or 8))
        {
            return false;
        }

        if (EqualsIgnoreCase(token, "inf"u8) || EqualsIgnoreCase(token, "infinity"u8))
        {
            value = negative ? float.NegativeInfinity : float.PositiveInfinity;
            return true;
        }

        if (EqualsIgnoreCase(token, "nan"u8))
        {
            value = float.NaN;
            return true;
        }

        return false;
    }

    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> token, ReadOnlySpan<byte> lower)
    {
        if (token.Length != lower.Length)
        {
            return false;
        }

        for (var i = 0; i < token.Length; i++)
        {
            if ((token[i] | 0x20) != lower[i])
            {
                return false;
            }
        }

        return true;
    }
}
