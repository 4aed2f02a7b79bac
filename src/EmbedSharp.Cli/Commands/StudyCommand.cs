using System.CommandLine;
using EmbedSharp.Study;
using EmbedSharp.Study.Claims;

namespace EmbedSharp.Cli.Commands;

/// <summary><c>embedsharp study init</c>: the initialisation study on SpamAssassin, with a progress bar per run, the
/// ranked table and the path of report.html (shown by <see cref="StudyConsole"/>).</summary>
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
                Seeds = r.GetValue(seeds) is { } n ? (n is >= 1 and <= InitStudyOptions.MaxSeeds ? [.. Enumerable.Range(0, n)] : throw new ArgumentException($"--seeds must be between 1 and {InitStudyOptions.MaxSeeds}; got {n}.")) : options.Seeds,
                Epochs = r.GetValue(epochs) ?? options.Epochs,
                Dim = r.GetValue(dim) ?? options.Dim,
                LearningRate = r.GetValue(lr) ?? options.LearningRate,
                Schemes = r.GetValue(schemes) is { } list ? EmbeddingInit.ParseList(list) : options.Schemes,
                VectorsPath = r.GetValue(vectors)?.FullName,
                OutputInit = Kebab.Parse<OutputLayerInit>(r.GetValue(outputInit)!, "--output-init"),
            };
            StudyConsole.Run(options);
        }));
        var claimsQuick = new Option<bool>("--quick") { Description = "Quick preset (what demo runs): 3 seeds, short training, SOTU only." };
        var claimsFull = new Option<bool>("--full") { Description = "Full preset (the default): 5 seeds, longer training, Moby Dick as a second corpus." };
        var claimsOutput = SharedOptions.OutDirectory("Output directory (default study-claims); a rerun resumes from the runs it finished.", required: false);
        var command = new Command("study", "The claims study (initialisation, positional encoding, tokenisation, pretrained vectors; results.json and report.html), or a subcommand: init (the classifier's embedding initialisations).")
        {
            claimsQuick, claimsFull, claimsOutput,
        };
        command.SetAction(r => CliErrors.Run(() =>
        {
            if (r.GetValue(claimsQuick) && r.GetValue(claimsFull))
            {
                throw new ArgumentException("--quick and --full exclude each other.");
            }

            var dir = r.GetValue(claimsOutput)?.FullName ?? "study-claims";
            ClaimsConsole.Run(new ClaimsStudyOptions { Preset = r.GetValue(claimsQuick) ? StudyPreset.Quick : StudyPreset.Full, OutputDirectory = dir });
        }));
        var reportDir = new Argument<DirectoryInfo>("DIR") { Description = "The output directory of an earlier claims study (holds results.json)." };
        var report = new Command("report", "Rewrite report.html (and the answers in results.json) of an earlier claims study from its results, without training.") { reportDir };
        report.SetAction(r => CliErrors.Run(() =>
        {
            var dir = r.GetValue(reportDir)!.FullName;
            var results = ClaimsStudy.WriteReport(dir);
            Console.WriteLine(FormattableString.Invariant($"{results.Experiments.Count} experiments, {results.Experiments.Sum(e => e.Runs.Count)} runs: {Path.Combine(dir, "report.html")}"));
        }));
        command.Subcommands.Add(init);
        command.Subcommands.Add(report);
        return command;
    }
}
