using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>
/// A Hugging Face <c>Regex</c> pattern (Oniguruma syntax, over code points) run with .NET's <see cref="Regex"/> (over
/// UTF-16 units). The pattern is translated: possessive quantifiers <c>X*+ X++ X?+ X{n,m}+</c> become atomic groups
/// <c>(?&gt;X*)</c>, <c>\x{HHHH}</c> becomes <c>\uHHHH</c>, <c>\h</c> a hex digit class, <c>\p{^X}</c> <c>\P{X}</c>;
/// <c>^</c> and <c>$</c> match at line breaks (Ruby syntax). So that a character outside the BMP is one character for
/// classes and quantifiers, a text with surrogate pairs is matched on a copy where each such pair is one BMP stand-in
/// of the same general category; match positions are mapped back.
/// </summary>
internal sealed class OnigurumaRegex
{
    private readonly Regex regex;

    /// <summary>Compiles <paramref name="pattern"/>.</summary>
    /// <exception cref="ArgumentException">The pattern uses syntax that has no .NET translation, or is invalid.</exception>
    public OnigurumaRegex(string pattern)
    {
        Pattern = pattern;
        var translated = Translate(pattern);
        regex = new Regex(translated, RegexOptions.CultureInvariant | RegexOptions.Multiline, TimeSpan.FromSeconds(10));
    }

    /// <summary>The pattern as written in the file.</summary>
    public string Pattern { get; }

    /// <summary>A literal string pattern (Hugging Face's <c>String</c> patterns).</summary>
    public static OnigurumaRegex Literal(string text) => new(EscapeLiteral(text));

    /// <summary>Appends the [start, end) of every match in <paramref name="text"/>, left to right.</summary>
    public void Find(ReadOnlySpan<char> text, List<(int Start, int End)> matches)
    {
        matches.Clear();
        if (text.IsEmpty)
        {
            return;
        }

        if (text.IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            foreach (var m in regex.EnumerateMatches(text))
            {
                matches.Add((m.Index, m.Index + m.Length));
            }

            return;
        }

        // One stand-in unit per code point; position[i] is the UTF-16 index of stand-in i (and position[n] = length).
        var proxy = new char[text.Length];
        var position = new int[text.Length + 1];
        var n = 0;
        for (var i = 0; i < text.Length;)
        {
            position[n] = i;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                proxy[n++] = StandIn(Rune.GetUnicodeCategory(new Rune(text[i], text[i + 1])));
                i += 2;
            }
            else
            {
                proxy[n++] = text[i++];
            }
        }

        position[n] = text.Length;
        foreach (var m in regex.EnumerateMatches(proxy.AsSpan(0, n)))
        {
            matches.Add((position[m.Index], position[m.Index + m.Length]));
        }
    }

    private static string EscapeLiteral(string text)
    {
        var sb = new StringBuilder(text.Length * 2);
        foreach (var c in text)
        {
            if (c is '\\' or '*' or '+' or '?' or '|' or '{' or '}' or '[' or ']' or '(' or ')' or '^' or '$' or '.' or '#' or ' ' or '-')
            {
                sb.Append('\\').Append(c);
            }
            else if (c < 0x20 || c >= 0x7F)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>A BMP character of <paramref name="category"/> that real patterns do not name literally.</summary>
    private static char StandIn(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter => '\u13A0',
        UnicodeCategory.LowercaseLetter => '\uAB70',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\uA000',
        UnicodeCategory.NonSpacingMark => '\u1DC0',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '\u0E50',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u2460',
        UnicodeCategory.Format => '\u2060',
        UnicodeCategory.PrivateUse => '\uE000',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u2045',
        UnicodeCategory.ClosePunctuation => '\u2046',
        UnicodeCategory.InitialQuotePunctuation => '\u2039',
        UnicodeCategory.FinalQuotePunctuation => '\u203A',
        UnicodeCategory.OtherPunctuation => '\u203B',
        UnicodeCategory.MathSymbol => '\u2200',
        UnicodeCategory.CurrencySymbol => '\u20A0',
        UnicodeCategory.ModifierSymbol => '\u02C2',
        UnicodeCategory.OtherSymbol => '\u2396',
        _ => '\u0378',
    };

    /// <summary>Translates an Oniguruma pattern to .NET syntax.</summary>
    /// <exception cref="ArgumentException">The pattern has no translation.</exception>
    internal static string Translate(string pattern)
    {
        var output = new StringBuilder(pattern.Length + 16);
        var pos = 0;
        TranslateSequence(pattern, ref pos, output, inGroup: false);
        return output.ToString();
    }

    private static void TranslateSequence(string p, ref int pos, StringBuilder output, bool inGroup)
    {
        var atomStart = -1;
        while (pos < p.Length)
        {
            var c = p[pos];
            switch (c)
            {
                case ')' when inGroup:
                    return;
                case ')':
                    throw new ArgumentException($"unbalanced ')' at character {pos} of the pattern.");
                case '|':
                    output.Append('|');
                    pos++;
                    atomStart = -1;
                    break;
                case '(':
                    atomStart = output.Length;
                    TranslateGroup(p, ref pos, output);
                    break;
                case '[':
                    atomStart = output.Length;
                    TranslateClass(p, ref pos, output);
                    break;
                case '\\':
                    atomStart = output.Length;
                    TranslateEscape(p, ref pos, output, inClass: false);
                    break;
                case '*' or '+' or '?' or '{':
                    if (c == '{' && !IsCountedQuantifier(p, pos))
                    {
                        atomStart = output.Length;
                        output.Append("\\{");
                        pos++;
                        break;
                    }

                    if (atomStart < 0)
                    {
                        throw new ArgumentException($"the quantifier '{c}' at character {pos} of the pattern follows nothing.");
                    }

                    var end = c == '{' ? p.IndexOf('}', pos) + 1 : pos + 1;
                    output.Append(p, pos, end - pos);
                    pos = end;
                    if (pos < p.Length && p[pos] == '+')
                    {
                        // Possessive: (?>atom quantifier)
                        output.Insert(atomStart, "(?>").Append(')');
                        pos++;
                    }
                    else if (pos < p.Length && p[pos] == '?')
                    {
                        output.Append('?');
                        pos++;
                    }

                    break;
                default:
                    atomStart = output.Length;
                    if (c is ' ' or '#')
                    {
                        output.Append('\\');
                    }

                    output.Append(c);
                    pos++;
                    break;
            }
        }

        if (inGroup)
        {
            throw new ArgumentException("a '(' of the pattern is never closed.");
        }
    }

    private static bool IsCountedQuantifier(string p, int pos)
    {
        var close = p.IndexOf('}', pos);
        if (close < 0)
        {
            return false;
        }

        var body = p.AsSpan(pos + 1, close - pos - 1);
        return body.Length > 0 && body.IndexOfAnyExcept("0123456789,") < 0 && char.IsAsciiDigit(body[0]) | body[0] == ',';
    }

    private static void TranslateGroup(string p, ref int pos, StringBuilder output)
    {
        // The group's opening: "(", "(?:", "(?i:", "(?=", "(?!", "(?<=", "(?<!", "(?>", "(?<name>".
        var open = pos;
        pos++;
        if (pos < p.Length && p[pos] == '?')
        {
            var colon = pos + 1;
            while (colon < p.Length && p[colon] is not (':' or ')' or '=' or '!' or '>' or '<'))
            {
                if (!char.IsAsciiLetter(p[colon]) && p[colon] != '-')
                {
                    throw new ArgumentException($"the group syntax at character {open} of the pattern is not supported.");
                }

                colon++;
            }

            if (colon < p.Length && p[colon] == '<' && colon + 1 < p.Length && p[colon + 1] is '=' or '!')
            {
                colon++;
            }
            else if (colon < p.Length && p[colon] == '<')
            {
                colon = p.IndexOf('>', colon);
                if (colon < 0)
                {
                    throw new ArgumentException($"the group name at character {open} of the pattern is not closed.");
                }
            }

            if (colon >= p.Length)
            {
                throw new ArgumentException($"the group at character {open} of the pattern is not closed.");
            }

            pos = colon + 1;
            if (p[colon] == ')')
            {
                // An inline option group "(?i)": applies to the rest, as in .NET.
                output.Append(p, open, pos - open);
                return;
            }
        }

        output.Append(p, open, pos - open);
        TranslateSequence(p, ref pos, output, inGroup: true);
        output.Append(')');
        pos++;
    }

    private static void TranslateClass(string p, ref int pos, StringBuilder output)
    {
        var open = pos;
        output.Append('[');
        pos++;
        if (pos < p.Length && p[pos] == '^')
        {
            output.Append('^');
            pos++;
        }

        if (pos < p.Length && p[pos] == ']')
        {
            output.Append("\\]");
            pos++;
        }

        while (pos < p.Length && p[pos] != ']')
        {
            if (p[pos] == '\\')
            {
                TranslateEscape(p, ref pos, output, inClass: true);
            }
            else if (p[pos] == '[')
            {
                if (pos + 1 < p.Length && p[pos + 1] == ':')
                {
                    throw new ArgumentException($"the POSIX bracket at character {pos} of the pattern is not supported.");
                }

                output.Append("\\[");
                pos++;
            }
            else if (p[pos] == '&' && pos + 1 < p.Length && p[pos + 1] == '&')
            {
                throw new ArgumentException($"the class intersection '&&' at character {pos} of the pattern is not supported.");
            }
            else
            {
                output.Append(p[pos++]);
            }
        }

        if (pos >= p.Length)
        {
            throw new ArgumentException($"the character class at character {open} of the pattern is not closed.");
        }

        output.Append(']');
        pos++;
    }

    private static void TranslateEscape(string p, ref int pos, StringBuilder output, bool inClass)
    {
        if (pos + 1 >= p.Length)
        {
            throw new ArgumentException("the pattern ends with a lone '\\'.");
        }

        var c = p[pos + 1];
        switch (c)
        {
            case 'x' when pos + 2 < p.Length && p[pos + 2] == '{':
                {
                    var close = p.IndexOf('}', pos);
                    var hex = close < 0 ? "" : p[(pos + 3)..close];
                    if (!int.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var cp) || cp > 0xFFFF)
                    {
                        throw new ArgumentException($"the escape \\x{{{hex}}} at character {pos} of the pattern is not supported (a BMP code point is).");
                    }

                    output.Append(CultureInfo.InvariantCulture, $"\\u{cp:X4}");
                    pos = close + 1;
                    return;
                }

            case 'h':
                output.Append(inClass ? "0-9a-fA-F" : "[0-9a-fA-F]");
                pos += 2;
                return;
            case 'H' when !inClass:
                output.Append("[^0-9a-fA-F]");
                pos += 2;
                return;
            case 'p' or 'P' when pos + 2 < p.Length && p[pos + 2] == '{':
                {
                    var close = p.IndexOf('}', pos);
                    if (close < 0)
                    {
                        throw new ArgumentException($"the property escape at character {pos} of the pattern is not closed.");
                    }

                    var name = p[(pos + 3)..close];
                    var negate = c == 'P';
                    if (name.StartsWith('^'))
                    {
                        negate = !negate;
                        name = name[1..];
                    }

                    if (name.Length > 2 || name.Length == 0 || !char.IsAsciiLetterUpper(name[0]))
                    {
                        throw new ArgumentException($"the property \\p{{{name}}} at character {pos} of the pattern is not supported (general categories such as \\p{{L}} and \\p{{Lu}} are).");
                    }

                    output.Append(negate ? "\\P{" : "\\p{").Append(name).Append('}');
                    pos = close + 1;
                    return;
                }

            case 'A' or 'z' or 'Z' or 'b' or 'B' or 'G' when !inClass:
            case 'd' or 'D' or 's' or 'S' or 'w' or 'W' or 'n' or 'r' or 't' or 'f' or 'v' or 'e' or 'u' or 'x' or '0':
                output.Append('\\').Append(c);
                pos += 2;
                return;
            default:
                if (char.IsAsciiLetterOrDigit(c))
                {
                    throw new ArgumentException($"the escape \\{c} at character {pos} of the pattern is not supported.");
                }

                output.Append('\\').Append(c);
                pos += 2;
                return;
        }
    }
}
