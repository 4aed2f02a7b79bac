using System.Collections.Concurrent;
using System.IO.Compression;
using System.Reflection;
using System.Text.Json;
using EmbedSharp.Study.Data;
using EmbedSharp.Tokenization.Tiktoken;

namespace EmbedSharp.Tests.Tokenization.Tiktoken;

/// <summary>
/// The real <c>.tiktoken</c> files: r50k_base, cl100k_base and o200k_base from the NuGet data packages
/// Microsoft.ML.Tokenizers.Data.* 3.0.0 (a deflated resource in each assembly, restored with the test project, so
/// these run offline); p50k_base from the npm package <c>tiktoken</c> 1.0.22 (<c>encoders/p50k_base.json</c>), fetched
/// with a pinned sha256 when network tests are enabled or the package is cached.
/// </summary>
internal static class TiktokenData
{
    /// <summary>npm <c>tiktoken@1.0.22</c>, the reference (tools/compat/tiktoken_fetch.sh checks the same tarball).</summary>
    public static PackageSpec NpmPackage { get; } = new("tiktoken", "1.0.22", "55c339e756fdb17604f7c7e3eb35d2bcbffe4d960e8096e50285d1cefa51dd90");

    private static readonly ConcurrentDictionary<string, Lazy<TiktokenTokenizer>> Loaded = new();

    public static bool NpmAvailable => new DatasetCache().IsCached(NpmPackage) || Environment.GetEnvironmentVariable("EMBEDSHARP_NETWORK_TESTS") == "1";

    /// <summary>The tokenizer of a built-in encoding, loaded once per test run.</summary>
    public static TiktokenTokenizer Get(string name) => Loaded.GetOrAdd(name, n => new Lazy<TiktokenTokenizer>(() => Load(n))).Value;

    /// <summary>A .tiktoken file of <paramref name="name"/> in one temporary folder shared by test runs (its content
    /// depends only on the pinned packages; written through a temporary name, so concurrent runs are safe).</summary>
    public static string FilePath(string name)
    {
        var directory = Path.Combine(Path.GetTempPath(), "embedsharp-tests-tiktoken-v1");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name + ".tiktoken");
        lock (Loaded)
        {
            if (!File.Exists(path))
            {
                var temp = $"{path}.{Environment.ProcessId}.tmp";
                File.WriteAllBytes(temp, name == "p50k_base" ? NpmFile(name) : DataPackageFile(name));
                File.Move(temp, path, overwrite: true);
            }
        }

        return path;
    }

    private static TiktokenTokenizer Load(string name) => TiktokenTokenizer.Load(FilePath(name), TiktokenEncoding.FromName(name));

    /// <summary>The .tiktoken file rebuilt from Microsoft.ML.Tokenizers.Data.{Name} (resource
    /// <c>{name}.tiktoken.deflate</c>: a <c>Capacity: N</c> line, then one base64 token per line in rank order, ranks
    /// 0, 1, 2, …), written as <c>BASE64 RANK</c> lines.</summary>
    public static byte[] DataPackageFile(string name)
    {
        var assemblyName = name switch
        {
            "r50k_base" => "Microsoft.ML.Tokenizers.Data.R50kBase",
            "cl100k_base" => "Microsoft.ML.Tokenizers.Data.Cl100kBase",
            "o200k_base" => "Microsoft.ML.Tokenizers.Data.O200kBase",
            _ => throw new ArgumentException($"No data package holds {name}.", nameof(name)),
        };
        var assembly = Assembly.Load(assemblyName);
        using var stream = assembly.GetManifestResourceStream(name + ".tiktoken.deflate")
            ?? throw new InvalidOperationException($"{assemblyName} has no resource {name}.tiktoken.deflate.");
        using var inflate = new DeflateStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(inflate, System.Text.Encoding.ASCII);
        var header = reader.ReadLine();
        Assert.StartsWith("Capacity: ", header, StringComparison.Ordinal);
        var text = new System.Text.StringBuilder();
        var rank = 0;
        while (reader.ReadLine() is { } line)
        {
            text.Append(line).Append(' ').Append(rank++.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }

        return System.Text.Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>An encoding's file rebuilt from npm tiktoken's <c>encoders/NAME.json</c>: its <c>bpe_ranks</c> holds
    /// lines <c>! FIRST_RANK TOKEN TOKEN …</c> (consecutive ranks) that become <c>TOKEN RANK</c> lines.</summary>
    public static byte[] NpmFile(string name)
    {
        var directory = new DatasetCache().Fetch(NpmPackage);
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "encoders", name + ".json")));
        var ranks = new List<(int Rank, string Token)>();
        foreach (var line in json.RootElement.GetProperty("bpe_ranks").GetString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields[0] == "!")
            {
                var first = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
                ranks.AddRange(fields.Skip(2).Select((token, k) => (first + k, token)));
            }
            else
            {
                ranks.Add((int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), fields[0]));
            }
        }

        return System.Text.Encoding.ASCII.GetBytes(string.Concat(ranks.OrderBy(r => r.Rank).Select(r => FormattableString.Invariant($"{r.Token} {r.Rank}\n"))));
    }
}

/// <summary>Runs when npm <c>tiktoken</c> 1.0.22 is cached or network tests are enabled (p50k_base comes only from it).</summary>
public sealed class TiktokenNpmFactAttribute : FactAttribute
{
    public TiktokenNpmFactAttribute()
    {
        if (!TiktokenData.NpmAvailable)
        {
            Skip = "npm tiktoken 1.0.22 is not cached; set EMBEDSHARP_NETWORK_TESTS=1 to fetch it from npm.";
        }
    }
}
