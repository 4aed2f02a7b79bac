using System.Globalization;
using System.Text;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Study;

/// <summary>
/// Writes <c>report.html</c>: one self-contained page (inline CSS, inline SVG charts drawn here, a few lines of inline
/// script for legend highlighting; nothing loaded from the network). Charts: training loss per scheme (mean over seeds
/// with the min–max band, log scale), test accuracy per epoch (mean ± std), embedding-gradient norm, and one small
/// panel per scheme with every seed; then the ranked table and the generated summary. After the page has laid out, the
/// script sets <c>data-rendered</c> on <c>&lt;html&gt;</c> to the number of drawn series paths with a non-empty box.
/// </summary>
public static class StudyReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>14 colours that stay apart on white (Tableau 10, then four darker ones, drawn dashed).</summary>
    private static readonly string[] Palette =
    [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
        "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#ad494a", "#111111",
    ];

    /// <summary>Writes the report atomically to <paramref name="path"/>.</summary>
    public static void Write(string path, StudyResults results)
    {
        var html = Render(results);
        AtomicFile.Write(path, s =>
        {
            var bytes = new UTF8Encoding(false).GetBytes(html);
            s.Write(bytes);
        });
    }

    /// <summary>The report as one HTML string.</summary>
    public static string Render(StudyResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var setup = results.Setup;
        var schemes = results.Runs.Select(r => r.Scheme).Distinct(StringComparer.Ordinal).ToList();
        var style = schemes.ToDictionary(s => s, s => Style(s, schemes.IndexOf(s)), StringComparer.Ordinal);
        var labels = schemes.ToDictionary(s => s, s => results.Ranking.FirstOrDefault(a => a.Scheme == s)?.Label ?? s, StringComparer.Ordinal);

        var h = new StringBuilder(64 * 1024);
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.Append("<title>Embedding initialisation study — EmbedSharp</title>\n<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n<main>\n");
        h.Append("<header><h1>Which embedding initialisation should I use?</h1>\n<p class=\"setup\">");
        h.Append(E(F($"{setup.Data} · V = {setup.VocabularySize:N0} words × D = {setup.Dim} · {setup.Epochs} epochs, SGD lr {setup.LearningRate:0.###} decaying linearly · seeds {string.Join(", ", setup.Seeds)} · output layer {(setup.OutputInit == OutputLayerInit.Torch ? "nn.Linear default" : "zeros (fastText)")} · {setup.Preset.ToString().ToLowerInvariant()} preset")));
        if (setup.Vectors is not null)
        {
            h.Append("<br>Pretrained vectors: ").Append(E(setup.Vectors));
        }

        h.Append("</p></header>\n");

        h.Append("<section class=\"summary\"><h2>What the data shows</h2>\n<ul>\n");
        foreach (var sentence in results.Summary)
        {
            h.Append("<li>").Append(E(sentence)).Append("</li>\n");
        }

        h.Append("</ul></section>\n");

        h.Append("<section><h2>Ranking</h2>\n").Append(RankTable(results)).Append("</section>\n");

        h.Append("<section><h2>Training loss</h2>\n<p class=\"note\">Mean cross-entropy over ").Append(setup.LogEvery.ToString(Inv))
            .Append(" steps, averaged over seeds; the shaded band spans the lowest to the highest seed. Log scale. Dotted line: the target loss ")
            .Append(E(setup.TargetLoss.ToString("0.###", Inv))).Append(".</p>\n<div class=\"chart-row\">\n");
        h.Append(LossChart(results, schemes, style, labels)).Append(Legend(schemes, style, labels)).Append("</div></section>\n");

        h.Append("<section><h2>Test accuracy per epoch</h2>\n<p class=\"note\">Mean over seeds; the band is ± one standard deviation.</p>\n<div class=\"chart-row\">\n");
        h.Append(AccuracyChart(results, schemes, style, labels)).Append(Legend(schemes, style, labels)).Append("</div></section>\n");

        h.Append("<section><h2>Gradient norm of the embedding table</h2>\n<p class=\"note\">L2 norm of the table's gradient per step, mean over the logging window and the seeds. Log scale; the frozen table has none.</p>\n<div class=\"chart-row\">\n");
        h.Append(GradChart(results, schemes, style, labels)).Append(Legend(schemes, style, labels)).Append("</div></section>\n");

        h.Append("<section><h2>Every seed, scheme by scheme</h2>\n<p class=\"note\">Training loss of each seed (same axes in every panel).</p>\n<div class=\"panels\">\n");
        h.Append(Panels(results, schemes, style, labels)).Append("</div></section>\n");

        h.Append("<footer>Generated by <code>embedsharp study init</code>. Data: results.json and results.csv beside this file.</footer>\n");
        h.Append("</main>\n<script>\n").Append(Script).Append("</script>\n</body>\n</html>\n");
        return h.ToString();
    }

    private static string RankTable(StudyResults results)
    {
        var t = new StringBuilder();
        t.Append("<table class=\"rank\"><thead><tr><th>#</th><th>initialisation</th><th>final accuracy (mean ± std)</th><th>min – max</th><th>test loss</th>")
            .Append("<th>steps to loss ").Append(E(results.Setup.TargetLoss.ToString("0.###", Inv))).Append("</th><th>time / run</th></tr></thead>\n<tbody>\n");
        foreach (var a in results.Ranking)
        {
            t.Append("<tr").Append(a.DivergedRuns > 0 ? " class=\"diverged\"" : "").Append("><td>").Append(a.Rank.ToString(Inv)).Append("</td><td>")
                .Append(E(a.Label)).Append("</td><td class=\"num\">").Append(E(F($"{a.AccuracyMean * 100:0.00}% ± {a.AccuracyStd * 100:0.00}")))
                .Append("</td><td class=\"num\">").Append(E(F($"{a.AccuracyMin * 100:0.00} – {a.AccuracyMax * 100:0.00}")))
                .Append("</td><td class=\"num\">").Append(E(Num(a.TestLossMean, "0.0000")))
                .Append("</td><td class=\"num\">").Append(E(a.StepsToTargetMean is { } st ? F($"{st:N0}{(a.ReachedTarget < a.Runs ? $" ({a.ReachedTarget}/{a.Runs} seeds)" : "")}") : "not reached"))
                .Append("</td><td class=\"num\">").Append(E(F($"{a.WallSecondsMean:0.0} s"))).Append("</td></tr>\n");
        }

        return t.Append("</tbody></table>\n").ToString();
    }

    private static string LossChart(StudyResults results, List<string> schemes, Dictionary<string, (string Color, string Dash)> style, Dictionary<string, string> labels)
    {
        var series = schemes.Select(s => StepSeries(results.Runs.Where(r => r.Scheme == s).ToList(), x => x.Loss, s, labels[s], style[s])).ToList();
        var (lo, hi) = Range(series, positiveOnly: true);
        lo = Math.Min(lo, results.Setup.TargetLoss);
        var chart = new Chart(760, 420, "step (examples seen)", "training loss (nats, log)", XMax(results), lo, hi, log: true);
        return chart.Render("loss", series, hLine: results.Setup.TargetLoss);
    }

    private static string GradChart(StudyResults results, List<string> schemes, Dictionary<string, (string Color, string Dash)> style, Dictionary<string, string> labels)
    {
        var series = schemes.Select(s => StepSeries(results.Runs.Where(r => r.Scheme == s).ToList(), x => x.EmbeddingGradNorm, s, labels[s], style[s]) with { Band = false })
            .Select(s => s with { Points = s.Points.Where(p => p.Y > 0).ToList() }) // a frozen table has no gradient: nothing to draw on a log axis
            .ToList();
        var (lo, hi) = Range(series, positiveOnly: true);
        var chart = new Chart(760, 360, "step (examples seen)", "‖∇ embedding‖ (log)", XMax(results), lo, hi, log: true);
        return chart.Render("grad", series);
    }

    private static string AccuracyChart(StudyResults results, List<string> schemes, Dictionary<string, (string Color, string Dash)> style, Dictionary<string, string> labels)
    {
        var series = new List<Series>();
        foreach (var s in schemes)
        {
            var runs = results.Runs.Where(r => r.Scheme == s).ToList();
            var epochs = runs.Min(r => r.Epochs.Count);
            var pts = new List<(double X, double Y, double Lo, double Hi)>();
            for (var e = 0; e < epochs; e++)
            {
                var v = runs.Select(r => r.Epochs[e].TestAccuracy).Where(double.IsFinite).ToArray();
                if (v.Length == 0)
                {
                    continue;
                }

                var mean = v.Average();
                var std = v.Length > 1 ? Math.Sqrt(v.Sum(a => (a - mean) * (a - mean)) / (v.Length - 1)) : 0;
                pts.Add((runs[0].Epochs[e].Epoch, mean * 100, (mean - std) * 100, (mean + std) * 100));
            }

            series.Add(new Series(s, labels[s], style[s].Color, style[s].Dash, pts, Band: true, Markers: true));
        }

        var (lo, hi) = Range(series, positiveOnly: false);
        lo = Math.Max(0, Math.Floor(lo - 1));
        hi = Math.Min(100, Math.Ceiling(hi + 0.5));
        var chart = new Chart(760, 380, "epoch", "test accuracy (%)", Math.Max(1, results.Setup.Epochs), lo, hi, log: false, xMin: 1);
        return chart.Render("accuracy", series);
    }

    private static string Panels(StudyResults results, List<string> schemes, Dictionary<string, (string Color, string Dash)> style, Dictionary<string, string> labels)
    {
        var all = schemes.SelectMany(s => results.Runs.Where(r => r.Scheme == s))
            .Select(r => new Series(r.Scheme, "", "", "", r.Steps.Select(x => ((double)x.Step, x.Loss, x.Loss, x.Loss)).ToList(), false, false)).ToList();
        var (lo, hi) = Range(all, positiveOnly: true);
        var p = new StringBuilder();
        foreach (var s in schemes)
        {
            var runs = results.Runs.Where(r => r.Scheme == s).OrderBy(r => r.Seed).ToList();
            var series = runs.Select((r, i) => new Series(s, F($"{labels[s]} seed {r.Seed}"), style[s].Color, i == 0 ? "" : i == 1 ? "5 3" : "2 2",
                r.Steps.Select(x => ((double)x.Step, x.Loss, x.Loss, x.Loss)).ToList(), false, false)).ToList();
            var chart = new Chart(300, 190, "", "", XMax(results), lo, hi, log: true, compact: true);
            p.Append("<figure class=\"panel\"><figcaption>").Append(E(labels[s])).Append("</figcaption>").Append(chart.Render("panel", series)).Append("</figure>\n");
        }

        return p.ToString();
    }

    private static double XMax(StudyResults results) =>
        Math.Max(1, results.Runs.SelectMany(r => r.Steps).Select(s => (double)s.Step).DefaultIfEmpty(1).Max());

    private static Series StepSeries(List<RunResult> runs, Func<StepRecord, double> value, string scheme, string label, (string Color, string Dash) style)
    {
        // Seeds log at the same steps (same data, same LogEvery); align by index and keep the common length.
        var n = runs.Count == 0 ? 0 : runs.Min(r => r.Steps.Count);
        var pts = new List<(double, double, double, double)>(n);
        for (var i = 0; i < n; i++)
        {
            var v = runs.Select(r => value(r.Steps[i])).ToArray();
            var finite = v.Where(double.IsFinite).ToArray();
            if (finite.Length == 0)
            {
                continue;
            }

            pts.Add((runs[0].Steps[i].Step, finite.Average(), finite.Min(), finite.Max()));
        }

        return new Series(scheme, label, style.Color, style.Dash, pts, Band: true, Markers: false);
    }

    private static (double Lo, double Hi) Range(List<Series> series, bool positiveOnly)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var s in series)
        {
            foreach (var (_, y, l, u) in s.Points)
            {
                foreach (var v in (ReadOnlySpan<double>)[y, l, u])
                {
                    if (double.IsFinite(v) && (!positiveOnly || v > 0))
                    {
                        lo = Math.Min(lo, v);
                        hi = Math.Max(hi, v);
                    }
                }
            }
        }

        if (!double.IsFinite(lo))
        {
            return positiveOnly ? (0.01, 1) : (0, 1);
        }

        return hi > lo ? (lo, hi) : (positiveOnly ? (lo / 2, hi * 2) : (lo - 1, hi + 1));
    }

    private static (string Color, string Dash) Style(string scheme, int index)
    {
        var k = index >= 0 ? index : 0;
        return (Palette[k % Palette.Length], k % Palette.Length >= 10 || k >= Palette.Length ? "7 4" : "");
    }

    private static string Legend(List<string> schemes, Dictionary<string, (string Color, string Dash)> style, Dictionary<string, string> labels)
    {
        var l = new StringBuilder("<ul class=\"legend\">\n");
        foreach (var s in schemes)
        {
            var (color, dash) = style[s];
            l.Append("<li data-scheme=\"").Append(E(s)).Append("\"><svg width=\"28\" height=\"10\" aria-hidden=\"true\"><line x1=\"1\" y1=\"5\" x2=\"27\" y2=\"5\" stroke=\"")
                .Append(color).Append("\" stroke-width=\"3\"").Append(dash.Length > 0 ? $" stroke-dasharray=\"{dash}\"" : "").Append("/></svg>")
                .Append(E(labels[s])).Append("</li>\n");
        }

        return l.Append("</ul>\n").ToString();
    }

    private static string Num(double v, string format) => double.IsFinite(v) ? v.ToString(format, Inv) : "—";

    /// <summary>Escapes &amp;, &lt;, &gt;, " and ' (other characters stay as UTF-8 text).</summary>
    internal static string E(string text)
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

    private static string F(FormattableString s) => s.ToString(Inv);

    private sealed record Series(string Scheme, string Label, string Color, string Dash, List<(double X, double Y, double Lo, double Hi)> Points, bool Band, bool Markers);

    /// <summary>Axes, grid and paths of one chart in SVG user units (the SVG scales to its container).</summary>
    private sealed class Chart(int width, int height, string xLabel, string yLabel, double xMax, double yMin, double yMax, bool log, double xMin = 0, bool compact = false)
    {
        private readonly double _left = compact ? 34 : 64;
        private readonly double _right = compact ? 8 : 16;
        private readonly double _top = compact ? 8 : 14;
        private readonly double _bottom = compact ? 20 : 46;

        private double PlotW => width - _left - _right;

        private double PlotH => height - _top - _bottom;

        private double Lo => log ? Math.Log10(yMin) : yMin;

        private double Hi => log ? Math.Log10(yMax) : yMax;

        private double X(double x) => _left + ((x - xMin) / Math.Max(1e-12, xMax - xMin) * PlotW);

        private double Y(double y)
        {
            var v = log ? Math.Log10(Math.Max(y, yMin)) : y;
            v = Math.Clamp(v, Lo, Hi);
            return _top + ((Hi - v) / Math.Max(1e-12, Hi - Lo) * PlotH);
        }

        public string Render(string kind, List<Series> series, double? hLine = null)
        {
            var c = new StringBuilder();
            c.Append(F($"<svg class=\"chart {kind}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{E(yLabel.Length > 0 ? yLabel : kind)}\" xmlns=\"http://www.w3.org/2000/svg\">\n"));
            Axes(c);
            if (hLine is { } target && target >= yMin && target <= yMax)
            {
                c.Append(F($"<line class=\"target\" x1=\"{_left:0.#}\" x2=\"{width - _right:0.#}\" y1=\"{Y(target):0.##}\" y2=\"{Y(target):0.##}\"/>\n"));
            }

            foreach (var s in series.Where(s => s.Band && s.Points.Count > 1))
            {
                var up = string.Join(" L", s.Points.Select(p => F($"{X(p.X):0.##},{Y(p.Hi):0.##}")));
                var down = string.Join(" L", s.Points.AsEnumerable().Reverse().Select(p => F($"{X(p.X):0.##},{Y(p.Lo):0.##}")));
                c.Append(F($"<path class=\"band\" data-scheme=\"{E(s.Scheme)}\" fill=\"{s.Color}\" d=\"M{up} L{down} Z\"/>\n"));
            }

            foreach (var s in series.Where(s => s.Points.Count > 0))
            {
                var d = "M" + string.Join(" L", s.Points.Select(p => F($"{X(p.X):0.##},{Y(p.Y):0.##}")));
                c.Append(F($"<path class=\"series\" data-scheme=\"{E(s.Scheme)}\" stroke=\"{s.Color}\"{(s.Dash.Length > 0 ? $" stroke-dasharray=\"{s.Dash}\"" : "")} d=\"{d}\"><title>{E(s.Label)}</title></path>\n"));
                if (s.Markers)
                {
                    foreach (var p in s.Points)
                    {
                        c.Append(F($"<circle class=\"marker\" data-scheme=\"{E(s.Scheme)}\" cx=\"{X(p.X):0.##}\" cy=\"{Y(p.Y):0.##}\" r=\"2.6\" fill=\"{s.Color}\"><title>{E(s.Label)}: epoch {p.X:0}, {p.Y:0.00}%</title></circle>\n"));
                    }
                }
            }

            return c.Append("</svg>\n").ToString();
        }

        private void Axes(StringBuilder c)
        {
            var bottom = _top + PlotH;
            c.Append(F($"<rect class=\"plot\" x=\"{_left:0.#}\" y=\"{_top:0.#}\" width=\"{PlotW:0.#}\" height=\"{PlotH:0.#}\"/>\n"));
            foreach (var (v, text) in YTicks())
            {
                var y = Y(v);
                c.Append(F($"<line class=\"grid\" x1=\"{_left:0.#}\" x2=\"{_left + PlotW:0.#}\" y1=\"{y:0.##}\" y2=\"{y:0.##}\"/>"));
                c.Append(F($"<text class=\"tick\" x=\"{_left - 5:0.#}\" y=\"{y + 3.5:0.##}\" text-anchor=\"end\">{text}</text>\n"));
            }

            foreach (var (v, text) in XTicks())
            {
                var x = X(v);
                c.Append(F($"<line class=\"grid\" x1=\"{x:0.##}\" x2=\"{x:0.##}\" y1=\"{_top:0.#}\" y2=\"{bottom:0.#}\"/>"));
                c.Append(F($"<text class=\"tick\" x=\"{x:0.##}\" y=\"{bottom + 13:0.#}\" text-anchor=\"middle\">{text}</text>\n"));
            }

            if (xLabel.Length > 0)
            {
                c.Append(F($"<text class=\"axis-label\" x=\"{_left + (PlotW / 2):0.#}\" y=\"{height - 8}\" text-anchor=\"middle\">{E(xLabel)}</text>\n"));
            }

            if (yLabel.Length > 0)
            {
                c.Append(F($"<text class=\"axis-label\" transform=\"translate(16 {_top + (PlotH / 2):0.#}) rotate(-90)\" text-anchor=\"middle\">{E(yLabel)}</text>\n"));
            }
        }

        private IEnumerable<(double Value, string Text)> YTicks()
        {
            if (log)
            {
                var ticks = new List<(double, string)>();
                for (var e = (int)Math.Floor(Lo) - 1; e <= (int)Math.Ceiling(Hi); e++)
                {
                    foreach (var m in (ReadOnlySpan<double>)[1, 2, 5])
                    {
                        var v = m * Math.Pow(10, e);
                        if (v >= yMin * 0.999 && v <= yMax * 1.001)
                        {
                            ticks.Add((v, v >= 0.001 ? v.ToString("0.###", Inv) : v.ToString("0E0", Inv)));
                        }
                    }
                }

                if (ticks.Count > (compact ? 5 : 9))
                {
                    ticks = ticks.Where(t => IsPowerOfTen(t.Item1)).ToList();
                }

                return ticks;
            }

            return Linear(yMin, yMax, compact ? 4 : 6);
        }

        private static bool IsPowerOfTen(double v) => Math.Abs(Math.Log10(v) - Math.Round(Math.Log10(v))) < 1e-9;

        private IEnumerable<(double Value, string Text)> XTicks() => Linear(xMin, xMax, compact ? 3 : 8, integers: xMin == 1);

        private static List<(double, string)> Linear(double lo, double hi, int count, bool integers = false)
        {
            var raw = (hi - lo) / Math.Max(1, count);
            raw = integers ? Math.Max(raw, 1) : raw;
            var mag = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(raw, 1e-12))));
            var step = (raw / mag) switch { <= 1 => 1, <= 2 => 2, <= 5 => 5, _ => 10 } * mag;
            var ticks = new List<(double, string)>();
            for (var v = Math.Ceiling(lo / step) * step; v <= hi + (step * 1e-9); v += step)
            {
                ticks.Add((v, Math.Abs(v) >= 10_000 ? (v / 1000).ToString("0.#", Inv) + "k" : v.ToString("0.####", Inv)));
            }

            return ticks;
        }
    }

    private const string Css = """
        :root { --ink: #1d2330; --muted: #5b6475; --line: #d9dee7; --bg: #f6f7fa; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
        main { max-width: 1180px; margin: 0 auto; padding: 28px 32px 40px; }
        h1 { font-size: 26px; margin: 0 0 6px; }
        h2 { font-size: 18px; margin: 0 0 8px; }
        section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px; margin: 18px 0; }
        .setup, .note, footer { color: var(--muted); font-size: 13px; margin: 0 0 10px; }
        .summary ul { margin: 0; padding-left: 20px; }
        .summary li { margin: 4px 0; }
        table.rank { border-collapse: collapse; width: 100%; font-size: 14px; }
        table.rank th, table.rank td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; }
        table.rank th { font-weight: 600; color: var(--muted); }
        table.rank td.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.rank tr.diverged td { color: #b3261e; }
        .chart-row { display: flex; gap: 16px; align-items: flex-start; }
        svg.chart { width: 100%; max-width: 820px; height: auto; flex: 1 1 auto; }
        svg.chart .plot { fill: #fff; stroke: #9aa3b2; stroke-width: 1; }
        svg.chart .grid { stroke: #eceff4; stroke-width: 1; }
        svg.chart .tick { font-size: 11px; fill: var(--muted); }
        svg.chart .axis-label { font-size: 12px; fill: var(--ink); }
        svg.chart .series { fill: none; stroke-width: 1.8; stroke-linejoin: round; transition: opacity .15s; }
        svg.chart .band { opacity: .07; stroke: none; }
        svg.chart .target { stroke: #444; stroke-width: 1; stroke-dasharray: 2 3; }
        svg.panel .series { stroke-width: 1.3; }
        ul.legend { list-style: none; margin: 0; padding: 0; font-size: 12.5px; min-width: 220px; }
        ul.legend li { display: flex; align-items: center; gap: 6px; padding: 1px 4px; cursor: default; border-radius: 4px; }
        ul.legend li:hover { background: #eef1f6; }
        .dim .series, .dim .marker { opacity: .12; }
        .dim .band { opacity: .03; }
        .dim .hot.series, .dim .hot.marker { opacity: 1; stroke-width: 2.6; }
        .dim .hot.band { opacity: .2; }
        .panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 10px; }
        figure.panel { margin: 0; }
        figure.panel figcaption { font-size: 12.5px; color: var(--ink); margin-bottom: 2px; }
        """;

    private const string Script = """
        (function () {
          document.querySelectorAll('ul.legend li').forEach(function (li) {
            var scheme = li.getAttribute('data-scheme');
            var row = li.closest('.chart-row');
            li.addEventListener('mouseenter', function () {
              row.classList.add('dim');
              row.querySelectorAll('[data-scheme="' + scheme + '"]').forEach(function (e) { e.classList.add('hot'); });
            });
            li.addEventListener('mouseleave', function () {
              row.classList.remove('dim');
              row.querySelectorAll('.hot').forEach(function (e) { e.classList.remove('hot'); });
            });
          });
          var drawn = 0;
          document.querySelectorAll('svg.chart path.series').forEach(function (p) {
            var b = p.getBBox();
            if (b.width > 0 || b.height > 0) { drawn++; }
          });
          document.documentElement.setAttribute('data-rendered', String(drawn));
        })();
        """;
}
