using System.Globalization;
using System.Text.RegularExpressions;
using EmbedSharp.Study;
using EmbedSharp.Study.Claims;

namespace EmbedSharp.Tests.Study;

public sealed partial class ClaimsReportTests : IDisposable
{
    /// <summary>Run in the page by the layout test only (the shipped report has no script): every &lt;svg&gt; must have a
    /// non-empty box, no two &lt;text&gt; elements of one svg may overlap and none may stick out of its svg (boxes from
    /// getBoundingClientRect, which includes transforms such as a rotated axis label, with half a pixel of tolerance so
    /// that touching is not overlapping). The result goes into &lt;pre id="layout-check"&gt;.</summary>
    private const string LayoutCheck = """
        <script>
        (function () {
          var lines = [], empty = 0, overlaps = 0, outside = 0, texts = 0;
          var svgs = document.querySelectorAll('svg');
          svgs.forEach(function (svg, i) {
            var name = svg.id || ('svg ' + i);
            var r = svg.getBoundingClientRect();
            if (!(r.width > 0 && r.height > 0)) { empty++; lines.push('EMPTY ' + name); }
            var boxes = Array.prototype.map.call(svg.querySelectorAll('text'), function (t) {
              var label = Array.prototype.filter.call(t.childNodes, function (n) { return n.nodeType === 3; }).map(function (n) { return n.nodeValue; }).join('');
              return { label: label, b: t.getBoundingClientRect() };
            });
            texts += boxes.length;
            boxes.forEach(function (t) {
              var b = t.b;
              if (b.left < r.left - 0.5 || b.right > r.right + 0.5 || b.top < r.top - 0.5 || b.bottom > r.bottom + 0.5) {
                outside++;
                lines.push('OUTSIDE ' + name + ': "' + t.label + '" ' + Math.round(b.left - r.left) + '..' + Math.round(b.right - r.left) + ' of ' + Math.round(r.width));
              }
            });
            for (var a = 0; a < boxes.length; a++) {
              for (var b = a + 1; b < boxes.length; b++) {
                var p = boxes[a].b, q = boxes[b].b, e = 0.5;
                if (p.left + e < q.right && q.left + e < p.right && p.top + e < q.bottom && q.top + e < p.bottom) {
                  overlaps++;
                  lines.push('OVERLAP ' + name + ': "' + boxes[a].label + '" / "' + boxes[b].label + '"');
                }
              }
            }
          });
          var pre = document.createElement('pre');
          pre.id = 'layout-check';
          pre.textContent = 'svgs=' + svgs.length + ' empty=' + empty + ' overlaps=' + overlaps + ' outside=' + outside + ' texts=' + texts + '\n' + lines.join('\n');
          document.body.appendChild(pre);
        })();
        </script>
        """;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "embedsharp-claims-report-" + Guid.NewGuid().ToString("N"));

    public ClaimsReportTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_synthetic_results_have_the_shapes_the_tests_rely_on()
    {
        var results = Results();
        var init = results.Experiment("lm-init").Groups.Single();
        Assert.Equal("normal-0.02", init.Best);
        Assert.Equal(["normal-0.02", "xavier"], init.TiedWithBest);
        Assert.Equal(["normal-1", "long"], init.Comparisons.Where(c => !c.Difference.IsTie).Select(c => c.Arm).Order(StringComparer.Ordinal).Reverse());
        Assert.Equal(["learned"], results.Experiment("lm-position").Groups.Single().DivergedArms);
        Assert.Equal(4, results.Experiment("spam-pretrained").Groups.Count);
        Assert.True(double.IsInfinity(results.Experiment("tok-bpc").Arm("char").Metric!.High));
    }

    [Fact]
    public void The_report_is_self_contained_and_script_free()
    {
        var html = ClaimsReport.Render(Results());
        Assert.DoesNotMatch("(src|href)\\s*=\\s*\"(https?:)?//", html);
        Assert.DoesNotContain("<link", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.Ordinal);
        Assert.DoesNotContain("url(", html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_answers_link_to_the_question_sections()
    {
        var results = Results();
        var html = ClaimsReport.Render(results);
        foreach (var q in results.Questions)
        {
            Assert.Contains($"<a href=\"#q-{q.Id}\">{ReportHtml.E(q.Title)}</a>", html, StringComparison.Ordinal);
            Assert.Contains($"<section class=\"question\" id=\"q-{q.Id}\">", html, StringComparison.Ordinal);
            Assert.Contains(ReportHtml.E(q.Answer), html, StringComparison.Ordinal);
        }

        Assert.Contains("Caveats: " + ReportHtml.E(results.Questions[3].Caveats), html, StringComparison.Ordinal);
        Assert.Contains("quick preset", html, StringComparison.Ordinal);
        Assert.Contains("1 h 01 min", html, StringComparison.Ordinal);
        Assert.Contains("2 cores, Linux", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_experiment_has_its_charts_and_every_arm_its_label()
    {
        var results = Results();
        var html = ClaimsReport.Render(results);
        foreach (var x in results.Experiments)
        {
            Assert.Single(Regex.Matches(html, $"<svg class=\"chart dots\" id=\"dots-exp-{x.Spec.Id}\""));
            Assert.Contains(ReportHtml.E(x.Verdict), html, StringComparison.Ordinal);
            Assert.Contains(ReportHtml.E(x.Recommendation), html, StringComparison.Ordinal);
            Assert.Contains(ReportHtml.E(x.Spec.Claim), html, StringComparison.Ordinal);
            Assert.Contains(ReportHtml.E(x.Spec.Setup), html, StringComparison.Ordinal);
            foreach (var a in x.Spec.Arms)
            {
                Assert.Contains("<td>" + ReportHtml.E(a.Label) + "</td>", html, StringComparison.Ordinal);
            }
        }

        // Small multiples for the experiments without sizes (one per arm), one learning curve for the one with sizes.
        Assert.Equal(4, Regex.Matches(html, "<svg class=\"chart panel\" id=\"curves-exp-lm-init-\\d+\"").Count);
        Assert.Equal(4, Regex.Matches(html, "<svg class=\"chart panel\" id=\"curves-exp-lm-position-\\d+\"").Count);
        Assert.Equal(3, Regex.Matches(html, "<svg class=\"chart panel\" id=\"curves-exp-tok-bpc-\\d+\"").Count);
        Assert.DoesNotContain("curves-exp-spam-pretrained", html, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(html, "<svg class=\"chart curve\" id=\"lc-exp-spam-pretrained\""));
        Assert.Equal(4 + 4 + 4 + 3 + 1, Regex.Matches(html, "<svg class=\"chart ").Count);
        // The learning curve: one line per method, a dot per (method, size), the legend, a log x axis (25 to 3 200 e-mails).
        var lc = Svg(html, "lc-exp-spam-pretrained");
        Assert.Equal(3, Regex.Matches(lc, "<path class=\"series\"").Count);
        Assert.Equal(12, Regex.Matches(lc, "<circle class=\"mean\"").Count);
        Assert.Contains("training e-mails (log scale)", lc, StringComparison.Ordinal);
        Assert.Contains("<li><svg width=\"30\" height=\"12\" aria-hidden=\"true\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_dot_chart_marks_the_best_and_the_tied_and_leaves_out_the_diverged()
    {
        var results = Results();
        var html = ClaimsReport.Render(results);
        var init = Svg(html, "dots-exp-lm-init");
        Assert.Equal(2, Regex.Matches(init, "<circle class=\"mean filled\"").Count);
        Assert.Equal(2, Regex.Matches(init, "<circle class=\"mean hollow\"").Count);
        Assert.Equal(4 * 3, Regex.Matches(init, "<circle class=\"seed\"").Count);
        Assert.Contains("filled = best or tied with the best (paired 95 % interval of the difference holds 0)", html, StringComparison.OrdinalIgnoreCase);

        var position = Svg(html, "dots-exp-lm-position");
        Assert.Equal(3, Regex.Matches(position, "<circle class=\"mean ").Count);
        Assert.DoesNotContain("learned", position, StringComparison.Ordinal);
        Assert.Contains("Diverged (not plotted): learned (nn.Embedding) (1 of 3 runs).", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_label_is_cut_with_an_ellipsis_and_kept_whole_in_a_tooltip()
    {
        var html = ClaimsReport.Render(Results());
        var init = Svg(html, "dots-exp-lm-init");
        Assert.Contains("<title>" + ReportHtml.E(LongLabel) + "</title>", init, StringComparison.Ordinal);
        Assert.Matches("<text class=\"label\"[^>]*><title>[^<]*</title>[^<]*…</text>", init);
        Assert.True(ClaimsReport.TextWidth(ClaimsReport.Fit(LongLabel, 300, 12), 12) <= 300);
    }

    [Fact]
    public void Single_seed_intervals_are_cut_at_the_edge_without_nan_or_infinity()
    {
        var html = ClaimsReport.Render(Results());
        Assert.DoesNotContain("NaN", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", html, StringComparison.Ordinal);
        var tok = Svg(html, "dots-exp-tok-bpc");
        Assert.Equal(3 * 2, Regex.Matches(tok, "<path class=\"clip\"").Count); // both ends of all three arms
        Assert.Contains("unbounded: 1 seed", html, StringComparison.Ordinal);
        // The axis comes from the values (1.1 to 1.3 bits/char), not from the unbounded intervals.
        var ticks = Regex.Matches(tok, "<text class=\"tick\"[^>]*>([^<]+)</text>").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(ticks);
        Assert.All(ticks, t => Assert.InRange(t, 1.0, 1.4));
    }

    [Fact]
    public void One_outlier_run_does_not_stretch_the_curve_panels()
    {
        var html = ClaimsReport.Render(Results());
        // normal-1 seed 3 spikes to 50 nats once; the other points are below 7. The spike is drawn at the top edge and marked.
        // (Each run's first point, above the 98th percentile of the rest, is marked at the top edge too, by design.)
        var panel = Svg(html, "curves-exp-lm-init-2");
        Assert.Contains("<path class=\"clip\" d=\"M143,9 l-3,5 h6 z\"/>", panel, StringComparison.Ordinal); // step 600 of 0…1 200 at the top
        Assert.DoesNotContain("M143,9 l-3,5", Svg(html, "curves-exp-lm-init-1"), StringComparison.Ordinal);
        var ticks = Regex.Matches(panel, "<text class=\"tick\" x=\"[\\d.]+\" y=\"[\\d.]+\" text-anchor=\"end\">([^<]+)</text>")
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(ticks);
        Assert.True(ticks.Max() < 10, string.Join(", ", ticks));
        Assert.Contains("2nd to the 98th percentile", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Robust_range_and_value_range_ignore_outliers_and_unbounded_ends()
    {
        var values = Enumerable.Range(0, 100).Select(i => (double)i).Append(1e6).ToList();
        var (lo, hi) = ClaimsReport.RobustRange(values);
        Assert.InRange(lo, 1, 3);
        Assert.InRange(hi, 97, 99);
        Assert.Equal((1.0, 2.0), ClaimsReport.ValueRange([1, 2], [double.NegativeInfinity, double.PositiveInfinity], log: false));
        Assert.Equal((0.5, 3.0), ClaimsReport.ValueRange([1, 2], [0.5, 100], log: false));
        Assert.False(ClaimsReport.SpansDecades([3.9, 4.6]));
        Assert.True(ClaimsReport.SpansDecades([25, 3200]));
    }

    [Fact]
    public void The_table_names_the_seed_count_and_the_test_set_and_reads_best_tie_and_difference()
    {
        var html = ClaimsReport.Render(Results());
        Assert.Contains("<caption>3 seeds (1, 2, 3) per arm · final validation loss evaluated on 64 validation windows of 64 tokens</caption>", html, StringComparison.Ordinal);
        Assert.Contains("<caption>1 seed (7) per arm · final bits per character evaluated on the last 10 % of the corpus (52 000 characters)</caption>", html, StringComparison.Ordinal);
        Assert.Contains("<caption>3 seeds (1, 2, 3) per arm · final test accuracy evaluated on 1 000 test e-mails</caption>", html, StringComparison.Ordinal);
        var init = Regex.Match(html, "<article class=\"experiment\" id=\"exp-lm-init\">.*?</article>", RegexOptions.Singleline).Value;
        Assert.Contains("<tr class=\"best\"><td>nn.init.normal_(std=0.02)</td><td class=\"num\">4.000</td><td class=\"num\">", init, StringComparison.Ordinal);
        Assert.Matches("<tr class=\"tie\"><td>nn.init.xavier_uniform_</td>.*?<td class=\"num\">tie: \\+0.010 \\(−0.\\d+ to 0.\\d+\\)</td>", init);
        Assert.Matches("<tr><td>nn.init.normal_\\(std=1\\)</td>.*?<td class=\"num\">\\+0.600 \\(0.\\d+ to 0.\\d+\\)</td>", init);
        Assert.Contains("<td class=\"num\">not reached (0/3)</td>", init, StringComparison.Ordinal);
        Assert.Contains("(reached 3/3)", init, StringComparison.Ordinal);
        var position = Regex.Match(html, "<article class=\"experiment\" id=\"exp-lm-position\">.*?</article>", RegexOptions.Singleline).Value;
        Assert.Contains("<tr class=\"diverged\"><td>learned (nn.Embedding)</td><td class=\"num\">diverged</td>", position, StringComparison.Ordinal);
        var spam = Regex.Match(html, "<article class=\"experiment\" id=\"exp-spam-pretrained\">.*?</article>", RegexOptions.Singleline).Value;
        Assert.Equal(4, Regex.Matches(spam, "<tr class=\"best\">").Count); // one best per size
        Assert.Contains("<th>training e-mails</th>", spam, StringComparison.Ordinal);
    }

    [Fact]
    public void Strings_from_the_data_are_html_escaped()
    {
        var html = ClaimsReport.Render(Results());
        Assert.DoesNotContain("<sentencepiece>", html, StringComparison.Ordinal);
        Assert.Contains("unigram &lt;sentencepiece&gt; &amp; &quot;friends&quot;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;bits&lt;/b&gt; &amp; &#39;chars&#39;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_puts_the_rendered_page_in_the_file()
    {
        var results = Results();
        var path = Path.Combine(_dir, "report.html");
        ClaimsReport.Write(path, results);
        Assert.Equal(ClaimsReport.Render(results), File.ReadAllText(path));
    }

    [Fact]
    public void The_report_of_results_read_back_from_results_json_is_the_same()
    {
        var results = Results();
        var json = Path.Combine(_dir, "results.json");
        ClaimsResults.Write(json, results);
        Assert.Equal(ClaimsReport.Render(results), ClaimsReport.Render(ClaimsResults.Read(json)));
    }

    [ChromiumFact]
    public void In_headless_chromium_every_chart_has_a_box_and_no_label_overlaps_another_or_leaves_its_chart()
    {
        var html = ClaimsReport.Render(Results());
        var svgs = Regex.Matches(html, "<svg[ >]").Count;
        var path = Path.Combine(_dir, "report.html");
        File.WriteAllText(path, html.Replace("</body>", LayoutCheck + "\n</body>", StringComparison.Ordinal));
        var dom = Chromium.Run(Chromium.Find()!, "--window-size=1200,3000", "--dump-dom", new Uri(path).AbsoluteUri);
        var check = Regex.Match(dom, "<pre id=\"layout-check\">(.*?)</pre>", RegexOptions.Singleline);
        Assert.True(check.Success, "The layout check did not run: " + dom[..Math.Min(400, dom.Length)]);
        var result = LayoutResult().Match(check.Groups[1].Value);
        Assert.True(result.Success, check.Groups[1].Value);
        Assert.True(svgs == int.Parse(result.Groups["svgs"].Value, CultureInfo.InvariantCulture), check.Groups[1].Value);
        Assert.True(result.Groups["empty"].Value == "0", check.Groups[1].Value);
        Assert.True(result.Groups["overlaps"].Value == "0", System.Net.WebUtility.HtmlDecode(check.Groups[1].Value));
        Assert.True(result.Groups["outside"].Value == "0", System.Net.WebUtility.HtmlDecode(check.Groups[1].Value));
        Assert.True(int.Parse(result.Groups["texts"].Value, CultureInfo.InvariantCulture) > 100, check.Groups[1].Value);
    }

    [ChromiumFact]
    public void In_headless_chromium_the_report_takes_a_screenshot()
    {
        var path = Path.Combine(_dir, "report.html");
        ClaimsReport.Write(path, Results());
        var png = Path.Combine(_dir, "report.png");
        Chromium.Run(Chromium.Find()!, "--screenshot=" + png, "--window-size=1200,3000", "--hide-scrollbars", new Uri(path).AbsoluteUri);
        var copy = Environment.GetEnvironmentVariable("EMBEDSHARP_REPORT_SCREENSHOT");
        if (!string.IsNullOrEmpty(copy))
        {
            File.Copy(png, copy, overwrite: true); // to look at it: set the variable to a path outside the test's folder
            File.Copy(path, Path.ChangeExtension(copy, ".html"), overwrite: true);
        }

        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 10_000, $"{bytes.Length} bytes");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
    }

    private const string LongLabel = "nn.init.trunc_normal_(std=0.02, a=-0.04, b=0.04) after tying the table with the output projection";

    private static string Svg(string html, string id)
    {
        var m = Regex.Match(html, $"<svg [^>]*id=\"{id}\".*?</svg>", RegexOptions.Singleline);
        Assert.True(m.Success, id);
        return m.Value;
    }

    /// <summary>Four experiments: one plain with a tie and clear losers (and a long label, an outlier spike, a target),
    /// one with a diverged arm, one over training-set sizes with three methods, one with a single seed.</summary>
    internal static ClaimsResults Results()
    {
        var init = Spec("lm-init", "Which initialisation of the token table?", [
            new("normal-0.02", "nn.init.normal_(std=0.02)"),
            new("xavier", "nn.init.xavier_uniform_"),
            new("normal-1", "nn.init.normal_(std=1)"),
            new("long", LongLabel),
        ], [1, 2, 3], target: 4.5);
        var initValues = new Dictionary<string, double[]>
        {
            ["normal-0.02"] = [4.02, 3.98, 4.00],
            ["xavier"] = [4.05, 3.96, 4.02],
            ["normal-1"] = [4.62, 4.58, 4.60],
            ["long"] = [4.30, 4.28, 4.33],
        };
        var initRuns = init.Arms.SelectMany(a => init.Seeds.Select((s, i) => Run(init, a.Name, s, initValues[a.Name][i], start: 7,
            spikeAt: a.Name == "normal-1" && s == 3 ? 600 : null))).ToList();

        var position = Spec("lm-position", "Which positional encoding?", [
            new("none", "none"),
            new("sinusoidal", "sinusoidal (Vaswani et al.)"),
            new("learned", "learned (nn.Embedding)"),
            new("rope", "RoPE"),
        ], [1, 2, 3]);
        var positionValues = new Dictionary<string, double[]>
        {
            ["none"] = [4.80, 4.75, 4.85],
            ["sinusoidal"] = [4.31, 4.27, 4.30],
            ["learned"] = [4.25, double.NaN, 4.22],
            ["rope"] = [4.20, 4.18, 4.21],
        };
        var positionRuns = position.Arms.SelectMany(a => position.Seeds.Select((s, i) => Run(position, a.Name, s, positionValues[a.Name][i], start: 7))).ToList();

        var methods = new (string Name, string Series, double[] Accuracy)[]
        {
            ("random", "random table", [60, 75, 88, 95]),
            ("frozen", "pretrained, frozen", [80, 85, 89, 91]),
            ("finetuned", "pretrained, fine-tuned", [82, 88, 93, 96]),
        };
        double[] sizes = [25, 100, 400, 3200];
        ArmSpec[] spamArms = [.. methods.SelectMany(m => sizes.Select(n => new ArmSpec(FormattableString.Invariant($"{m.Name}-n{n}"), FormattableString.Invariant($"{m.Series}, {n} e-mails"), m.Series, n)))];
        var spam = Spec("spam-pretrained", "Do pretrained vectors help a small spam classifier?", spamArms, [1, 2, 3],
            metric: "test accuracy", unit: "%", lowerIsBetter: false, evaluatedOn: "1 000 test e-mails");
        spam = spam with { SizeLabel = "training e-mails", CurveX = "epoch" };
        var spamRuns = new List<ArmRun>();
        foreach (var m in methods)
        {
            for (var k = 0; k < sizes.Length; k++)
            {
                var (mk, sk) = (m, k);
                spamRuns.AddRange(spam.Seeds.Select(s => Run(spam, FormattableString.Invariant($"{mk.Name}-n{sizes[sk]}"), s,
                    mk.Accuracy[sk] + ((s - 2) * 1.5) + (0.3 * sk * (s % 2)), start: 50, steps: 5, every: 1)));
            }
        }

        var tok = Spec("tok-bpc", "Which tokenizer? <b>bits</b> & 'chars'", [
            new("char", "characters"),
            new("bpe", "byte-level BPE"),
            new("unigram", "unigram <sentencepiece> & \"friends\""),
        ], [7], metric: "bits per character", unit: "bits/char", evaluatedOn: "the last 10 % of the corpus (52 000 characters)");
        var tokValues = new Dictionary<string, double> { ["char"] = 1.30, ["bpe"] = 1.12, ["unigram"] = 1.15 };
        var tokRuns = tok.Arms.Select(a => Run(tok, a.Name, 7, tokValues[a.Name], start: 5)).ToList();

        ExperimentResult[] experiments =
        [
            ExperimentResult.Analyze(init, initRuns),
            ExperimentResult.Analyze(position, positionRuns),
            ExperimentResult.Analyze(tok, tokRuns),
            ExperimentResult.Analyze(spam, spamRuns),
        ];
        return new ClaimsResults
        {
            Preset = StudyPreset.Quick,
            Machine = "2 cores, Linux 6.1, .NET 10.0.0",
            WallSeconds = 3661,
            Questions =
            [
                new("init", "Which initialisation of the token table?", ["lm-init"], experiments[0].Recommendation, ""),
                new("position", "Which positional encoding?", ["lm-position"], experiments[1].Recommendation, ""),
                new("tokenization", "Which tokenizer? <script>alert(\"x\")</script>", ["tok-bpc"], experiments[2].Recommendation, "One seed only: no interval."),
                new("pretrained", "Do pretrained vectors help?", ["spam-pretrained"], experiments[3].Recommendation, "Only <25> & 3 200 e-mails were tried; \"all\" is 3 200."),
            ],
            Experiments = experiments,
        };
    }

    private static ExperimentSpec Spec(string id, string question, IReadOnlyList<ArmSpec> arms, IReadOnlyList<int> seeds, double? target = null,
        string metric = "validation loss", string unit = "nats/token", bool lowerIsBetter = true, string evaluatedOn = "64 validation windows of 64 tokens") => new()
        {
            Id = id,
            Question = question,
            Claim = $"The tutorials say the choice in \"{question}\" matters.",
            Setup = "A 2-layer decoder, d = 64, 1 200 steps of AdamW on the State of the Union corpus.",
            EvaluatedOn = evaluatedOn,
            Metric = metric,
            Unit = unit,
            LowerIsBetter = lowerIsBetter,
            CurveY = $"{metric} ({unit})",
            Target = target,
            Arms = arms,
            Seeds = seeds,
            Fingerprint = "test",
        };

    /// <summary>A run whose curve falls (or rises) from <paramref name="start"/> to <paramref name="metric"/>; NaN metric:
    /// the curve turns NaN then +∞ half-way; <paramref name="spikeAt"/>: one point there at 50.</summary>
    private static ArmRun Run(ExperimentSpec spec, string arm, int seed, double metric, double start, double? spikeAt = null, int steps = 24, double every = 50)
    {
        var diverged = double.IsNaN(metric);
        var end = diverged ? 4.5 : metric;
        var curve = new List<CurvePoint>();
        double? reached = null;
        for (var i = 0; i <= steps; i++)
        {
            var x = i * every;
            var y = end + ((start - end) * Math.Exp(-4.0 * i / steps)) + (0.01 * seed * Math.Sin(i));
            if (diverged && i > steps / 2)
            {
                y = i % 2 == 0 ? double.NaN : double.PositiveInfinity;
            }

            if (spikeAt == x)
            {
                y = 50;
            }

            if (spec.Target is { } t && reached is null && y <= t)
            {
                reached = x;
            }

            curve.Add(new CurvePoint(x, y));
        }

        return new ArmRun
        {
            Experiment = spec.Id,
            Arm = arm,
            Seed = seed,
            Fingerprint = spec.Fingerprint,
            Metric = metric,
            Curve = curve,
            ReachedTargetAt = reached,
            WallSeconds = 40 + seed,
        };
    }

    [GeneratedRegex("svgs=(?<svgs>\\d+) empty=(?<empty>\\d+) overlaps=(?<overlaps>\\d+) outside=(?<outside>\\d+) texts=(?<texts>\\d+)")]
    private static partial Regex LayoutResult();
}
