using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EmbedSharp.Tokenization.Tiktoken;

/// <summary>
/// Runs tiktoken's split patterns with .NET's backtracking <see cref="Regex"/>. The reference (Rust
/// <c>fancy-regex</c>, Python <c>regex</c>) differs in three ways that matter, each handled here:
/// <list type="bullet">
/// <item>possessive quantifiers (<c>X?+</c>, <c>X*+</c>, <c>X++</c>, <c>X{m,n}+</c>) do not exist in .NET: they become
/// atomic groups <c>(?&gt;X?)</c>, which match the same;</item>
/// <item><c>$</c> is the end of the text there; in .NET it also matches before a final <c>\n</c>, so it becomes
/// <c>\z</c>;</item>
/// <item>the reference matches code points, .NET matches UTF-16 units: a letter or digit outside the BMP (𝐀, 𠀀, 𝟎) is
/// two surrogates of category Cs to .NET. Text holding surrogates is therefore matched on a stand-in string with one
/// BMP character of the same general category per code point (a lone surrogate stands for U+FFFD, as the reference
/// receives it), and the match bounds are mapped back.</item>
/// </list>
/// </summary>
internal static partial class TiktokenPattern
{
    private const RegexOptions Options = RegexOptions.CultureInvariant;

    [GeneratedRegex(TiktokenEncoding.Gpt2Pattern, Options)]
    internal static partial Regex Gpt2();

    [GeneratedRegex(TiktokenEncoding.Cl100kPattern, Options)]
    internal static partial Regex Cl100k();

    [GeneratedRegex(TiktokenEncoding.O200kPattern, Options)]
    internal static partial Regex O200k();

    /// <summary>A .NET regex for a pattern in the reference's syntax.</summary>
    /// <exception cref="ArgumentException">The pattern is not a valid regex.</exception>
    internal static Regex Create(string pattern)
    {
        var translated = Translate(pattern);
        try
        {
            return new Regex(translated, Options | RegexOptions.Compiled);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"The split pattern is not a valid regex ({e.Message}): {pattern}", nameof(pattern), e);
        }
    }

    /// <summary>Rewrites possessive quantifiers as atomic groups and <c>$</c> as <c>\z</c>; everything else is copied.</summary>
    internal static string Translate(string pattern)
    {
        var output = new StringBuilder(pattern.Length + 16);
        var position = 0;
        TranslateSequence(pattern, ref position, output, topLevel: true);
        return output.ToString();
    }

    private static void TranslateSequence(string p, ref int i, StringBuilder output, bool topLevel)
    {
        while (i < p.Length)
        {
            var c = p[i];
            if (c == ')')
            {
                if (topLevel)
                {
                    throw new ArgumentException($"Unbalanced ')' at {i} in the split pattern: {p}", nameof(p));
                }

                return;
            }

            if (c == '|')
            {
                output.Append('|');
                i++;
                continue;
            }

            if (c == '$')
            {
                output.Append(@"\z");
                i++;
                continue;
            }

            var atom = ReadAtom(p, ref i);
            var quantifierStart = i;
            if (i < p.Length && (p[i] is '?' or '*' or '+' || (p[i] == '{' && IsCounted(p, i))))
            {
                if (p[i] == '{')
                {
                    i = p.IndexOf('}', i) + 1;
                }
                else
                {
                    i++;
                }

                var quantifier = p[quantifierStart..i];
                if (i < p.Length && p[i] == '+')
                {
                    output.Append("(?>").Append(atom).Append(quantifier).Append(')');
                    i++;
                }
                else
                {
                    output.Append(atom).Append(quantifier);
                    if (i < p.Length && p[i] == '?')
                    {
                        output.Append('?');
                        i++;
                    }
                }
            }
            else
            {
                output.Append(atom);
            }
        }

        if (!topLevel)
        {
            throw new ArgumentException($"Unbalanced '(' in the split pattern: {p}", nameof(p));
        }
    }

    private static bool IsCounted(string p, int i)
    {
        var close = p.IndexOf('}', i);
        if (close < 0)
        {
            return false;
        }

        foreach (var c in p.AsSpan(i + 1, close - i - 1))
        {
            if (!char.IsAsciiDigit(c) && c != ',')
            {
                return false;
            }
        }

        return close > i + 1;
    }

    private static string ReadAtom(string p, ref int i)
    {
        var start = i;
        switch (p[i])
        {
            case '\\':
                i = EscapeEnd(p, i);
                return p[start..i];
            case '[':
                i++;
                if (i < p.Length && p[i] == '^')
                {
                    i++;
                }

                if (i < p.Length && p[i] == ']')
                {
                    i++;
                }

                while (i < p.Length && p[i] != ']')
                {
                    i = p[i] == '\\' ? EscapeEnd(p, i) : i + 1;
                }

                if (i >= p.Length)
                {
                    throw new ArgumentException($"Unclosed '[' at {start} in the split pattern: {p}", nameof(p));
                }

                i++;
                return p[start..i];
            case '(':
                var prefixEnd = i + 1;
                if (prefixEnd < p.Length && p[prefixEnd] == '?')
                {
                    // (?:  (?=  (?!  (?<=  (?<!  (?>  (?i:  (?i)  (?<name>  (?P<name>
                    prefixEnd++;
                    while (prefixEnd < p.Length && p[prefixEnd] is not (':' or ')' or '=' or '!' or '>'))
                    {
                        prefixEnd++;
                    }

                    if (prefixEnd < p.Length && p[prefixEnd] != ')')
                    {
                        prefixEnd++;
                    }
                }

                var inner = new StringBuilder();
                var prefix = p[start..prefixEnd].Replace("(?P<", "(?<", StringComparison.Ordinal);
                if (prefixEnd < p.Length && p[prefixEnd] == ')' && prefix.StartsWith("(?", StringComparison.Ordinal) && !prefix.EndsWith(':'))
                {
                    // An inline flag group such as (?i): copied as is.
                    i = prefixEnd + 1;
                    return p[start..i];
                }

                i = prefixEnd;
                TranslateSequence(p, ref i, inner, topLevel: false);
                i++; // ')'
                return string.Concat(prefix, inner.ToString(), ")");
            default:
                i++;
                return p[start..i];
        }
    }

    private static int EscapeEnd(string p, int i)
    {
        if (i + 1 >= p.Length)
        {
            throw new ArgumentException($"The split pattern ends in a lone '\\': {p}", nameof(p));
        }

        var c = p[i + 1];
        if ((c is 'p' or 'P' or 'x' or 'u') && i + 2 < p.Length && p[i + 2] == '{')
        {
            var close = p.IndexOf('}', i + 2);
            return close < 0 ? throw new ArgumentException($"Unclosed '{{' at {i + 2} in the split pattern: {p}", nameof(p)) : close + 1;
        }

        return i + 2;
    }

    /// <summary>One BMP character per general category, standing for a supplementary code point of that category (and
    /// U+FFFD, So, for a lone surrogate). Chosen away from the literals of the built-in patterns.</summary>
    private static readonly char[] StandIns = BuildStandIns();

    private static char[] BuildStandIns()
    {
        var table = new char[(int)UnicodeCategory.OtherNotAssigned + 1];
        foreach (var c in "\u0186\u0254\u01C5\u02B0\u05D0\u0300\u0903\u20DD\u0660\u2160\u00B2\u2028\u2028\u2029\u0007\u200B\uFFFD\uE000\u203F\u2010\u2045\u2046\u00B6\u2212\u00A2\u02C2\u00A6\u2039\u203A\u0378")
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (table[(int)category] == '\0')
            {
                table[(int)category] = c;
            }
        }

        for (var k = 0; k < table.Length; k++)
        {
            if (table[k] == '\0')
            {
                table[k] = '\uFFFD'; // Zs or Cs: no supplementary code point has them
            }
        }

        return table;
    }

    /// <summary>Builds the stand-in for text that holds surrogates: one char per code point, and for each stand-in
    /// index the index in <paramref name="text"/> where that code point starts (plus the end).</summary>
    internal static (string StandIn, int[] Starts) StandIn(ReadOnlySpan<char> text)
    {
        var chars = new char[text.Length];
        var starts = new int[text.Length + 1];
        var n = 0;
        for (var i = 0; i < text.Length;)
        {
            starts[n] = i;
            var c = text[i];
            if (!char.IsSurrogate(c))
            {
                chars[n++] = c;
                i++;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var category = CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, text[i + 1]));
                chars[n++] = StandIns[(int)category];
                i += 2;
            }
            else
            {
                chars[n++] = '\uFFFD';
                i++;
            }
        }

        starts[n] = text.Length;
        return (new string(chars, 0, n), starts);
    }
}
