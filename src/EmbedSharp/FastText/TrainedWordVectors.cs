using System.Globalization;
using System.Numerics.Tensors;
using System.Text;
using FloatTensor = EmbedSharp.Numerics.FloatTensor;

namespace EmbedSharp.FastText;

/// <summary>
/// The result of <see cref="WordVectorTrainer"/>.Train: the dictionary, the input matrix (word rows then n-gram
/// buckets) and the output matrix, as a fastText model holds them.
/// </summary>
public sealed class TrainedWordVectors
{
    internal TrainedWordVectors(
        FastTextOptions options, FastTextDictionary dictionary, FloatTensor input, FloatTensor output,
        IReadOnlyList<double> epochLosses, long processedTokens, TimeSpan trainingTime)
    {
        Options = options;
        Dictionary = dictionary;
        Input = input;
        Output = output;
        EpochLosses = epochLosses;
        ProcessedTokens = processedTokens;
        TrainingTime = trainingTime;
    }

    /// <summary>The hyper-parameters used.</summary>
    public FastTextOptions Options { get; }

    /// <summary>The vocabulary and n-gram hashing.</summary>
    public FastTextDictionary Dictionary { get; }

    /// <summary>Input vectors: rows 0..WordCount-1 are words, the next Bucket rows are n-gram buckets. fastText: input_.
    /// Shape: (WordCount + Bucket, Dim).</summary>
    public FloatTensor Input { get; }

    /// <summary>Output (context) vectors. fastText: output_. Shape: (WordCount, Dim).</summary>
    public FloatTensor Output { get; }

    /// <summary>Average loss per update in each epoch-sized slice of the token budget (NaN for a slice with no update).</summary>
    public IReadOnlyList<double> EpochLosses { get; }

    /// <summary>In-vocabulary tokens processed during training.</summary>
    public long ProcessedTokens { get; }

    /// <summary>Wall time of the training phase (the dictionary pass excluded).</summary>
    public TimeSpan TrainingTime { get; }

    /// <summary>The vector of any word, in the vocabulary or not: the mean of its input rows (its own row, if any,
    /// and its n-gram rows); zeros when it has none. fastText: getWordVector. Shape: destination (Dim).</summary>
    /// <exception cref="ArgumentException">The destination length differs from Dim.</exception>
    public void GetWordVector(string word, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(word);
        CheckDestination(destination);
        var rows = new List<int>();
        Dictionary.GetSubwords(word, rows);
        Average(rows.ToArray(), destination);
    }

    /// <summary>The vector of vocabulary entry <paramref name="id"/> (mean of its input rows). fastText: getWordVector.</summary>
    public void GetWordVector(int id, Span<float> destination)
    {
        CheckDestination(destination);
        Average(Dictionary.GetSubwords(id), destination);
    }

    /// <summary>The trained model as a fastText model (arguments, dictionary, input and output matrices, sharing this
    /// object's memory): its <c>GetWordVector</c> gives vectors for any word, and <c>Save</c> writes a <c>.bin</c> that
    /// <c>fasttext print-word-vectors</c> reads. Words that are not valid UTF-8 are stored with U+FFFD replacements.</summary>
    public FastText.FastTextModel ToFastTextModel()
    {
        var entries = new FastText.FastTextEntry[Dictionary.Count];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = new FastText.FastTextEntry(Dictionary.GetWord(i), Dictionary.GetCount(i),
                Dictionary.GetEntryType(i));
        }

        return new FastText.FastTextModel(Options, entries, Dictionary.TokenCount, Input, Output);
    }

    /// <summary>Writes the model as a fastText <c>.bin</c> (version 12), atomically.</summary>
    public void SaveBin(string path) => FastText.FastTextBinFile.Write(path, ToFastTextModel());

    /// <summary>
    /// Writes the word vectors of the vocabulary (words only, in dictionary order) as word2vec text, as fastText's
    /// <c>.vec</c>: a header <c>WordCount Dim</c>, then one line per word: the word's bytes and Dim values in shortest
    /// round-trip invariant form (more digits than fastText's 5, so the file holds the exact floats). Written
    /// atomically (AtomicFile), so a failure leaves no half-written file.
    /// </summary>
    public void SaveVec(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var dim = Options.Dim;
        var vector = new float[dim];
        var number = new byte[32];
        Numerics.Formats.AtomicFile.Write(path, stream =>
        {
            stream.Write(Encoding.ASCII.GetBytes(
                string.Create(CultureInfo.InvariantCulture, $"{Dictionary.WordCount} {dim}\n")));
            for (var i = 0; i < Dictionary.WordCount; i++)
            {
                stream.Write(Dictionary.GetWordBytes(i));
                GetWordVector(i, vector);
                foreach (var v in vector)
                {
                    stream.WriteByte((byte)' ');
                    v.TryFormat(number, out var written, "R", CultureInfo.InvariantCulture);
                    stream.Write(number, 0, written);
                }

                stream.WriteByte((byte)'\n');
            }
        });
    }

    private void Average(ReadOnlySpan<int> rows, Span<float> destination)
    {
        destination.Clear();
        foreach (var r in rows)
        {
            TensorPrimitives.Add(destination, Input.Row(r), destination);
        }

        if (rows.Length > 0)
        {
            TensorPrimitives.Multiply(destination, 1f / rows.Length, destination);
        }
    }

    private void CheckDestination(Span<float> destination)
    {
        if (destination.Length != Options.Dim)
        {
            throw new ArgumentException(
                $"The destination has {destination.Length} elements but the vectors have Dim = {Options.Dim}.", nameof(destination));
        }
    }
}
