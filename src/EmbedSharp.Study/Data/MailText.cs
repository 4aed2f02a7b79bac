using System.Text;
using System.Text.RegularExpressions;

namespace EmbedSharp.Study.Data;

/// <summary>
/// Turns a raw e-mail (headers, blank line, body, as in <c>SpamMail.Text</c>) into the text a classifier reads:
/// the <c>Subject</c> header's value, the domain of the <c>From</c> address, then the body with HTML tags removed.
/// </summary>
/// <remarks>
/// Policy: the header block ends at the first empty line; folded header lines (starting with a space or tab) are joined
/// to the header they continue. Every other header (Received, Message-Id, Date, To, Content-Type, X-…) and the mbox
/// <c>From </c> line are dropped: they carry routing noise (and, in SpamAssassin, tell-tale server names) rather than
/// content. In the body, HTML comments, <c>&lt;script&gt;</c>/<c>&lt;style&gt;</c> elements with their content, and tags
/// are replaced by a space. Nothing is decoded: MIME boundaries, part headers, quoted-printable, base64 and HTML
/// entities stay as they are. A message without a blank line is all headers (empty body).
/// </remarks>
public static partial class MailText
{
    /// <summary>"subject\nfrom-domain\nbody-without-tags" (missing parts are empty).</summary>
    public static string ToClassifierText(string rawMail)
    {
        ArgumentNullException.ThrowIfNull(rawMail);
        var text = rawMail.AsSpan();
        var headerEnd = FindBlankLine(text, out var bodyStart);
        var headers = text[..headerEnd];
        var body = bodyStart < text.Length ? text[bodyStart..] : [];
        var subject = HeaderValue(headers, "Subject");
        var domain = FromDomain(HeaderValue(headers, "From"));
        var sb = new StringBuilder(subject.Length + domain.Length + body.Length + 2);
        sb.Append(subject).Append('\n').Append(domain).Append('\n');
        sb.Append(StripHtml(body.ToString()));
        return sb.ToString();
    }

    /// <summary>Replaces HTML comments, script/style elements and tags by a space; everything else is kept.</summary>
    public static string StripHtml(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Contains('<', StringComparison.Ordinal) ? HtmlPattern().Replace(text, " ") : text;
    }

    /// <summary>The unfolded value of the first header named <paramref name="name"/> (case-insensitive), or "".</summary>
    public static string HeaderValue(ReadOnlySpan<char> headers, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var sb = (StringBuilder?)null;
        foreach (var lineRange in headers.Split('\n'))
        {
            var line = headers[lineRange].TrimEnd('\r');
            if (sb is not null)
            {
                if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t'))
                {
                    sb.Append(' ').Append(line.Trim());
                    continue;
                }

                break;
            }

            if (line.Length > name.Length && line[name.Length] == ':' && line[..name.Length].Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                sb = new StringBuilder().Append(line[(name.Length + 1)..].Trim());
            }
        }

        return sb?.ToString() ?? "";
    }

    /// <summary>The domain of an address header value (the text after the last '@' up to '>' or white space), or "".</summary>
    public static string FromDomain(string from)
    {
        ArgumentNullException.ThrowIfNull(from);
        var at = from.LastIndexOf('@');
        if (at < 0)
        {
            return "";
        }

        var rest = from.AsSpan(at + 1);
        var end = rest.IndexOfAny("> \t\"');,");
        return (end < 0 ? rest : rest[..end]).ToString();
    }

    /// <summary>End of the header block (exclusive) and the start of the body: the first empty line.</summary>
    private static int FindBlankLine(ReadOnlySpan<char> text, out int bodyStart)
    {
        if (text.StartsWith("\n") || text.StartsWith("\r\n"))
        {
            bodyStart = text[0] == '\n' ? 1 : 2;
            return 0;
        }

        var i = 0;
        while (i < text.Length)
        {
            var nl = text[i..].IndexOf('\n');
            if (nl < 0)
            {
                break;
            }

            var lineEnd = i + nl;
            var next = lineEnd + 1;
            if (next < text.Length && text[next] == '\n')
            {
                bodyStart = next + 1;
                return lineEnd;
            }

            if (next + 1 < text.Length && text[next] == '\r' && text[next + 1] == '\n')
            {
                bodyStart = next + 2;
                return lineEnd;
            }

            i = next;
        }

        bodyStart = text.Length;
        return text.Length;
    }

    [GeneratedRegex(@"<!--.*?-->|<(script|style)\b.*?</\1\s*>|</?[a-zA-Z!][^<>]{0,4096}>", RegexOptions.Singleline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 10000)]
    private static partial Regex HtmlPattern();
}
