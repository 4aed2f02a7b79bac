using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using EmbedSharp.Initialization;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics.Formats.Safetensors;
using EmbedSharp.Randomness;
using EmbedSharp.Tokenization;
using FloatTensor = EmbedSharp.Numerics.FloatTensor;

namespace EmbedSharp.FastText;

/// <summary>One predicted label.</summary>
/// <param name="Label">The label index.</param>
/// <param name="Name">The label name (without <c>__label__</c>).</param>
/// <param name="Probability">Its softmax probability.</param>
public readonly record struct LabelPrediction(int Label, string Name, float Probability);

/// <summary>
/// fastText's supervised model from our layers: hidden = mean of the example's embedding rows (<see cref="Embedding"/>,
/// an <see cref="EmbeddingBag"/> in Mean mode with sparse gradients, rows = words + n-gram buckets), logits = W·hidden
/// (<see cref="Output"/>, a <see cref="Linear"/> without bias, as fastText has none), p = softmax(logits).
/// </summary>
/// <remarks>
/// Default initialisation, as fastText: embedding U(−1/dim, 1/dim), output zeros. A caller may re-initialise
/// <c>Embedding.Weight.Value</c> with any <c>Init.*</c> scheme, copy pretrained rows into it, or freeze it
/// (<c>Embedding.Weight.RequiresGrad = false</c>). State dict names: <c>embedding.weight</c> (words + buckets, dim),
/// <c>output.weight</c> (labels, dim).
/// </remarks>
public sealed class TextClassifier : Module
{
    /// <summary>The offsets (1,) of one bag holding all the indices. A static array: a <c>[0]</c> span literal would allocate.</summary>
    internal static readonly long[] SingleBag = [0];

    private const string FormatKey = "format";
    private const string FormatValue = "embedsharp.text-classifier/1";

    /// <summary>Creates the model for <paramref name="featurizer"/>'s table and <paramref name="labelNames"/>, initialised
    /// as fastText from <paramref name="generator"/> (see <see cref="ResetParameters"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">dim &lt; 1 or no label.</exception>
    public TextClassifier(TextFeaturizer featurizer, IReadOnlyList<string> labelNames, int dim, IRandomSource generator)
        : this(featurizer, labelNames, NewTable(featurizer, dim), new FloatTensor(CheckLabels(labelNames), dim))
    {
        ArgumentNullException.ThrowIfNull(generator);
        ResetParameters(generator);
    }

    private TextClassifier(TextFeaturizer featurizer, IReadOnlyList<string> labelNames, FloatTensor table, FloatTensor output)
    {
        Featurizer = featurizer;
        LabelNames = [.. labelNames];
        Dim = (int)table.Shape[1];
        Embedding = RegisterModule("embedding", EmbeddingBag.FromPretrained(table, freeze: false,
            new EmbeddingBagOptions { Mode = EmbeddingBagMode.Mean, Sparse = true }));
        Output = RegisterModule("output", new Linear(Dim, LabelNames.Count, new ZeroSource(), bias: false));
        Output.Weight.Value.CopyFrom(output.AsSpan());
    }

    /// <summary>Words and n-gram hashing: what turns tokens into rows of <see cref="Embedding"/>.</summary>
    public TextFeaturizer Featurizer { get; }

    /// <summary>The label names (index = label).</summary>
    public IReadOnlyList<string> LabelNames { get; }

    /// <summary>The hidden size.</summary>
    public int Dim { get; }

    /// <summary>The (words + buckets, dim) table, Mean mode, sparse gradient.</summary>
    public EmbeddingBag Embedding { get; }

    /// <summary>The (labels, dim) output layer, no bias.</summary>
    public Linear Output { get; }

    /// <summary>fastText's initialisation: embedding from U(−1/dim, 1/dim) (rows·dim draws, row-major), output zeros.</summary>
    public void ResetParameters(IRandomSource generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Init.Uniform(Embedding.Weight.Value, generator, -1.0 / Dim, 1.0 / Dim);
        Init.Zeros(Output.Weight.Value);
    }

    /// <summary>The softmax probabilities of every label for one example's table rows. Shape: destination (labels).</summary>
    /// <exception cref="ArgumentException">destination's length is not the label count.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A row is outside the table.</exception>
    public void Probabilities(ReadOnlySpan<long> features, Span<float> destination)
    {
        if (destination.Length != LabelNames.Count)
        {
            throw new ArgumentException($"The destination has {destination.Length} elements for {LabelNames.Count} labels.", nameof(destination));
        }

        var hidden = Dim <= 1024 ? stackalloc float[Dim] : new float[Dim];
        Probabilities(features, hidden, destination);
    }

    /// <summary>Top <paramref name="k"/> labels by probability (ties: lower label first); fewer when there are fewer labels.</summary>
    /// <exception cref="ArgumentOutOfRangeException">k &lt; 1 or a row is outside the table.</exception>
    public LabelPrediction[] Predict(ReadOnlySpan<long> features, int k = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var p = new float[LabelNames.Count];
        Probabilities(features, p);
        var order = new int[p.Length];
        TopK(p, order);
        var n = Math.Min(k, p.Length);
        var result = new LabelPrediction[n];
        for (var i = 0; i < n; i++)
        {
            result[i] = new LabelPrediction(order[i], LabelNames[order[i]], p[order[i]]);
        }

        return result;
    }

    /// <summary>Top <paramref name="k"/> labels of a tokenised text (see <see cref="TextFeaturizer"/>).</summary>
    public LabelPrediction[] Predict(IReadOnlyList<string> tokens, int k = 1) => Predict(Featurizer.Featurize(tokens), k);

    /// <summary>
    /// Writes the model as one safetensors file (atomically): tensors <c>embedding.weight</c> and <c>output.weight</c>,
    /// metadata <c>format</c> = <c>embedsharp.text-classifier/1</c>, <c>word_ngrams</c>, <c>bucket</c>, <c>labels</c> and
    /// <c>words</c> (JSON arrays of strings, index order). Readable by <c>safetensors.torch.load_file</c>.
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [FormatKey] = FormatValue,
            ["word_ngrams"] = Featurizer.WordNgrams.ToString(CultureInfo.InvariantCulture),
            ["bucket"] = Featurizer.Bucket.ToString(CultureInfo.InvariantCulture),
            ["labels"] = JsonSerializer.Serialize(LabelNames.ToArray(), ClassifierJsonContext.Default.StringArray),
            ["words"] = JsonSerializer.Serialize(Featurizer.Words.Tokens.ToArray(), ClassifierJsonContext.Default.StringArray),
        };
        Save(path, metadata);
    }

    /// <summary>Reads a model written by <see cref="Save(string)"/>.</summary>
    /// <exception cref="FastTextFormatException">The file is not such a model, its parts disagree, or a weight is NaN or
    /// infinite (the message names the file and the key, or the tensor and row).</exception>
    public static TextClassifier FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var content = SafetensorsFile.Read(path);
        var meta = content.Metadata;
        if (!meta.TryGetValue(FormatKey, out var format) || format != FormatValue)
        {
            throw new FastTextFormatException(path, $"{path}: not an EmbedSharp text classifier (metadata '{FormatKey}' is '{format ?? "missing"}', expected '{FormatValue}').");
        }

        try
        {
            var ngrams = int.Parse(Get(meta, "word_ngrams", path), NumberStyles.None, CultureInfo.InvariantCulture);
            var bucket = int.Parse(Get(meta, "bucket", path), NumberStyles.None, CultureInfo.InvariantCulture);
            var labels = JsonSerializer.Deserialize(Get(meta, "labels", path), ClassifierJsonContext.Default.StringArray)
                ?? throw new FastTextFormatException(path, $"{path}: 'labels' is null.");
            var words = JsonSerializer.Deserialize(Get(meta, "words", path), ClassifierJsonContext.Default.StringArray)
                ?? throw new FastTextFormatException(path, $"{path}: 'words' is null.");
            var featurizer = new TextFeaturizer(new Vocabulary(words), ngrams, bucket);
            var table = GetTensor(content, "embedding.weight", path);
            var output = GetTensor(content, "output.weight", path);
            if (table.Rank != 2 || table.Shape[0] != featurizer.Rows || output.Rank != 2 || output.Shape[0] != labels.Length || output.Shape[1] != table.Shape[1]
                || table.Shape[1] < 1 || labels.Length < 1)
            {
                throw new FastTextFormatException(
                    path,
                    $"{path}: embedding.weight {FloatTensor.FormatShape(table.Shape)} and output.weight {FloatTensor.FormatShape(output.Shape)} do not fit {words.Length} words + {bucket} buckets and {labels.Length} labels.");
            }

            CheckFinite(table, "embedding.weight", path);
            CheckFinite(output, "output.weight", path);
            return new TextClassifier(featurizer, labels, table, output);
        }
        catch (Exception e) when (e is FormatException or OverflowException or JsonException or ArgumentException)
        {
            throw new FastTextFormatException(path, $"{path}: bad classifier metadata: {e.Message}", e);
        }
    }

    /// <summary>Probabilities with a caller's hidden buffer (dim); allocation-free.</summary>
    internal void Probabilities(ReadOnlySpan<long> features, Span<float> hidden, Span<float> destination)
    {
        ReadOnlySpan<long> offsets = TextClassifier.SingleBag;
        Span<int> bagSize = stackalloc int[1];
        EmbeddingFunctions.BagForward(Embedding.Weight.Value, features, offsets, false, EmbeddingBagMode.Mean, default, null, hidden, default, bagSize);
        LinearFunctions.Forward(hidden, Output.Weight.Value.AsSpan(), default, 1, Dim, LabelNames.Count, destination);
        TensorPrimitives.SoftMax(destination, destination);
    }

    /// <summary>Label indices by descending probability, ties by index (insertion sort: label counts are small).</summary>
    internal static void TopK(ReadOnlySpan<float> p, Span<int> order)
    {
        for (var i = 0; i < p.Length; i++)
        {
            var j = i;
            while (j > 0 && p[order[j - 1]] < p[i])
            {
                order[j] = order[j - 1];
                j--;
            }

            order[j] = i;
        }
    }

    private static string Get(IReadOnlyDictionary<string, string> meta, string key, string path) =>
        meta.TryGetValue(key, out var v) ? v : throw new FastTextFormatException(path, $"{path}: metadata '{key}' is missing.");

    private static FloatTensor GetTensor(SafetensorsContent content, string name, string path) =>
        content.Contains(name) ? content.GetTensor(name) : throw new FastTextFormatException(path, $"{path}: tensor '{name}' is missing.");

    /// <summary>The largest weight magnitude a classifier file may hold. Training (learning rate at most 10) stays
    /// many orders of magnitude below; the bound keeps inference finite: a hidden value (a mean of rows) times a weight
    /// is at most 10^30, so a logit, a sum of D such products, cannot overflow float for D up to 3 × 10^8, and the
    /// softmax over finite logits is finite. A damaged file whose bytes became a weight of 10^38 would otherwise
    /// predict probability NaN.</summary>
    internal const float MaxWeightMagnitude = 1e15f;

    /// <summary>Refuses a NaN, ±Inf or implausibly large weight (over <see cref="MaxWeightMagnitude"/>) naming the
    /// tensor, row and column: such a model scores texts NaN (<c>classify test</c> would print "Loss NaN"). Checked a
    /// vector at a time, at memory speed.</summary>
    private static void CheckFinite(FloatTensor tensor, string name, string path)
    {
        var dim = tensor.Shape[1];
        long done = 0;
        for (var c = 0; c < tensor.ChunkCount; c++)
        {
            var chunk = tensor.Chunk(c);
            var largest = chunk.IsEmpty ? 0f : TensorPrimitives.MaxMagnitude(chunk); // NaN if any element is NaN
            if (!(MathF.Abs(largest) <= MaxWeightMagnitude))
            {
                var i = 0;
                while (MathF.Abs(chunk[i]) <= MaxWeightMagnitude)
                {
                    i++;
                }

                var element = done + i;
                var what = float.IsFinite(chunk[i]) ? $"a weight over {MaxWeightMagnitude:0e0} in magnitude, which no training produces (is the file damaged?)" : "a classifier with NaN or infinite weights gives no meaningful prediction (did its training diverge? train again with a lower --lr)";
                throw new FastTextFormatException(path, string.Create(CultureInfo.InvariantCulture,
                    $"{path}: {name} holds {chunk[i]} at row {element / dim}, column {element % dim}; {what}."));
            }

            done += chunk.Length;
        }
    }

    private static FloatTensor NewTable(TextFeaturizer featurizer, int dim)
    {
        ArgumentNullException.ThrowIfNull(featurizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        return new FloatTensor(featurizer.Rows, dim);
    }

    private static int CheckLabels(IReadOnlyList<string> labelNames)
    {
        ArgumentNullException.ThrowIfNull(labelNames);
        if (labelNames.Count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(labelNames), "A classifier needs at least one label.");
        }

        return labelNames.Count;
    }

    /// <summary>A source of zeros, so building the Linear layer draws nothing (its weights are overwritten).</summary>
    private sealed class ZeroSource : IRandomSource
    {
        public void Uniform(FloatTensor tensor, double from, double to) => tensor.Fill(0f);

        public void Normal(FloatTensor tensor, double mean, double std) => tensor.Fill(0f);

        public void Randperm(Span<long> destination)
        {
            for (var i = 0; i < destination.Length; i++)
            {
                destination[i] = i;
            }
        }
    }
}
