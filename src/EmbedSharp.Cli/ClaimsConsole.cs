using System.Diagnostics;
using EmbedSharp.Study;
using EmbedSharp.Study.Claims;
using Spectre.Console;

namespace EmbedSharp.Cli;

/// <summary>The claims study on the console (<c>demo</c>, <c>study</c>): one line per preparation step and per finished
/// run on stderr, then each question's answer and a table per experiment on stdout, and where the files are. The study
/// itself is <see cref="ClaimsStudy"/>; this class only shows it.</summary>
internal static class ClaimsConsole
{
    public static void Run(ClaimsStudyOptions options)
    {
        var errors = StudyConsole.ErrorConsole();
        var clock = Stopwatch.StartNew();
        var finished = 0;
        var results = ClaimsStudy.Run(options, progress: new StudyConsole.SyncProgress<StudyProgress>(p =>
        {
            var at = FormattableString.Invariant($"{clock.Elapsed.TotalSeconds,5:0}s");
            switch (p.Kind)
            {
                case StudyProgressKind.Preparing:
                    errors.MarkupLineInterpolated($"[grey]{at} {p.Message}[/]");
                    break;
                case StudyProgressKind.RunRedone:
                    errors.MarkupLineInterpolated($"[yellow]{at} {p.Message}[/]");
                    break;
                case StudyProgressKind.RunSkipped:
                    finished++;
                    break;
                case StudyProgressKind.RunFinished:
                    finished++;
                    errors.MarkupLineInterpolated($"[grey]{at} [[{p.RunIndex + 1}/{p.RunCount}]] {p.Scheme} seed {p.Seed} done[/]");
                    break;
            }
        }));
        Print(results, options.ReportPath, clock.Elapsed, finished);
    }

    private static void Print(ClaimsResults results, string reportPath, TimeSpan elapsed, int runs)
    {
        var console = StudyConsole.OutConsole();
        foreach (var q in results.Questions)
        {
            console.Write(new Rule(Markup.Escape(q.Title)).LeftJustified());
            foreach (var id in q.Experiments)
            {
                var e = results.Experiment(id);
                var table = new Table().Title(Markup.Escape(FormattableString.Invariant(
                    $"{e.Spec.Id}: {e.Spec.Metric} ({e.Spec.Unit}), {e.Spec.Seeds.Count} seeds; evaluated on {e.Spec.EvaluatedOn}")));
                table.AddColumn("arm");
                table.AddColumn(new TableColumn("mean").RightAligned());
                table.AddColumn(new TableColumn("95 % interval").RightAligned());
                table.AddColumn(new TableColumn("vs best").RightAligned());
                foreach (var group in e.Groups)
                {
                    foreach (var arm in e.Arms.Where(a => a.X == group.X))
                    {
                        var versus = arm.Arm == group.Best ? "best"
                            : group.DivergedArms.Contains(arm.Arm) ? "diverged"
                            : group.Comparisons.First(c => c.Arm == arm.Arm) is var c && c.Difference.IsTie ? "tie"
                            : FormattableString.Invariant($"{ExperimentResult.Format(c.Difference.Mean, e.Spec)} [{ExperimentResult.Format(c.Difference.Low, e.Spec)}, {ExperimentResult.Format(c.Difference.High, e.Spec)}]");
                        table.AddRow(
                            Markup.Escape(arm.Label),
                            arm.Metric is { } m ? ExperimentResult.Format(m.Mean, e.Spec) : "—",
                            arm.Metric is { } i ? $"{ExperimentResult.Format(i.Low, e.Spec)} – {ExperimentResult.Format(i.High, e.Spec)}" : "—",
                            Markup.Escape(versus));
                    }
                }

                console.Write(table);
            }

            console.WriteLine("Answer: " + q.Answer);
            if (q.Caveats.Length > 0)
            {
                console.WriteLine("Caveat: " + q.Caveats);
            }

            console.WriteLine();
        }

        var dir = Path.GetDirectoryName(reportPath)!;
        var report = File.Exists(reportPath) ? $"; report: {reportPath}" : "";
        console.WriteLine(FormattableString.Invariant($"{runs} runs in {elapsed.TotalSeconds:0} s. Results: {Path.Combine(dir, "results.json")}{report}"));
    }
}
