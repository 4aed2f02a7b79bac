using System.Globalization;
using EmbedSharp.Study;
using Spectre.Console;

namespace EmbedSharp.Cli;

/// <summary>The initialisation study on the console, shared by <c>study init</c> and <c>demo</c>: progress while it runs
/// (on stderr), then the ranked table and where the files are (on stdout). The study itself is
/// <see cref="InitStudyRunner"/>; this class only shows it.</summary>
internal static class StudyConsole
{
    /// <summary>Runs a study end to end through <see cref="InitStudyRunner"/> (vectors file first, so a bad file fails
    /// before anything else; data; pretrained vectors; runs), showing preparation as grey lines and the runs as a
    /// progress bar each (one plain line per epoch when stderr is redirected); then the ranked table and the report path.</summary>
    public static void Run(InitStudyOptions options)
    {
        var console = ErrorConsole();
        var runner = InitStudyRunner.Prepare(options, progress: new SyncProgress<StudyProgress>(p =>
        {
            if (p.Kind == StudyProgressKind.Preparing)
            {
                console.MarkupLineInterpolated($"[grey]{p.Message}[/]");
            }
        }));

        StudyResults results;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (Console.IsErrorRedirected)
        {
            results = runner.Run(new SyncProgress<StudyProgress>(p =>
            {
                switch (p.Kind)
                {
                    case StudyProgressKind.Preparing:
                    case StudyProgressKind.RunRedone:
                        Console.Error.WriteLine(p.Message);
                        break;
                    case StudyProgressKind.RunSkipped:
                        Console.Error.WriteLine(FormattableString.Invariant($"[{p.RunIndex + 1}/{p.RunCount}] {p.Scheme} seed {p.Seed}: finished earlier, skipped"));
                        break;
                    case StudyProgressKind.Epoch when p.Epoch is { } e:
                        Console.Error.WriteLine(FormattableString.Invariant($"[{p.RunIndex + 1}/{p.RunCount}] {p.Scheme} seed {p.Seed} epoch {e.Epoch}: train loss {e.TrainLoss:0.0000}, test accuracy {e.TestAccuracy:P2}"));
                        break;
                }
            }));
        }
        else
        {
            results = null!;
            console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var tasks = new Dictionary<int, ProgressTask>();
                    ProgressTask Task(StudyProgress p) => tasks.TryGetValue(p.RunIndex, out var t) ? t
                        : tasks[p.RunIndex] = ctx.AddTask(Markup.Escape(FormattableString.Invariant($"{p.Scheme} s{p.Seed}")), maxValue: 1.0);
                    results = runner.Run(new SyncProgress<StudyProgress>(p =>
                    {
                        switch (p.Kind)
                        {
                            case StudyProgressKind.Preparing:
                                console.MarkupLineInterpolated($"[grey]{p.Message}[/]");
                                break;
                            case StudyProgressKind.RunRedone:
                                console.MarkupLineInterpolated($"[yellow]{p.Message}[/]");
                                break;
                            case StudyProgressKind.RunSkipped:
                                var skipped = Task(p);
                                skipped.Description = Markup.Escape(FormattableString.Invariant($"{p.Scheme} s{p.Seed} (finished earlier)"));
                                skipped.Value = 1.0;
                                break;
                            case StudyProgressKind.RunStarted:
                                Task(p).Value = 0;
                                break;
                            case StudyProgressKind.Step when p.Step is { } s:
                                var task = Task(p);
                                task.Value = p.Fraction;
                                task.Description = Markup.Escape(FormattableString.Invariant($"{p.Scheme} s{p.Seed}  loss {s.Loss:0.000}"));
                                break;
                            case StudyProgressKind.Epoch when p.Epoch is { } e:
                                var t = Task(p);
                                t.Value = p.Fraction;
                                t.Description = Markup.Escape(FormattableString.Invariant($"{p.Scheme} s{p.Seed}  epoch {e.Epoch} acc {e.TestAccuracy * 100:0.0}%"));
                                break;
                            case StudyProgressKind.RunFinished:
                                Task(p).Value = 1.0;
                                break;
                        }
                    }));
                });
        }

        Print(results, runner.ReportPath, clock.Elapsed);
    }

    /// <summary>The ranked table, then where the files are.</summary>
    public static void Print(StudyResults results, string reportPath, TimeSpan elapsed)
    {
        var setup = results.Setup;
        var table = new Table().Title(Markup.Escape(FormattableString.Invariant(
            $"Embedding initialisation study: {setup.Data}; V = {setup.VocabularySize:N0}, D = {setup.Dim}, {setup.Epochs} epochs, {setup.Seeds.Count} seeds")));
        table.AddColumn("#");
        table.AddColumn("initialisation");
        table.AddColumn(new TableColumn("accuracy (mean ± std)").RightAligned());
        table.AddColumn(new TableColumn("min – max").RightAligned());
        table.AddColumn(new TableColumn(Markup.Escape(FormattableString.Invariant($"steps to loss {setup.TargetLoss:0.###}"))).RightAligned());
        table.AddColumn(new TableColumn("s / run").RightAligned());
        foreach (var a in results.Ranking)
        {
            table.AddRow(
                a.Rank.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(a.Label),
                FormattableString.Invariant($"{a.AccuracyMean * 100:0.00}% ± {a.AccuracyStd * 100:0.00}"),
                FormattableString.Invariant($"{a.AccuracyMin * 100:0.00} – {a.AccuracyMax * 100:0.00}"),
                a.StepsToTargetMean is { } s ? FormattableString.Invariant($"{s:N0}{(a.ReachedTarget < a.Runs ? $" ({a.ReachedTarget}/{a.Runs})" : "")}") : "not reached",
                FormattableString.Invariant($"{a.WallSecondsMean:0.0}"));
        }

        var console = OutConsole();
        console.Write(table);
        foreach (var sentence in results.Summary)
        {
            console.WriteLine("• " + sentence);
        }

        console.WriteLine(FormattableString.Invariant($"Report: {reportPath}  ({elapsed.TotalSeconds:0} s; results.json and results.csv beside it)"));
    }

    internal static IAnsiConsole OutConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = Math.Max(console.Profile.Width, 120); // a log file is not an 80-column terminal
            console.Profile.Capabilities.Ansi = false;
        }

        return console;
    }

    internal static IAnsiConsole ErrorConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsErrorRedirected)
        {
            console.Profile.Capabilities.Ansi = false;
        }

        return console;
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
