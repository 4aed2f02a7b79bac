using System.Text.RegularExpressions;
using EmbedSharp.Study;

namespace EmbedSharp.Tests.Study;

public sealed partial class StudyReportTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "embedsharp-study-report-" + Guid.NewGuid().ToString("N"));

    public StudyReportTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_report_has_a_series_per_scheme_in_every_chart_the_table_and_the_summary()
    {
        var results = SyntheticStudy.Full();
        var html = StudyReport.Render(results);
        foreach (var (kind, count) in new[] { ("loss", 14), ("accuracy", 14), ("grad", 13) }) // the frozen table has no gradient to draw
        {
            var chart = Regex.Match(html, $"<svg class=\"chart {kind}\".*?</svg>", RegexOptions.Singleline);
            Assert.True(chart.Success, kind);
            Assert.Equal(count, SeriesPattern().Matches(chart.Value).Count);
        }

        Assert.Equal(14, Regex.Matches(html, "<svg class=\"chart panel\"").Count);
        Assert.Equal(14 * 3, Regex.Matches(html, "<ul class=\"legend\">.*?</ul>", RegexOptions.Singleline).Sum(m => Regex.Matches(m.Value, "<li ").Count));
        Assert.Equal(14, Regex.Matches(html, "<tr><td>\\d+</td>").Count);
        foreach (var sentence in results.Summary)
        {
            Assert.Contains(ReportHtml.E(sentence), html, StringComparison.Ordinal);
        }

        Assert.Contains("<td>1</td><td>pretrained, fine-tuned</td><td class=\"num\">97.60% ± 0.14</td>", html, StringComparison.Ordinal);
        Assert.Contains("not reached", html, StringComparison.Ordinal);
        Assert.Contains("class=\"target\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_report_is_self_contained()
    {
        var html = StudyReport.Render(SyntheticStudy.Full());
        Assert.DoesNotMatch("(src|href)\\s*=\\s*\"(https?:)?//", html);
        Assert.DoesNotContain("<link", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script src", html, StringComparison.Ordinal);
        Assert.DoesNotContain("@import", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Labels_are_html_escaped()
    {
        var run = SyntheticStudy.Run("<b>&", 0, 300, 0.9);
        var html = StudyReport.Render(StudyResults.Create(SyntheticStudy.Setup(), [run]));
        Assert.DoesNotContain("<b>&", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;&amp;", html, StringComparison.Ordinal);
    }

    [ChromiumFact]
    public void The_report_renders_its_charts_in_headless_chromium()
    {
        var chromium = Chromium.Find()!;
        var path = Path.Combine(_dir, "report.html");
        StudyReport.Write(path, SyntheticStudy.Full());
        var dom = Chromium.Run(chromium, "--dump-dom", new Uri(path).AbsoluteUri);
        var rendered = Regex.Match(dom, "<html[^>]*data-rendered=\"(\\d+)\"");
        Assert.True(rendered.Success, "The page's script did not set data-rendered: " + dom[..Math.Min(400, dom.Length)]);
        // 14 series in the loss and accuracy charts, 13 in the gradient chart, 2 seeds in each of 14 panels: all with a non-empty box.
        Assert.Equal((14 * 2) + 13 + (14 * 2), int.Parse(rendered.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex("<path class=\"series\"")]
    private static partial Regex SeriesPattern();
}
