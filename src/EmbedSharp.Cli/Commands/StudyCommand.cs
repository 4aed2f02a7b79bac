using System.CommandLine;
using System.Globalization;
using EmbedSharp.Study;
using EmbedSharp.Study.Data;
using Spectre.Console;

namespace EmbedSharp.Cli.Commands;

/// <summary><c>embedsharp study init</c>: the initialisation study on SpamAssassin, with a progress bar per run, the
/// ranked table and the path of report.html.</summary>
internal static class StudyCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Quick preset: 2 seeds, 2,000 e-mails, dim 32, 6 epochs (what demo runs)." };
        var full = new Option<bool>("--full") { Description = "Full preset (the default): 3 seeds, all 6,046 e-mails, dim 50, 10 epochs." };
        var seeds = new Option<int?>("--seeds") { Description = "Number of seeds (0, 1, …, N−1)." };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs per run." };
        var dim = new Option<int?>("--dim") { Description = "Embedding dimension (with --vectors: the vectors' dimension is used)." };
        var lr = new Option<double?>("--lr") { Description = "Initial learning rate (decays linearly to 0)." };
        var schemes = new Option<string?>("--schemes") { Description = "Comma-separated schemes (default all): " + string.Join(", ", EmbeddingInit.All.Select(s => s.Name)) + "." };
        var vectors = new Option<FileInfo?>("--vectors") { Description = "Pretrained vectors (word2vec, GloVe, fastText .vec/.bin, …); default: skip-gram trained on SOTU." };
        var outputInit = new Option<string>("--output-init") { Description = "How the output layer starts: torch (nn.Linear's default, the default) or zeros (fastText's).", DefaultValueFactory = _ => "torch" };
        var output = SharedOptions.OutDirectory("Output directory (default study-init); a rerun resumes from the runs it finished.", required: false);
        var init = new Command("init", "Train the classifier with every embedding initialisation and several seeds; write results.json, results.csv and report.html.")
        {
            quick, full, seeds, epochs, dim, lr, schemes, vectors, outputInit, output,
        };
        init.SetAction(r => CliErrors.Run(() =>
        {
            if (r.GetValue(quick) && r.GetValue(full))
            {
                throw new ArgumentException("--quick and --full exclude each other.");
            }

            var dir = r.GetValue(output)?.FullName ?? "study-init";
            var options = r.GetValue(quick) ? InitStudyOptions.Quick(dir) : InitStudyOptions.Full(dir);
            options = options with
            {
                Seeds = r.GetValue(seeds) is { } n ? (n >= 1 ? [.. Enumerable.Range(0, n)] : throw new ArgumentException($"--seeds must be at least 1; got {n}.")) : options.Seeds,
                Epochs = r.GetValue(epochs) ?? options.Epochs,
                Dim = r.GetValue(dim) ?? options.Dim,
                LearningRate = r.GetValue(lr) ?? options.LearningRate,
                Schemes = r.GetValue(schemes) is { } list ? EmbeddingInit.ParseList(list) : options.Schemes,
                VectorsPath = r.GetValue(vectors)?.FullName,
                OutputInit = Kebab.Parse<OutputLayerInit>(r.GetValue(outputInit)!, "--output-init"),
            };
            Run(options);
        }));
        var command = new Command("study", "Studies that train models and compare choices: init (embedding initialisations).");
        command.Subcommands.Add(init);
        return command;
    }

    /// <summary>Runs a study end to end (shared with <c>demo</c>): vectors file first (a bad file fails before anything
    /// else), data, pretrained vectors, runs; then the ranked table and the report path.</summary>
    public static void Run(InitStudyOptions options)
    {
        var study = new InitStudy(options); // validates
        var console = ErrorConsole();
        var vectors = study.ReadVectorsFile(); // the reader's error, before any fetching or training
        var vectorsDescription = vectors is null ? null : $"{options.VectorsPath} ({vectors.Count:N0} words × {vectors.Dimension})";
        var cache = new DatasetCache();
        var messages = new SyncProgress<string>(m => console.MarkupLineInterpolated($"[grey]{m}[/]"));
        var spam = SpamAssassinCorpus.Fetch(cache, messages);
        var corpus = StudyCorpus.FromSpamAssassin(spam, options);
        console.MarkupLineInterpolated($"[grey]Data: {corpus.Name}[/]");
        var preparing = new SyncProgress<StudyProgress>(p =>
        {
            if (p.Kind == StudyProgressKind.Preparing)
            {
                console.MarkupLineInterpolated($"[grey]{p.Message}[/]");
            }
        });
        if (study.NeedsVectors && vectors is null)
        {
            (vectors, vectorsDescription) = study.TrainSotuVectors(() => SotuCorpus.Fetch(cache, messages), preparing);
        }

        StudyResults results;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (Console.IsErrorRedirected)
        {
            results = study.Run(corpus, vectors, vectorsDescription, new SyncProgress<StudyProgress>(p =>
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
                    results = study.Run(corpus, vectors, vectorsDescription, new SyncProgress<StudyProgress>(p =>
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

        Print(results, study.ReportPath, clock.Elapsed);
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

    private static IAnsiConsole OutConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = Math.Max(console.Profile.Width, 120); // a log file is not an 80-column terminal
            console.Profile.Capabilities.Ansi = false;
        }

        return console;
    }

    private static IAnsiConsole ErrorConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsErrorRedirected)
        {
            console.Profile.Capabilities.Ansi = false;
        }

        return console;
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
