using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Study;
using EmbedSharp.Study.Claims;
using Spectre.Console;

namespace EmbedSharp.Cli.Commands;

/// <summary><c>embedsharp demo</c>: the quick claims study (<c>--full</c>: the whole study) — initialisation, positional
/// encoding, tokenisation and pretrained vectors put to experiments with several seeds; <c>--init-table</c>: every
/// initialisation scheme side by side on one embedding-sized table.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var rows = new Option<long>("--rows") { Description = "With --init-table: rows of the table (vocabulary size).", DefaultValueFactory = _ => 10000 };
        var cols = new Option<long>("--cols") { Description = "With --init-table: columns of the table (embedding dimension).", DefaultValueFactory = _ => 300 };
        var seed = SharedOptions.Seed("With --init-table: seed as for torch.manual_seed.");
        var full = new Option<bool>("--full") { Description = "Run the whole study at publication settings (5 seeds, longer training, Moby Dick as a second corpus) instead of the quick one." };
        var initTable = new Option<bool>("--init-table") { Description = "Instead of the study: every scheme side by side on one table (mean, std, min, max, time); see --rows, --cols, --seed." };
        var output = SharedOptions.OutDirectory("Output directory of the study (default demo-study, or demo-study-full with --full).", required: false);
        var command = new Command("demo", "Which initialisation, positional encoding, tokenisation and pretrained vectors should I use? Runs the quick claims study on SOTU and SpamAssassin (fetched if needed), resumable, and writes results.json and report.html.");
        command.Options.Add(full);
        command.Options.Add(initTable);
        command.Options.Add(output);
        command.Options.Add(rows);
        command.Options.Add(cols);
        command.Options.Add(seed);
        command.SetAction(result => CliErrors.Run(() =>
        {
            if (result.GetValue(initTable))
            {
                InitTable(result.GetValue(rows), result.GetValue(cols), result.GetSeed(seed));
                return;
            }

            var fullStudy = result.GetValue(full);
            var dir = result.GetValue(output)?.FullName ?? (fullStudy ? "demo-study-full" : "demo-study");
            ClaimsConsole.Run(new ClaimsStudyOptions { Preset = fullStudy ? StudyPreset.Full : StudyPreset.Quick, OutputDirectory = dir });
        }));
        return command;
    }

    private static void InitTable(long rows, long cols, ulong seed)
    {
        if (rows < 1 || cols < 1)
        {
            throw new ArgumentException($"--rows and --cols must be positive; got {rows} and {cols}.");
        }

        // Every scheme fills the table in turn (orthogonal through a QR of it): a comparison, not a workload.
        const long MaxElements = 50_000_000;
        if ((double)rows * cols > MaxElements)
        {
            throw new ArgumentException($"--rows × --cols may be at most {MaxElements:N0} elements (200 MB of float32); got {rows} × {cols}.");
        }

        var table = new Table().Title($"Initialisation schemes on a {rows} × {cols} table (seed {seed}, PyTorch-exact generator)");
        table.AddColumn("call (torch.nn.init / Keras)");
        foreach (var h in new[] { "mean", "std", "min", "max", "ms" })
        {
            table.AddColumn(new TableColumn(h).RightAligned());
        }

        var schemes = new (InitSpec Spec, string Name)[]
        {
            (InitSpec.Zeros, "zeros_"),
            (InitSpec.Constant(0.1), "constant_(0.1)"),
            (InitSpec.Uniform(-0.1, 0.1), "uniform_(-0.1, 0.1)"),
            (InitSpec.Normal(), "normal_ (nn.Embedding)"),
            (InitSpec.Normal(std: 0.02), "normal_(0, 0.02) (BERT)"),
            (InitSpec.TruncNormal(std: 0.02, a: -0.04, b: 0.04), "trunc_normal_(std=0.02)"),
            (InitSpec.XavierUniform(), "xavier_uniform_"),
            (InitSpec.XavierNormal(), "xavier_normal_"),
            (InitSpec.KaimingUniform(), "kaiming_uniform_"),
            (InitSpec.KaimingNormal(), "kaiming_normal_"),
            (InitSpec.Orthogonal(), "orthogonal_"),
            (InitSpec.Sparse(0.9), "sparse_(0.9)"),
            (InitSpec.Eye, "eye_"),
            (InitSpec.LecunUniform, "lecun_uniform"),
            (InitSpec.LecunNormal, "lecun_normal"),
            (InitSpec.VarianceScaling(2, FanMode.FanAvg), "variance_scaling(2, fan_avg)"),
        };

        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 100); // a log file is not an 80-column terminal
            AnsiConsole.Profile.Capabilities.Ansi = false; // and has no use for colour escapes
        }

        var generator = new Generator(seed);
        void RunAll(Action<string> starting)
        {
            foreach (var (spec, name) in schemes)
            {
                starting(name);
                var tensor = new FloatTensor(rows, cols);
                var clock = Stopwatch.StartNew();
                spec.Apply(tensor, generator);
                var ms = clock.Elapsed.TotalMilliseconds;
                var s = tensor.Statistics();
                table.AddRow(name, F(s.Mean), F(s.Std), F(s.Min), F(s.Max), ms.ToString("0.0", CultureInfo.InvariantCulture));
            }
        }

        if (Console.IsOutputRedirected)
        {
            RunAll(_ => { });
        }
        else
        {
            AnsiConsole.Progress().Start(ctx =>
            {
                var task = ctx.AddTask("initialising", maxValue: schemes.Length);
                var started = 0;
                RunAll(name =>
                {
                    task.Description = name;
                    task.Value = started++; // schemes finished so far
                });
                task.Value = task.MaxValue;
            });
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("Every scheme above draws PyTorch's exact numbers: [grey]torch.manual_seed(seed)[/] followed by the same calls gives the same bits.");
    }

    /// <summary>Five decimals, with −0 shown as 0.</summary>
    private static string F(double v) => (Math.Round(v, 5) + 0.0).ToString("0.00000", CultureInfo.InvariantCulture);
}
