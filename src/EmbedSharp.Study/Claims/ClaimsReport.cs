using System.Text;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Study.Statistics;
using static EmbedSharp.Study.ReportHtml;

namespace EmbedSharp.Study.Claims;

/// <summary>
/// Writes the claims study's <c>report.html</c>: one self-contained page (inline CSS and inline SVG, no script, nothing
/// loaded from the network). At the top the four questions with their answers; then per question a section and per
/// experiment the claim, the setup, the verdict and recommendation, a dot-and-interval chart of the final metric per arm,
/// the curves (one small panel per arm, or for an experiment over a size one learning curve per method) and a table with
/// the seed count and what the metric was evaluated on. Every string from the data is HTML-escaped.
/// </summary>
public static class ClaimsReport
{
    /// <summary>Font size of the labels in the SVG charts (user units; the charts are drawn about 1:1).</summary>
    private const double LabelFont = 12;

    /// <summary>Font size of tick labels.</summary>
    private const double TickFont = 11;

    /// <summary>The widest arm label in a dot chart before it is cut with an ellipsis.</summary>
    private const double MaxLabelWidth = 300;

    /// <summary>Writes the report atomically to <paramref name="path"/> (UTF-8, no byte-order mark).</summary>
    public static void Write(string path, ClaimsResults results)
    {
        var html = Render(results);
        AtomicFile.Write(path, s => s.Write(new UTF8Encoding(false).GetBytes(html)));
    }

    /// <summary>The report as one HTML string.</summary>
    public static string Render(ClaimsResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var ids = new Ids();
        var questionIds = results.Questions.Select(q => ids.Make("q-", q.Id)).ToList();
        var experimentIds = results.Experiments.ToDictionary(x => x.Spec.Id, x => ids.Make("exp-", x.Spec.Id), StringComparer.Ordinal);

        var h = new StringBuilder(128 * 1024);
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.Append("<title>Four claims about embeddings, tested — EmbedSharp</title>\n<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n<main>\n");
        h.Append("<header><h1>Four claims about embeddings, tested</h1>\n<p class=\"setup\">");
        var runs = results.Experiments.Sum(x => x.Runs.Count);
        h.Append(E(F($"{results.Preset.ToString().ToLowerInvariant()} preset · {results.Experiments.Count} experiments, {runs} runs · wall time {Duration(results.WallSeconds)} · {results.Machine}")));
        h.Append("</p></header>\n");

        h.Append("<section class=\"answers\"><h2>Answers</h2>\n<ol>\n");
        for (var i = 0; i < results.Questions.Count; i++)
        {
            var q = results.Questions[i];
            h.Append("<li><a href=\"#").Append(questionIds[i]).Append("\">").Append(E(q.Title)).Append("</a>\n<p>").Append(E(q.Answer)).Append("</p>\n");
            if (!string.IsNullOrWhiteSpace(q.Caveats))
            {
                h.Append("<p class=\"caveat\">Caveats: ").Append(E(q.Caveats)).Append("</p>\n");
            }

            h.Append("</li>\n");
        }

        h.Append("</ol>\n<p class=\"note\">Every number is a mean over seeds with its 95 % interval; two settings whose paired interval of the difference holds 0 are called tied, not ranked.</p>\n</section>\n");

        var shown = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < results.Questions.Count; i++)
        {
            var q = results.Questions[i];
            h.Append("<section class=\"question\" id=\"").Append(questionIds[i]).Append("\"><h2>").Append(E(q.Title)).Append("</h2>\n");
            h.Append("<p class=\"answer\"><strong>Answer.</strong> ").Append(E(q.Answer)).Append("</p>\n");
            if (!string.IsNullOrWhiteSpace(q.Caveats))
            {
                h.Append("<p class=\"caveat\">Caveats: ").Append(E(q.Caveats)).Append("</p>\n");
            }

            foreach (var id in q.Experiments)
            {
                var x = results.Experiments.FirstOrDefault(e => e.Spec.Id == id);
                if (x is null)
                {
                    h.Append("<p class=\"missing\">Experiment <code>").Append(E(id)).Append("</code> has no results in this file.</p>\n");
                    continue;
                }

                shown.Add(id);
                Experiment(h, x, experimentIds[id]);
            }

            h.Append("</section>\n");
        }

        var others = results.Experiments.Where(x => !shown.Contains(x.Spec.Id)).ToList();
        if (others.Count > 0)
        {
            h.Append("<section class=\"question\" id=\"").Append(ids.Make("q-", "other")).Append("\"><h2>Other experiments</h2>\n");
            foreach (var x in others)
            {
                Experiment(h, x, experimentIds[x.Spec.Id]);
            }

            h.Append("</section>\n");
        }

        h.Append("<footer>Generated by <code>embedsharp demo</code> from results.json beside this file (every run's file is under runs/).</footer>\n");
        return h.Append("</main>\n</body>\n</html>\n").ToString();
    }

    private static void Experiment(StringBuilder h, ExperimentResult x, string id)
    {
        var spec = x.Spec;
        var overSize = spec.Arms.Any(a => a.X is not null);
        h.Append("<article class=\"experiment\" id=\"").Append(id).Append("\">\n<h3>").Append(E(spec.Question)).Append(" <code>").Append(E(spec.Id)).Append("</code></h3>\n");
        h.Append("<dl class=\"claim\">\n<dt>Claim</dt><dd>").Append(E(spec.Claim)).Append("</dd>\n<dt>Setup</dt><dd>").Append(E(spec.Setup)).Append("</dd>\n");
        h.Append("<dt>Verdict</dt><dd class=\"verdict\">").Append(E(x.Verdict)).Append("</dd>\n<dt>Recommendation</dt><dd class=\"recommendation\">").Append(E(x.Recommendation)).Append("</dd>\n</dl>\n");

        h.Append("<h4>Final ").Append(E(spec.Metric)).Append(" per arm</h4>\n");
        h.Append(DotChart(x, id));
        h.Append("<p class=\"note\">Dot: mean over ").Append(SeedCount(spec)).Append("; bar: its 95 % interval; small faint dots just below: the single seeds. ")
            .Append(overSize ? F($"Filled = best or tied with the best among the arms of the same size ({E(spec.SizeLabel)})") : "Filled = best or tied with the best")
            .Append(" (paired 95 % interval of the difference holds 0); hollow = worse beyond the noise. ")
            .Append("An interval that reaches more than the data's own spread beyond the values (unbounded with one seed) is cut at the edge and marked with an arrow.</p>\n");
        Diverged(h, x);

        if (overSize)
        {
            h.Append("<h4>").Append(E(spec.Metric)).Append(" against ").Append(E(spec.SizeLabel)).Append("</h4>\n");
            h.Append(LearningCurve(x, id));
        }
        else
        {
            h.Append("<h4>Curves, arm by arm</h4>\n");
            h.Append(Panels(x, id));
        }

        h.Append(Table(x));
        h.Append("</article>\n");
    }

    private static void Diverged(StringBuilder h, ExperimentResult x)
    {
        var diverged = x.Arms.Where(a => a.Diverged > 0).ToList();
        if (diverged.Count > 0)
        {
            h.Append("<p class=\"diverged\">Diverged (not plotted): ")
                .Append(string.Join("; ", diverged.Select(a => E(a.Label) + F($" ({a.Diverged} of {a.Runs} runs)"))))
                .Append(".</p>\n");
        }
    }

    private static string SeedCount(ExperimentSpec spec) => spec.Seeds.Count == 1 ? "1 seed" : F($"{spec.Seeds.Count} seeds");

    /// <summary>Whether <paramref name="summary"/>'s arm is the best or tied with the best of its group.</summary>
    private static bool Leading(ExperimentResult x, ArmSummary summary) =>
        x.Groups.FirstOrDefault(g => g.X == summary.X) is { } g && g.TiedWithBest.Contains(summary.Arm);

    /// <summary>The dot-and-interval chart: one row per arm that did not diverge.</summary>
    internal static string DotChart(ExperimentResult x, string id)
    {
        var spec = x.Spec;
        // Experiments over a size: grouped by size (best and ties are per size), in the spec's order within a size.
        var rows = x.Arms.Where(a => a.Metric is not null).OrderBy(a => a.X ?? 0).ToList();
        if (rows.Count == 0)
        {
            return "<p class=\"note\">No arm trained to the end: nothing to plot.</p>\n";
        }

        var values = rows.SelectMany(a => x.Values(a.Arm)).Concat(rows.Select(a => a.Metric!.Mean)).ToList();
        var log = SpansDecades(values);
        var (lo, hi) = ValueRange(values, rows.SelectMany(a => new[] { a.Metric!.Low, a.Metric.High }), log);
        var labelWidth = Math.Min(MaxLabelWidth, rows.Max(a => TextWidth(a.Label, LabelFont, bold: Leading(x, a))));
        const double Width = 760, RowHeight = 24, Top = 10, Bottom = 46, Right = 24;
        var left = Math.Max(80, labelWidth + 18);
        var height = Top + (rows.Count * RowHeight) + Bottom;
        var plotBottom = height - Bottom;
        var sx = Scale.Fit(lo, hi, left, Width - Right, log);

        var c = new StringBuilder();
        c.Append(F($"<svg class=\"chart dots\" id=\"dots-{id}\" viewBox=\"0 0 {Width} {height}\" role=\"img\" aria-label=\"{E(spec.Metric)} per arm\" xmlns=\"http://www.w3.org/2000/svg\">\n"));
        c.Append(F($"<rect class=\"plot\" x=\"{left:0.#}\" y=\"{Top}\" width=\"{Width - Right - left:0.#}\" height=\"{plotBottom - Top:0.#}\"/>\n"));
        XAxis(c, sx, Top, plotBottom, sx.Ticks(6), F($"{spec.Metric} ({spec.Unit}), {(spec.LowerIsBetter ? "lower" : "higher")} is better"), height);
        for (var i = 0; i < rows.Count; i++)
        {
            var a = rows[i];
            var m = a.Metric!;
            var cy = Top + ((i + 0.5) * RowHeight);
            if (i > 0 && rows[i - 1].X != a.X)
            {
                c.Append(F($"<line class=\"group\" x1=\"4\" x2=\"{Width - Right:0.#}\" y1=\"{Top + (i * RowHeight):0.#}\" y2=\"{Top + (i * RowHeight):0.#}\"/>\n"));
            }

            var leading = Leading(x, a);
            Label(c, a.Label, left - 8, cy + 4, labelWidth, bold: leading);
            var (x0, x1) = (sx.Map(m.Low), sx.Map(m.High));
            c.Append(F($"<line class=\"ci\" x1=\"{x0:0.##}\" x2=\"{x1:0.##}\" y1=\"{cy:0.#}\" y2=\"{cy:0.#}\"/>\n"));
            if (m.Low < sx.Lo)
            {
                c.Append(F($"<path class=\"clip\" d=\"M{x0:0.##},{cy:0.#} l7,-4.5 v9 z\"><title>interval reaches {E(ExperimentResult.Format(m.Low, spec))}</title></path>\n"));
            }

            if (m.High > sx.Hi)
            {
                c.Append(F($"<path class=\"clip\" d=\"M{x1:0.##},{cy:0.#} l-7,-4.5 v9 z\"><title>interval reaches {E(ExperimentResult.Format(m.High, spec))}</title></path>\n"));
            }

            var seedValues = x.Values(a.Arm);
            for (var s = 0; s < seedValues.Count; s++)
            {
                c.Append(F($"<circle class=\"seed\" cx=\"{sx.Map(seedValues[s]):0.##}\" cy=\"{cy + 7:0.#}\" r=\"2.2\"><title>seed {spec.Seeds[s]}: {E(ExperimentResult.Format(seedValues[s], spec))}</title></circle>\n"));
            }

            c.Append(F($"<circle class=\"mean {(leading ? "filled" : "hollow")}\" cx=\"{sx.Map(m.Mean):0.##}\" cy=\"{cy:0.#}\" r=\"5\"><title>{E(a.Label)}: {E(ExperimentResult.Format(m.Mean, spec))} ({E(Interval(m, spec))})</title></circle>\n"));
        }

        return c.Append("</svg>\n").ToString();
    }

    /// <summary>One small panel per arm with every seed's curve (thin) and their mean (thick), same axes everywhere.</summary>
    internal static string Panels(ExperimentResult x, string id)
    {
        var spec = x.Spec;
        var arms = x.Arms.Where(a => x.Runs.Any(r => r.Arm == a.Arm && r.Curve.Any(p => double.IsFinite(p.X) && double.IsFinite(p.Y)))).ToList();
        if (arms.Count == 0)
        {
            return "<p class=\"note\">The runs recorded no curves.</p>\n";
        }

        var points = x.Runs.SelectMany(r => r.Curve).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        var (xLo, xHi) = (points.Min(p => p.X), points.Max(p => p.X));
        // The y range: robust quantiles of the points after each run's first, from the runs that did not diverge.
        var trained = x.Runs.Where(r => !r.Diverged).ToList();
        var ys = (trained.Count > 0 ? trained : x.Runs).SelectMany(r => r.Curve.Skip(1)).Select(p => p.Y).Where(double.IsFinite).ToList();
        if (ys.Count == 0)
        {
            ys = [.. points.Select(p => p.Y)];
        }

        var (yLo, yHi) = RobustRange(ys);
        var log = SpansDecades([yLo, yHi]);
        const double Width = 260, Height = 170, Left = 42, Right = 16, Top = 8, Bottom = 22;
        var sx = Scale.Fit(xLo, xHi, Left, Width - Right, log: false, pad: 0);
        var sy = Scale.Fit(yLo, yHi, Height - Bottom, Top, log);
        var xTicks = sx.Ticks(3);
        var yTicks = sy.Ticks(4);

        var p = new StringBuilder();
        p.Append("<p class=\"note\">x: ").Append(E(spec.CurveX)).Append(" · y: ").Append(E(spec.CurveY.Length > 0 ? spec.CurveY : F($"{spec.Metric} ({spec.Unit})")))
            .Append(log ? " (log scale)" : "").Append(". Each seed a thin line, the mean over seeds a thick one; the same axes in every panel")
            .Append(spec.Target is { } target ? F($"; dotted line: the target {E(ExperimentResult.Format(target, spec))}") : "")
            .Append(". The y range runs from the 2nd to the 98th percentile of every curve point after each run's first (runs that diverged left out) plus a 5 % margin, so one outlier run cannot stretch it; points beyond are drawn at the edge and marked with a small triangle.</p>\n");
        p.Append("<div class=\"panels\">\n");
        for (var i = 0; i < arms.Count; i++)
        {
            var a = arms[i];
            var color = Palette[i % Palette.Length];
            var c = new StringBuilder();
            c.Append(F($"<svg class=\"chart panel\" id=\"curves-{id}-{i}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{E(a.Label)}\" xmlns=\"http://www.w3.org/2000/svg\">\n"));
            c.Append(F($"<rect class=\"plot\" x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\"/>\n"));
            XAxis(c, sx, Top, Height - Bottom, xTicks, "", Height);
            YAxis(c, sy, Left, Width - Right, yTicks);
            if (spec.Target is { } t && t >= sy.Lo && t <= sy.Hi)
            {
                c.Append(F($"<line class=\"target\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{sy.Map(t):0.##}\" y2=\"{sy.Map(t):0.##}\"/>\n"));
            }

            var armRuns = x.Runs.Where(r => r.Arm == a.Arm).OrderBy(r => r.Seed).ToList();
            foreach (var run in armRuns)
            {
                var d = CurvePath(run.Curve, sx, sy);
                if (d.Length > 0)
                {
                    c.Append(F($"<path class=\"seed\" stroke=\"{color}\" d=\"{d}\"><title>{E(a.Label)}, seed {run.Seed}</title></path>\n"));
                }

                foreach (var q in run.Curve.Where(q => double.IsFinite(q.X) && (q.Y < sy.Lo || q.Y > sy.Hi || double.IsInfinity(q.Y))))
                {
                    var (cx, up) = (sx.Map(q.X), q.Y > sy.Hi);
                    c.Append(F($"<path class=\"clip\" d=\"M{cx:0.##},{(up ? Top + 1 : Height - Bottom - 1):0.#} l-3,{(up ? 5 : -5)} h6 z\"/>\n"));
                }
            }

            // The mean where every seed of the arm has a finite value at that x.
            var mean = armRuns.SelectMany(r => r.Curve).GroupBy(q => q.X).Where(g => double.IsFinite(g.Key) && g.Count() == armRuns.Count && g.All(q => double.IsFinite(q.Y)))
                .OrderBy(g => g.Key).Select(g => new CurvePoint(g.Key, g.Average(q => q.Y))).ToList();
            var md = CurvePath(mean, sx, sy);
            if (md.Length > 0)
            {
                c.Append(F($"<path class=\"mean\" stroke=\"{color}\" d=\"{md}\"><title>{E(a.Label)}, mean of {armRuns.Count} seeds</title></path>\n"));
            }

            c.Append("</svg>\n");
            var tag = a.Diverged > 0 ? F($" <span class=\"tag bad\">diverged {a.Diverged}/{a.Runs}</span>")
                : Leading(x, a) ? (x.Groups[0].Best == a.Arm ? " <span class=\"tag good\">best</span>" : " <span class=\"tag good\">tied with best</span>") : "";
            p.Append("<figure class=\"panel\"><figcaption title=\"").Append(E(a.Label)).Append("\"><span>").Append(E(a.Label)).Append("</span>").Append(tag).Append("</figcaption>").Append(c).Append("</figure>\n");
        }

        return p.Append("</div>\n").ToString();
    }

    /// <summary>For experiments over a size: the final metric against the size, one line per method, each point with its
    /// interval; log x when the sizes span decades.</summary>
    internal static string LearningCurve(ExperimentResult x, string id)
    {
        var spec = x.Spec;
        var plotted = x.Arms.Where(a => a.Metric is not null && a.X is { } v && double.IsFinite(v)).ToList();
        if (plotted.Count == 0)
        {
            return "<p class=\"note\">No arm trained to the end: nothing to plot.</p>\n";
        }

        var series = plotted.Select(a => a.Series ?? a.Label).Distinct(StringComparer.Ordinal).ToList();
        var sizes = plotted.Select(a => a.X!.Value).Distinct().Order().ToList();
        var values = plotted.SelectMany(a => x.Values(a.Arm)).Concat(plotted.Select(a => a.Metric!.Mean)).ToList();
        var yLog = SpansDecades(values);
        var (yLo, yHi) = ValueRange(values, plotted.SelectMany(a => new[] { a.Metric!.Low, a.Metric.High }), yLog);
        var xLog = SpansDecades(sizes);
        const double Width = 760, Height = 380, Left = 60, Right = 16, Top = 12, Bottom = 46;
        var sx = Scale.Fit(sizes[0], sizes[^1], Left, Width - Right, xLog);
        var sy = Scale.Fit(yLo, yHi, Height - Bottom, Top, yLog);

        var c = new StringBuilder();
        c.Append(F($"<svg class=\"chart curve\" id=\"lc-{id}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{E(spec.Metric)} against {E(spec.SizeLabel)}\" xmlns=\"http://www.w3.org/2000/svg\">\n"));
        c.Append(F($"<rect class=\"plot\" x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\"/>\n"));
        var xTicks = xLog || sizes.Count <= 8 ? sizes.Select(s => (s, SizeText(s))).ToList() : sx.Ticks(8);
        XAxis(c, sx, Top, Height - Bottom, xTicks, F($"{spec.SizeLabel}{(xLog ? " (log scale)" : "")}"), Height);
        YAxis(c, sy, Left, Width - Right, sy.Ticks(6));
        c.Append(F($"<text class=\"axis-label\" transform=\"translate(16 {(Top + Height - Bottom) / 2:0.#}) rotate(-90)\" text-anchor=\"middle\">{E(Fit(F($"{spec.Metric} ({spec.Unit})"), Height - Top - Bottom - 10, LabelFont))}</text>\n"));
        for (var k = 0; k < series.Count; k++)
        {
            var color = Palette[k % Palette.Length];
            var dx = (k - ((series.Count - 1) / 2.0)) * 5; // side by side, so the bars of one size do not cover each other
            var arms = plotted.Where(a => (a.Series ?? a.Label) == series[k]).OrderBy(a => a.X).ToList();
            var d = string.Join(" L", arms.Select(a => F($"{sx.Map(a.X!.Value) + dx:0.##},{sy.Map(a.Metric!.Mean):0.##}")));
            c.Append(F($"<path class=\"series\" stroke=\"{color}\" d=\"M{d}\"><title>{E(series[k])}</title></path>\n"));
            foreach (var a in arms)
            {
                var m = a.Metric!;
                var cx = sx.Map(a.X!.Value) + dx;
                var (y0, y1) = (sy.Map(m.Low), sy.Map(m.High));
                c.Append(F($"<line class=\"ci\" stroke=\"{color}\" x1=\"{cx:0.##}\" x2=\"{cx:0.##}\" y1=\"{y0:0.##}\" y2=\"{y1:0.##}\"/>\n"));
                if (m.Low < sy.Lo)
                {
                    c.Append(F($"<path class=\"clip\" fill=\"{color}\" d=\"M{cx:0.##},{y0:0.##} l-4.5,-7 h9 z\"/>\n"));
                }

                if (m.High > sy.Hi)
                {
                    c.Append(F($"<path class=\"clip\" fill=\"{color}\" d=\"M{cx:0.##},{y1:0.##} l-4.5,7 h9 z\"/>\n"));
                }

                var seedValues = x.Values(a.Arm);
                for (var s = 0; s < seedValues.Count; s++)
                {
                    c.Append(F($"<circle class=\"seed\" stroke=\"{color}\" cx=\"{cx:0.##}\" cy=\"{sy.Map(seedValues[s]):0.##}\" r=\"2\"><title>seed {spec.Seeds[s]}: {E(ExperimentResult.Format(seedValues[s], spec))}</title></circle>\n"));
                }

                var leading = Leading(x, a);
                c.Append(F($"<circle class=\"mean\" stroke=\"{color}\" fill=\"{(leading ? color : "#fff")}\" cx=\"{cx:0.##}\" cy=\"{sy.Map(m.Mean):0.##}\" r=\"4.5\"><title>{E(a.Label)}: {E(ExperimentResult.Format(m.Mean, spec))} ({E(Interval(m, spec))})</title></circle>\n"));
            }
        }

        c.Append("</svg>\n");
        var l = new StringBuilder("<ul class=\"legend\">\n");
        for (var k = 0; k < series.Count; k++)
        {
            l.Append("<li><svg width=\"30\" height=\"12\" aria-hidden=\"true\"><line x1=\"1\" y1=\"6\" x2=\"29\" y2=\"6\" stroke=\"").Append(Palette[k % Palette.Length])
                .Append("\" stroke-width=\"2\"/><circle cx=\"15\" cy=\"6\" r=\"4\" fill=\"").Append(Palette[k % Palette.Length]).Append("\"/></svg>").Append(E(series[k])).Append("</li>\n");
        }

        l.Append("</ul>\n");
        return new StringBuilder("<div class=\"chart-row\">\n").Append(c).Append(l).Append("</div>\n")
            .Append("<p class=\"note\">One line per method through the means; at each size the dot is the mean over ").Append(SeedCount(spec))
            .Append(", the bar its 95 % interval, the small rings on the bar the seeds; filled = best or tied with the best at that size, hollow = worse beyond the noise. The methods are drawn a few pixels apart at each size so that their bars do not hide each other.")
            .Append(xLog ? " Log x axis: the sizes span decades." : "").Append("</p>\n").ToString();
    }

    /// <summary>The table: per arm its mean and interval, the paired difference to the best, runs, divergences, steps
    /// to the target and time; the seed count and what the metric is evaluated on in its caption.</summary>
    internal static string Table(ExperimentResult x)
    {
        var spec = x.Spec;
        var overSize = spec.Arms.Any(a => a.X is not null);
        var t = new StringBuilder();
        t.Append("<table class=\"arms\">\n<caption>").Append(E(F($"{SeedCount(spec)} ({string.Join(", ", spec.Seeds)}) per arm · final {spec.Metric} evaluated on {spec.EvaluatedOn}"))).Append("</caption>\n<thead><tr><th>arm</th>");
        if (overSize)
        {
            t.Append("<th>").Append(E(spec.SizeLabel)).Append("</th>");
        }

        t.Append("<th>mean (").Append(E(spec.Unit)).Append(")</th><th>95 % interval</th><th>difference to best (95 % interval)</th><th>runs</th><th>diverged</th>");
        if (spec.Target is { } target)
        {
            t.Append("<th>mean ").Append(E(spec.CurveX)).Append(" to ").Append(E(ExperimentResult.Format(target, spec))).Append("</th>");
        }

        t.Append("<th>time / run</th></tr></thead>\n<tbody>\n");
        foreach (var a in x.Arms.OrderBy(a => a.X ?? 0)) // by size, as in the dot chart (the spec's order within a size)
        {
            var group = x.Groups.FirstOrDefault(g => g.X == a.X);
            var vs = group?.Comparisons.FirstOrDefault(c => c.Arm == a.Arm);
            var best = group?.Best == a.Arm && a.Metric is not null;
            var tied = !best && group is not null && group.TiedWithBest.Contains(a.Arm);
            var rowClass = a.Diverged > 0 ? "diverged" : best ? "best" : tied ? "tie" : "";
            t.Append("<tr").Append(rowClass.Length > 0 ? F($" class=\"{rowClass}\"") : "").Append("><td>").Append(E(a.Label)).Append("</td>");
            if (overSize)
            {
                t.Append("<td class=\"num\">").Append(a.X is { } size ? E(SizeText(size)) : "—").Append("</td>");
            }

            t.Append("<td class=\"num\">").Append(a.Metric is { } m ? E(ExperimentResult.Format(m.Mean, spec)) : "diverged").Append("</td>");
            t.Append("<td class=\"num\">").Append(a.Metric is { } mi ? E(Interval(mi, spec)) : "—").Append("</td>");
            var difference = best ? "best"
                : vs is null ? "—"
                : (vs.Difference.IsTie ? "tie: " : "") + Signed(vs.Difference.Mean, spec) + " (" + Bounds(vs.Difference.Low, vs.Difference.High, spec) + ")";
            t.Append("<td class=\"num\">").Append(E(difference)).Append("</td>");
            t.Append("<td class=\"num\">").Append(a.Runs.ToString(Inv)).Append("</td><td class=\"num\">").Append(a.Diverged.ToString(Inv)).Append("</td>");
            if (spec.Target is not null)
            {
                var steps = a.ReachedTargetAtMean is { } at ? F($"{at:N0} (reached {a.ReachedTarget}/{a.Runs})") : F($"not reached (0/{a.Runs})");
                t.Append("<td class=\"num\">").Append(E(steps)).Append("</td>");
            }

            t.Append("<td class=\"num\">").Append(E(Duration(a.WallSecondsMean))).Append("</td></tr>\n");
        }

        t.Append("</tbody></table>\n");
        t.Append("<p class=\"note\">Difference to best: the arm minus the best arm")
            .Append(overSize ? " of the same size" : "")
            .Append(", seed by seed (the seeds share data and data order), with the 95 % interval of its mean; \"tie\" when that interval holds 0. ")
            .Append(E(F($"{SeedCount(spec)}; final {spec.Metric} on {spec.EvaluatedOn}."))).Append("</p>\n");
        return t.ToString();
    }

    private static string Interval(SeedSummary m, ExperimentSpec spec) =>
        double.IsFinite(m.Low) && double.IsFinite(m.High) ? Bounds(m.Low, m.High, spec) : F($"unbounded: {m.Count} seed");

    private static string Bounds(double low, double high, ExperimentSpec spec) =>
        double.IsFinite(low) && double.IsFinite(high) ? Signless(low, spec) + " to " + Signless(high, spec) : "unbounded";

    private static string Signless(double v, ExperimentSpec spec) => v < 0 ? "−" + ExperimentResult.Format(-v, spec) : ExperimentResult.Format(v, spec);

    private static string Signed(double v, ExperimentSpec spec) => (v < 0 ? "−" : "+") + ExperimentResult.Format(Math.Abs(v), spec);

    private static string SizeText(double size) => size >= 10_000 ? (size / 1000).ToString("0.#", Inv) + "k" : size.ToString("0.###", Inv);

    /// <summary>A duration for a reader: 12.3 s, 4 min 05 s, 1 h 02 min.</summary>
    internal static string Duration(double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0)
        {
            return "—";
        }

        if (seconds < 60)
        {
            return F($"{seconds:0.0} s");
        }

        var whole = (long)Math.Round(seconds);
        return whole < 3600 ? F($"{whole / 60} min {whole % 60:00} s") : F($"{whole / 3600} h {whole / 60 % 60:00} min");
    }

    /// <summary>The 2nd and 98th percentiles (linear between order statistics) of the finite values; (0, 1) when none.</summary>
    internal static (double Lo, double Hi) RobustRange(IReadOnlyList<double> values)
    {
        var v = values.Where(double.IsFinite).Order().ToArray();
        if (v.Length == 0)
        {
            return (0, 1);
        }

        double Quantile(double p)
        {
            var pos = p * (v.Length - 1);
            var i = (int)Math.Floor(pos);
            return i + 1 < v.Length ? v[i] + ((pos - i) * (v[i + 1] - v[i])) : v[i];
        }

        return (Quantile(0.02), Quantile(0.98));
    }

    /// <summary>The axis range of a chart of values with intervals: every finite value in <paramref name="core"/> (the
    /// means and the seeds), and the finite interval ends in <paramref name="ends"/> only up to one spread of the core
    /// beyond it, so that a very wide interval cannot squeeze the data; unbounded ends are left out (both are drawn cut
    /// at the edge and marked). On a log axis the spread is measured in decades.</summary>
    internal static (double Lo, double Hi) ValueRange(IEnumerable<double> core, IEnumerable<double> ends, bool log)
    {
        Func<double, double> to = log ? Math.Log10 : v => v;
        Func<double, double> from = log ? v => Math.Pow(10, v) : v => v;
        var c = core.Where(v => double.IsFinite(v) && (!log || v > 0)).Select(to).ToList();
        if (c.Count == 0)
        {
            return log ? (1, 10) : (0, 1);
        }

        var (lo, hi) = (c.Min(), c.Max());
        var spread = hi > lo ? hi - lo : Math.Max(Math.Abs(hi) * 0.1, 1e-9);
        var (l, h) = (lo, hi);
        foreach (var e in ends)
        {
            if (!double.IsFinite(e) || (log && e <= 0))
            {
                continue; // unbounded (one seed): drawn cut at the edge of the padded range
            }

            var te = to(e);
            l = Math.Min(l, Math.Max(te, lo - spread));
            h = Math.Max(h, Math.Min(te, hi + spread));
        }

        return (from(l), from(h));
    }

    /// <summary>True when every value is positive and the largest is at least 20 times the smallest: a log axis.</summary>
    internal static bool SpansDecades(IReadOnlyList<double> values)
    {
        var v = values.Where(double.IsFinite).ToList();
        return v.Count > 0 && v.Min() > 0 && v.Max() / v.Min() >= 20;
    }

    /// <summary>An estimate of the width of <paramref name="text"/> in a sans-serif font: per character a little above
    /// DejaVu Sans (the widest common default; measured in Chromium), and 1.2 times that in bold.</summary>
    internal static double TextWidth(string text, double fontSize, bool bold = false)
    {
        var em = 0.0;
        foreach (var ch in text)
        {
            em += ch switch
            {
                'i' or 'j' or 'l' or '|' or '!' or '.' or ',' or ':' or ';' or '\'' or '`' => 0.34,
                ' ' or 'f' or 'r' or 't' or 'I' or '(' or ')' or '[' or ']' or '{' or '}' or '-' or '/' => 0.42,
                '"' or '_' => 0.52,
                'm' or 'w' or 'M' or 'W' or '@' or '%' or '—' => 1.0,
                '<' or '>' or '=' or '+' or '~' or '&' or '#' => 0.86,
                >= 'A' and <= 'Z' => 0.76,
                >= '0' and <= '9' => 0.66,
                < (char)128 => 0.62,
                _ => 0.9,
            };
        }

        return em * fontSize * (bold ? 1.2 : 1);
    }

    /// <summary><paramref name="text"/>, cut and ended with an ellipsis when it is estimated wider than <paramref name="maxWidth"/>.</summary>
    internal static string Fit(string text, double maxWidth, double fontSize, bool bold = false)
    {
        if (TextWidth(text, fontSize, bold) <= maxWidth)
        {
            return text;
        }

        var n = text.Length;
        while (n > 0 && TextWidth(text[..n] + "…", fontSize, bold) > maxWidth)
        {
            n--;
        }

        if (n > 0 && char.IsHighSurrogate(text[n - 1]))
        {
            n--;
        }

        return text[..n].TrimEnd() + "…";
    }

    private static void Label(StringBuilder c, string label, double x, double y, double maxWidth, bool bold)
    {
        var shown = Fit(label, maxWidth, LabelFont, bold);
        c.Append(F($"<text class=\"{(bold ? "label best" : "label")}\" x=\"{x:0.#}\" y=\"{y:0.#}\" text-anchor=\"end\">"));
        if (shown != label)
        {
            c.Append("<title>").Append(E(label)).Append("</title>");
        }

        c.Append(E(shown)).Append("</text>\n");
    }

    /// <summary>Vertical grid lines, tick labels under the plot (a label that would touch its neighbour is left out)
    /// and the axis label.</summary>
    private static void XAxis(StringBuilder c, Scale sx, double top, double bottom, List<(double Value, string Text)> ticks, string label, double height)
    {
        var lastRight = double.NegativeInfinity;
        foreach (var (v, text) in ticks)
        {
            if (v < sx.Lo || v > sx.Hi)
            {
                continue;
            }

            var x = sx.Map(v);
            c.Append(F($"<line class=\"grid\" x1=\"{x:0.##}\" x2=\"{x:0.##}\" y1=\"{top:0.#}\" y2=\"{bottom:0.#}\"/>"));
            var half = TextWidth(text, TickFont) / 2;
            if (x - half >= lastRight + 4)
            {
                c.Append(F($"<text class=\"tick\" x=\"{x:0.##}\" y=\"{bottom + 13:0.#}\" text-anchor=\"middle\">{E(text)}</text>"));
                lastRight = x + half;
            }

            c.Append('\n');
        }

        if (label.Length > 0)
        {
            var (from, to) = (sx.From, sx.To);
            c.Append(F($"<text class=\"axis-label\" x=\"{(from + to) / 2:0.#}\" y=\"{height - 8:0.#}\" text-anchor=\"middle\">{E(Fit(label, Math.Abs(to - from), LabelFont))}</text>\n"));
        }
    }

    /// <summary>Horizontal grid lines and tick labels left of the plot (one that would touch its neighbour is left out).</summary>
    private static void YAxis(StringBuilder c, Scale sy, double left, double right, List<(double Value, string Text)> ticks)
    {
        var lastY = double.PositiveInfinity;
        foreach (var (v, text) in ticks)
        {
            if (v < sy.Lo || v > sy.Hi)
            {
                continue;
            }

            var y = sy.Map(v);
            c.Append(F($"<line class=\"grid\" x1=\"{left:0.#}\" x2=\"{right:0.#}\" y1=\"{y:0.##}\" y2=\"{y:0.##}\"/>"));
            if (lastY - y >= TickFont + 3)
            {
                c.Append(F($"<text class=\"tick\" x=\"{left - 5:0.#}\" y=\"{y + 3.5:0.##}\" text-anchor=\"end\">{E(text)}</text>"));
                lastY = y;
            }

            c.Append('\n');
        }
    }

    /// <summary>An SVG path through the finite points (a gap where a point is not finite), clamped to the scales.</summary>
    private static string CurvePath(IReadOnlyList<CurvePoint> curve, Scale sx, Scale sy)
    {
        var d = new StringBuilder();
        var pen = false;
        foreach (var q in curve)
        {
            if (!double.IsFinite(q.X) || !double.IsFinite(q.Y))
            {
                pen = false;
                continue;
            }

            d.Append(pen ? " L" : d.Length > 0 ? " M" : "M").Append(F($"{sx.Map(q.X):0.##},{sy.Map(q.Y):0.##}"));
            pen = true;
        }

        return d.ToString();
    }

    /// <summary>Maps data values to pixels between <see cref="From"/> (at <see cref="Lo"/>) and <see cref="To"/> (at
    /// <see cref="Hi"/>), linear or log10; values outside are clamped to the ends, ±∞ included.</summary>
    private sealed class Scale(double lo, double hi, double from, double to, bool log)
    {
        public double Lo => lo;

        public double Hi => hi;

        public double From => from;

        public double To => to;

        /// <summary>A scale over [lo, hi] widened by <paramref name="pad"/> of its length on each side (in log10 on a log
        /// scale); a zero-length range is widened around its value.</summary>
        public static Scale Fit(double lo, double hi, double from, double to, bool log, double pad = 0.05)
        {
            if (log)
            {
                var (a, b) = (Math.Log10(lo), Math.Log10(hi));
                if (b - a < 1e-9)
                {
                    (a, b) = (a - 0.1, b + 0.1);
                }

                var d = (b - a) * pad;
                return new Scale(Math.Pow(10, a - d), Math.Pow(10, b + d), from, to, log);
            }

            if (hi - lo < 1e-12 * Math.Max(1, Math.Abs(hi)))
            {
                var w = hi != 0 ? Math.Abs(hi) * 0.05 : 1;
                (lo, hi) = (lo - w, hi + w);
            }

            var m = (hi - lo) * pad;
            return new Scale(lo - m, hi + m, from, to, log);
        }

        public double Map(double v)
        {
            if (double.IsNaN(v))
            {
                return (from + to) / 2;
            }

            var t = v <= lo ? 0 : v >= hi ? 1 : log ? (Math.Log10(v) - Math.Log10(lo)) / (Math.Log10(hi) - Math.Log10(lo)) : (v - lo) / (hi - lo);
            return from + (t * (to - from));
        }

        public List<(double Value, string Text)> Ticks(int count) => log ? LogTicks(lo, hi, count + 3) : LinearTicks(lo, hi, count);
    }

    /// <summary>Element ids made from data: lower-case letters, digits and dashes, unique within the page.</summary>
    private sealed class Ids
    {
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);

        public string Make(string prefix, string name)
        {
            var b = new StringBuilder(prefix);
            foreach (var ch in name.ToLowerInvariant())
            {
                b.Append(ch is >= 'a' and <= 'z' or >= '0' and <= '9' ? ch : '-');
            }

            var id = b.ToString();
            for (var k = 2; !_used.Add(id); k++)
            {
                id = F($"{b}-{k}");
            }

            return id;
        }
    }

    private const string Css = BaseCss + """
        h3 { font-size: 16px; margin: 22px 0 8px; padding-top: 14px; border-top: 1px solid var(--line); }
        h3 code { font-size: 12px; color: var(--muted); font-weight: normal; margin-left: 6px; }
        h4 { font-size: 14px; margin: 16px 0 6px; color: var(--ink); }
        .setup, .note, footer { color: var(--muted); font-size: 13px; margin: 4px 0 10px; }
        .answers ol { margin: 0; padding-left: 22px; }
        .answers li { margin: 8px 0; }
        .answers li > a { font-weight: 600; color: #174ea6; text-decoration: none; }
        .answers li > p { margin: 2px 0; }
        .caveat { color: #7a4b00; font-size: 13.5px; }
        .answer { font-size: 15px; }
        .missing, p.diverged { color: #b3261e; font-size: 13.5px; }
        dl.claim { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0 0 8px; font-size: 14px; }
        dl.claim dt { font-weight: 600; color: var(--muted); }
        dl.claim dd { margin: 0; }
        dl.claim dd.verdict, dl.claim dd.recommendation { font-weight: 500; }
        table.arms { border-collapse: collapse; width: 100%; font-size: 13.5px; margin-top: 14px; }
        table.arms caption { caption-side: top; text-align: left; color: var(--muted); font-size: 13px; padding-bottom: 4px; }
        table.arms th, table.arms td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        table.arms th { font-weight: 600; color: var(--muted); }
        table.arms td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        table.arms tr.best td, table.arms tr.tie td { background: #f1f6ff; }
        table.arms tr.best td:first-child { font-weight: 600; }
        table.arms tr.diverged td { color: #b3261e; }
        .chart-row { display: flex; gap: 16px; align-items: flex-start; }
        svg.chart { width: 100%; max-width: 820px; height: auto; display: block; }
        svg.chart .plot { fill: #fff; stroke: #9aa3b2; stroke-width: 1; }
        svg.chart .grid { stroke: #eceff4; stroke-width: 1; }
        svg.chart .group { stroke: #c9d0db; stroke-width: 1; stroke-dasharray: 3 3; }
        svg.chart .tick { font-size: 11px; fill: var(--muted); }
        svg.chart .axis-label { font-size: 12px; fill: var(--ink); }
        svg.chart .label { font-size: 12px; fill: var(--ink); }
        svg.chart .label.best { font-weight: 600; }
        svg.dots .ci { stroke: #1f4e8c; stroke-width: 2.2; }
        svg.dots .seed { fill: #1f4e8c; opacity: .4; }
        svg.dots .mean { stroke: #1f4e8c; stroke-width: 1.8; }
        svg.dots .mean.filled { fill: #1f4e8c; }
        svg.dots .mean.hollow { fill: #fff; }
        svg.chart .clip { fill: #1f4e8c; }
        svg.chart .target { stroke: #444; stroke-width: 1; stroke-dasharray: 2 3; }
        svg.curve .series { fill: none; stroke-width: 1.8; }
        svg.curve .ci { stroke-width: 1.8; }
        svg.curve .seed { fill: #fff; stroke-width: 1; opacity: .8; }
        svg.curve .mean { stroke-width: 1.8; }
        svg.panel .seed { fill: none; stroke-width: 1; opacity: .45; }
        svg.panel .mean { fill: none; stroke-width: 2.4; stroke-linejoin: round; }
        svg.panel .clip { fill: #5b6475; }
        ul.legend { list-style: none; margin: 0; padding: 0; font-size: 12.5px; min-width: 200px; }
        ul.legend li { display: flex; align-items: center; gap: 6px; padding: 1px 4px; }
        .panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 10px; }
        figure.panel { margin: 0; }
        figure.panel figcaption { display: flex; align-items: baseline; font-size: 12.5px; color: var(--ink); margin-bottom: 2px; white-space: nowrap; }
        figure.panel figcaption span { overflow: hidden; text-overflow: ellipsis; min-width: 0; }
        .tag { font-size: 11px; border-radius: 3px; padding: 0 4px; margin-left: 4px; white-space: nowrap; flex-shrink: 0; }
        .tag.good { background: #e3efff; color: #174ea6; }
        .tag.bad { background: #fde7e5; color: #b3261e; }
        """;
}
