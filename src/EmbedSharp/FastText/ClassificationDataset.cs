using System.Globalization;
using System.Text;
using EmbedSharp.Tokenization.Word;

namespace EmbedSharp.FastText;

/// <summary>
/// Examples ready for the classifier: per example the embedding-table rows of its words and word n-grams (see
/// <see cref="TextFeaturizer"/>), its gold labels (one or more) and its token count. Stored flat (two arrays per kind).
/// </summary>
public sealed class ClassificationDataset
{
    /// <summary>fastText's label prefix.</summary>
    public const string LabelPrefix = "__label__";

    private readonly long[] _features;
    private readonly int[] _featureStarts;   // (Count + 1)
    private readonly int[] _labels;
    private readonly int[] _labelStarts;     // (Count + 1)
    private readonly int[] _tokenCounts;

    private ClassificationDataset(TextFeaturizer featurizer, IReadOnlyList<string> labelNames, List<long> features, List<int> featureStarts,
        List<int> labels, List<int> labelStarts, List<int> tokenCounts)
    {
        Featurizer = featurizer;
        LabelNames = [.. labelNames];
        _features = [.. features];
        _featureStarts = [.. featureStarts];
        _labels = [.. labels];
        _labelStarts = [.. labelStarts];
        _tokenCounts = [.. tokenCounts];
        MaxFeatures = 0;
        for (var i = 0; i < Count; i++)
        {
            MaxFeatures = Math.Max(MaxFeatures, _featureStarts[i + 1] - _featureStarts[i]);
        }

        TotalTokens = _tokenCounts.Sum(c => (long)c);
    }

    /// <summary>The vocabulary and n-gram hashing the features were made with.</summary>
    public TextFeaturizer Featurizer { get; }

    /// <summary>The class names (without <see cref="LabelPrefix"/>); label i is <c>LabelNames[i]</c>.</summary>
    public IReadOnlyList<string> LabelNames { get; }

    /// <summary>Number of examples.</summary>
    public int Count => _tokenCounts.Length;

    /// <summary>The largest number of features of one example.</summary>
    public int MaxFeatures { get; }

    /// <summary>Tokens of all examples (words read, known or not, plus one end-of-sentence token each).</summary>
    public long TotalTokens { get; }

    /// <summary>The table rows of example <paramref name="index"/>.</summary>
    public ReadOnlySpan<long> Features(int index) => _features.AsSpan(_featureStarts[index], _featureStarts[index + 1] - _featureStarts[index]);

    /// <summary>The gold labels of example <paramref name="index"/> (at least one).</summary>
    public ReadOnlySpan<int> Labels(int index) => _labels.AsSpan(_labelStarts[index], _labelStarts[index + 1] - _labelStarts[index]);

    /// <summary>Tokens of example <paramref name="index"/> (words read plus the end-of-sentence token).</summary>
    public int TokenCount(int index) => _tokenCounts[index];

    /// <summary>A training set from raw texts: tokenised with <see cref="WordSplitting.LowerCaseAlphanumeric"/>, vocabulary built with
    /// <paramref name="options"/>' MinCount, n-grams with its WordNgrams and Bucket (none with WordNgrams 1); supervised
    /// options, see <see cref="FastTextOptions.Supervised"/>.</summary>
    /// <exception cref="ArgumentException">No examples, or a label outside [0, labelNames.Count).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or the options are not supervised.</exception>
    public static ClassificationDataset Build(IEnumerable<LabeledText> examples, IReadOnlyList<string> labelNames, FastTextOptions options)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(options);
        options.ValidateSupervised();
        var list = examples.ToList();
        var tokens = list.Select(e => (IReadOnlyList<string>)WordTokenizer.Split(e.Text, WordSplitting.LowerCaseAlphanumeric)).ToList();
        var featurizer = TextFeaturizer.Build(tokens, options.MinCount, options.WordNgrams, options.EffectiveBucket);
        return FromTokens(tokens, list.Select(e => new[] { e.Label }).ToList(), labelNames, featurizer, "examples");
    }

    /// <summary>A dataset (typically the test set) from raw texts, featurised with an existing <paramref name="featurizer"/>.</summary>
    /// <exception cref="ArgumentException">No examples, or a label outside [0, labelNames.Count).</exception>
    public static ClassificationDataset Build(IEnumerable<LabeledText> examples, IReadOnlyList<string> labelNames, TextFeaturizer featurizer)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(featurizer);
        var list = examples.ToList();
        var tokens = list.Select(e => (IReadOnlyList<string>)WordTokenizer.Split(e.Text, WordSplitting.LowerCaseAlphanumeric)).ToList();
        return FromTokens(tokens, list.Select(e => new[] { e.Label }).ToList(), labelNames, featurizer, "examples");
    }

    /// <summary>
    /// A training set from a fastText file: one example per line, <c>__label__A [__label__B …] words…</c> (labels may
    /// appear anywhere on the line; tokens are separated by space, tab, \v, \f, \r or \0, as fastText reads them; words
    /// are taken as they are, not lower-cased). Labels are ordered by descending count (ties ordinal), as fastText does.
    /// Blank lines are skipped. Vocabulary and n-grams from supervised <paramref name="options"/> as
    /// <see cref="Build(IEnumerable{LabeledText}, IReadOnlyList{string}, FastTextOptions)"/>.
    /// </summary>
    /// <exception cref="FastTextFormatException">A non-blank line has no label, or the file has no example (file and line named).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or the options are not supervised.</exception>
    public static ClassificationDataset FromFastTextFile(string path, FastTextOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ValidateSupervised();
        var (tokens, labels, _) = ReadFastText(path);
        var labelCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in labels)
        {
            foreach (var l in line)
            {
                labelCounts[l] = labelCounts.TryGetValue(l, out var c) ? c + 1 : 1;
            }
        }

        var names = labelCounts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key).ToList();
        var ids = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        var featurizer = TextFeaturizer.Build(tokens, options.MinCount, options.WordNgrams, options.EffectiveBucket);
        return FromTokens(tokens, labels.Select(l => l.Select(x => ids[x]).ToArray()).ToList(), names, featurizer, path);
    }

    /// <summary>A dataset (test or prediction input) from a fastText file, featurised with the model's vocabulary and
    /// labels. Format as <see cref="FromFastTextFile(string, FastTextOptions)"/>.</summary>
    /// <exception cref="FastTextFormatException">A line has no label or a label not in <paramref name="labelNames"/>, or the
    /// file has no example (file, line and label named).</exception>
    public static ClassificationDataset FromFastTextFile(string path, TextFeaturizer featurizer, IReadOnlyList<string> labelNames)
    {
        ArgumentNullException.ThrowIfNull(featurizer);
        ArgumentNullException.ThrowIfNull(labelNames);
        var (tokens, labels, lines) = ReadFastText(path);
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < labelNames.Count; i++)
        {
            ids[labelNames[i]] = i;
        }

        var labelIds = new List<int[]>(labels.Count);
        for (var e = 0; e < labels.Count; e++)
        {
            var row = new int[labels[e].Count];
            for (var j = 0; j < row.Length; j++)
            {
                if (!ids.TryGetValue(labels[e][j], out row[j]))
                {
                    throw new FastTextFormatException(
                        path,
                        lines[e],
                        -1,
                        $"{path}, line {lines[e]}: the label '{LabelPrefix}{labels[e][j]}' is not one of the model's {labelNames.Count} labels ({string.Join(", ", labelNames.Take(10).Select(n => LabelPrefix + n))}).");
                }
            }

            labelIds.Add(row);
        }

        return FromTokens(tokens, labelIds, labelNames, featurizer, path);
    }

    /// <summary>Writes examples as a fastText file (atomically): per example one line
    /// <c>__label__NAME word word …</c>, the words from <see cref="WordSplitting.LowerCaseAlphanumeric"/> (lower-case, no label-like tokens),
    /// '\n' line ends, UTF-8. Returns the number of lines.</summary>
    /// <exception cref="ArgumentException">A label is outside [0, labelNames.Count) or a label name contains white space.</exception>
    public static int WriteFastTextFile(string path, IEnumerable<LabeledText> examples, IReadOnlyList<string> labelNames)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(labelNames);
        foreach (var name in labelNames)
        {
            if (string.IsNullOrEmpty(name) || name.AsSpan().IndexOfAny(" \t\v\f\r\n\0") >= 0)
            {
                throw new ArgumentException($"The label name '{name}' is empty or contains white space.", nameof(labelNames));
            }
        }

        var list = examples.ToList();
        foreach (var e in list)
        {
            if ((uint)e.Label >= (uint)labelNames.Count)
            {
                throw new ArgumentException($"An example has label {e.Label}, outside [0, {labelNames.Count}).", nameof(examples));
            }
        }

        Numerics.Formats.AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            var words = new List<string>();
            foreach (var e in list)
            {
                words.Clear();
                WordTokenizer.Split(e.Text, words, WordSplitting.LowerCaseAlphanumeric);
                writer.Write(LabelPrefix);
                writer.Write(labelNames[e.Label]);
                foreach (var w in words)
                {
                    writer.Write(' ');
                    writer.Write(w);
                }

                writer.WriteLine();
            }
        });
        return list.Count;
    }

    /// <summary>Splits one fastText line into labels (prefix removed) and words.</summary>
    public static void ParseFastTextLine(ReadOnlySpan<char> line, List<string> labels, List<string> words)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(words);
        foreach (var range in line.SplitAny(" \t\v\f\r\0"))
        {
            var token = line[range];
            if (token.IsEmpty)
            {
                continue;
            }

            if (token.StartsWith(LabelPrefix, StringComparison.Ordinal))
            {
                labels.Add(token[LabelPrefix.Length..].ToString());
            }
            else
            {
                words.Add(token.ToString());
            }
        }
    }

    /// <summary>The lines of a fastText file (training, test or prediction input), read once from start to end: a pipe
    /// or FIFO is streamed, a device that never ends is refused, and a line longer than 16,777,216 characters (a file
    /// without line breaks, or not text) is refused naming the file and line instead of growing without end. The file
    /// is opened when enumeration starts and closed when it ends.</summary>
    /// <exception cref="FastTextFormatException">A line is longer than the bound.</exception>
    /// <exception cref="IOException">The file cannot be opened, or is a device (the message names it).</exception>
    public static IEnumerable<string> ReadLines(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ReadLinesCore(path);

        static IEnumerable<string> ReadLinesCore(string path)
        {
            var stream = Numerics.Formats.InputFile.Open(path, seekableFor: null);
            foreach (var line in ReadLines(new StreamReader(stream, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: false), path))
            {
                yield return line;
            }
        }
    }

    /// <summary>The lines of fastText text from a reader (e.g. standard input) with the same bound on one line as
    /// <see cref="ReadLines(string)"/>; <paramref name="source"/> names it in errors. The reader is disposed at the end.</summary>
    /// <exception cref="FastTextFormatException">A line is longer than 16,777,216 characters.</exception>
    public static IEnumerable<string> ReadLines(TextReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentException.ThrowIfNullOrEmpty(source);
        return ReadLinesCore(reader, source);

        static IEnumerable<string> ReadLinesCore(TextReader reader, string source)
        {
            using var lines = new Numerics.Formats.BoundedLineReader(reader, FastTextLimits.MaxLineChars, (message, line) =>
                new FastTextFormatException(source, line, -1, $"{source}: {message} One example or text takes one line."));
            while (lines.ReadLine() is { } line)
            {
                yield return line;
            }
        }
    }

    private static (List<IReadOnlyList<string>> Tokens, List<List<string>> Labels, List<int> Lines) ReadFastText(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var tokens = new List<IReadOnlyList<string>>();
        var labels = new List<List<string>>();
        var lines = new List<int>();
        var number = 0;
        foreach (var line in ReadLines(path))
        {
            number++;
            var l = new List<string>();
            var w = new List<string>();
            ParseFastTextLine(line, l, w);
            if (l.Count == 0 && w.Count == 0)
            {
                continue;
            }

            if (l.Count == 0)
            {
                var shown = line.Length > 60 ? line[..60] + "…" : line;
                throw new FastTextFormatException(path, number, -1, $"{path}, line {number}: no label (a line must contain at least one '{LabelPrefix}X' token): \"{shown}\".");
            }

            tokens.Add(w);
            labels.Add(l);
            lines.Add(number);
        }

        if (tokens.Count == 0)
        {
            throw new FastTextFormatException(path, $"{path}: no example ({number} lines, none with a '{LabelPrefix}' label and words).");
        }

        return (tokens, labels, lines);
    }

    private static ClassificationDataset FromTokens(List<IReadOnlyList<string>> tokens, List<int[]> labels, IReadOnlyList<string> labelNames,
        TextFeaturizer featurizer, string source)
    {
        ArgumentNullException.ThrowIfNull(labelNames);
        if (tokens.Count == 0)
        {
            throw new ArgumentException($"{source}: no example.", nameof(tokens));
        }

        if (labelNames.Count == 0)
        {
            throw new ArgumentException("At least one label name is needed.", nameof(labelNames));
        }

        var features = new List<long>();
        var featureStarts = new List<int>(tokens.Count + 1) { 0 };
        var flatLabels = new List<int>();
        var labelStarts = new List<int>(tokens.Count + 1) { 0 };
        var tokenCounts = new List<int>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            foreach (var l in labels[i])
            {
                if ((uint)l >= (uint)labelNames.Count)
                {
                    throw new ArgumentException(
                        string.Create(CultureInfo.InvariantCulture, $"{source}: example {i} has label {l}, outside [0, {labelNames.Count})."), nameof(labels));
                }

                flatLabels.Add(l);
            }

            featurizer.AddFeatures(tokens[i], features);
            featureStarts.Add(features.Count);
            labelStarts.Add(flatLabels.Count);
            tokenCounts.Add(tokens[i].Count + 1);
        }

        return new ClassificationDataset(featurizer, labelNames, features, featureStarts, flatLabels, labelStarts, tokenCounts);
    }
}
