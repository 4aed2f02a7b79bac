using System.Globalization;
using System.Text;

namespace EmbedSharp.Study;

/// <summary>What the study's HTML reports (<see cref="StudyReport"/>, <see cref="Claims.ClaimsReport"/>) share: escaping,
/// invariant formatting, the palette and axis ticks.</summary>
internal static class ReportHtml
{
    /// <summary>Every number in a report is written with the invariant culture.</summary>
    public static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>14 colours that stay apart on white (Tableau 10, then four darker ones, drawn dashed).</summary>
    public static readonly string[] Palette =
    [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
        "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#ad494a", "#111111",
    ];

    /// <summary>The page, headings and section boxes every report shares.</summary>
    public const string BaseCss = """
        :root { --ink: #1d2330; --muted: #5b6475; --line: #d9dee7; --bg: #f6f7fa; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
        main { max-width: 1180px; margin: 0 auto; padding: 28px 32px 40px; }
        h1 { font-size: 26px; margin: 0 0 6px; }
        h2 { font-size: 18px; margin: 0 0 8px; }
        section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px; margin: 18px 0; }

        """;

    /// <summary>Escapes &amp;, &lt;, &gt;, " and ' (other characters stay as UTF-8 text).</summary>
    public static string E(string text)
    {
        if (text.AsSpan().IndexOfAny("&<>\"'") < 0)
        {
            return text;
        }

        var b = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            b.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        }

        return b.ToString();
    }

    /// <summary>An interpolated string formatted with the invariant culture.</summary>
    public static string F(FormattableString s) => s.ToString(Inv);

    /// <summary>A number in <paramref name="format"/>, or an em dash when it is not finite.</summary>
    public static string Num(double v, string format) => double.IsFinite(v) ? v.ToString(format, Inv) : "—";

    /// <summary>About <paramref name="count"/> round ticks (steps of 1, 2 or 5 × 10ᵏ) from <paramref name="lo"/> to
    /// <paramref name="hi"/>, at most count + 1; 10 000 and above as "10k".</summary>
    public static List<(double Value, string Text)> LinearTicks(double lo, double hi, int count, bool integers = false)
    {
        var raw = (hi - lo) / Math.Max(1, count);
        raw = integers ? Math.Max(raw, 1) : raw;
        var mag = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(raw, 1e-12))));
        var step = (raw / mag) switch { <= 1 => 1, <= 2 => 2, <= 5 => 5, _ => 10 } * mag;
        var ticks = new List<(double, string)>();
        for (var v = Math.Ceiling(lo / step) * step; v <= hi + (step * 1e-9); v += step)
        {
            var value = Math.Abs(v) < step * 1e-9 ? 0 : v; // no "-0" from rounding
            ticks.Add((value, Math.Abs(value) >= 10_000 ? (value / 1000).ToString("0.#", Inv) + "k" : value.ToString("0.####", Inv)));
        }

        return ticks;
    }

    /// <summary>Ticks at 1, 2 and 5 × 10ᵏ between <paramref name="lo"/> and <paramref name="hi"/> (both &gt; 0); only the
    /// powers of ten when that gives more than <paramref name="maxCount"/>.</summary>
    public static List<(double Value, string Text)> LogTicks(double lo, double hi, int maxCount)
    {
        var ticks = new List<(double, string)>();
        for (var e = (int)Math.Floor(Math.Log10(lo)) - 1; e <= (int)Math.Ceiling(Math.Log10(hi)); e++)
        {
            foreach (var m in (ReadOnlySpan<double>)[1, 2, 5])
            {
                var v = m * Math.Pow(10, e);
                if (v >= lo * 0.999 && v <= hi * 1.001)
                {
                    ticks.Add((v, LogTickText(v)));
                }
            }
        }

        if (ticks.Count > maxCount)
        {
            ticks = ticks.Where(t => IsPowerOfTen(t.Item1)).ToList();
        }

        return ticks;
    }

    private static string LogTickText(double v) => v switch
    {
        >= 10_000 => (v / 1000).ToString("0.#", Inv) + "k",
        >= 0.001 => v.ToString("0.###", Inv),
        _ => v.ToString("0E0", Inv),
    };

    private static bool IsPowerOfTen(double v) => Math.Abs(Math.Log10(v) - Math.Round(Math.Log10(v))) < 1e-9;
}
