using System.Globalization;
using System.Numerics;
using System.Text;

namespace EmbedSharp.FastText;

/// <summary>
/// Numbers formatted exactly as fastText prints them: its <c>operator&lt;&lt;(ostream, Vector)</c> (vector.cc) sets
/// <c>std::setprecision(5)</c> and writes each value followed by a space, which is C's <c>printf("%.5g ")</c> of the
/// value widened to double (glibc rounds the exact binary value half-to-even). <c>print-word-vectors</c>,
/// <c>print-sentence-vectors</c>, <c>print-ngrams</c> and the <c>.vec</c> file all use it.
/// </summary>
public static class FastTextPrint
{
    /// <summary>Significant digits fastText prints.</summary>
    public const int Precision = 5;

    /// <summary>Formats <paramref name="value"/> as C's <c>%.5g</c> does: 5 significant digits, trailing zeros removed,
    /// exponent form (<c>1.2346e-05</c>) when the decimal exponent is below −4 or at least 5; "-0", "inf", "-nan".</summary>
    public static string Format(float value)
    {
        if (float.IsNaN(value))
        {
            return float.IsNegative(value) ? "-nan" : "nan";
        }

        if (float.IsInfinity(value))
        {
            return value < 0 ? "-inf" : "inf";
        }

        var negative = float.IsNegative(value);
        if (value == 0)
        {
            return negative ? "-0" : "0";
        }

        // |value| = mantissa · 2^exponent exactly.
        var bits = BitConverter.SingleToInt32Bits(value) & 0x7FFFFFFF;
        var biased = bits >> 23;
        long mantissa = bits & 0x7FFFFF;
        int exponent;
        if (biased == 0)
        {
            exponent = -149;
        }
        else
        {
            mantissa |= 0x800000;
            exponent = biased - 150;
        }

        var x = (int)Math.Floor(Math.Log10(Math.Abs((double)value)));
        var digits = RoundedDigits(mantissa, exponent, x);
        if (digits >= 100000)
        {
            // Log10 underestimated the exponent, or rounding carried into a new digit (9.99996 → 10.000).
            x++;
            digits = RoundedDigits(mantissa, exponent, x);
        }
        else if (digits < 10000)
        {
            x--;
            digits = RoundedDigits(mantissa, exponent, x);
        }

        if (digits >= 100000)
        {
            digits /= 10;
            x++;
        }

        var d = digits.ToString(CultureInfo.InvariantCulture); // 5 digits
        var sb = new StringBuilder(16);
        if (negative)
        {
            sb.Append('-');
        }

        if (x < -4 || x >= Precision)
        {
            sb.Append(d[0]);
            var frac = d[1..].TrimEnd('0');
            if (frac.Length > 0)
            {
                sb.Append('.').Append(frac);
            }

            sb.Append('e').Append(x < 0 ? '-' : '+').Append(Math.Abs(x).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (x >= 0)
        {
            sb.Append(d, 0, x + 1);
            var frac = d[(x + 1)..].TrimEnd('0');
            if (frac.Length > 0)
            {
                sb.Append('.').Append(frac);
            }
        }
        else
        {
            sb.Append("0.").Append('0', -x - 1).Append(d.TrimEnd('0'));
        }

        return sb.ToString();
    }

    /// <summary>A vector as fastText prints it: every value formatted by <see cref="Format"/> and followed by one space.</summary>
    public static string FormatVector(ReadOnlySpan<float> values)
    {
        var sb = new StringBuilder(values.Length * 10);
        foreach (var v in values)
        {
            sb.Append(Format(v)).Append(' ');
        }

        return sb.ToString();
    }

    /// <summary>round_half_even(mantissa · 2^exponent · 10^(4 − x)), computed exactly.</summary>
    private static long RoundedDigits(long mantissa, int exponent, int x)
    {
        var k = Precision - 1 - x;
        var numerator = new BigInteger(mantissa);
        var denominator = BigInteger.One;
        if (exponent >= 0)
        {
            numerator <<= exponent;
        }
        else
        {
            denominator <<= -exponent;
        }

        if (k >= 0)
        {
            numerator *= BigInteger.Pow(10, k);
        }
        else
        {
            denominator *= BigInteger.Pow(10, -k);
        }

        var q = BigInteger.DivRem(numerator, denominator, out var r);
        var twice = r * 2;
        var cmp = twice.CompareTo(denominator);
        if (cmp > 0 || (cmp == 0 && !q.IsEven))
        {
            q += 1;
        }

        return (long)q;
    }
}
