using System.Diagnostics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Models.WordVectors;

/// <summary>
/// Trains fastText-compatible word vectors (skip-gram or CBOW with character n-gram subwords; negative sampling, hierarchical softmax or softmax)
/// on a corpus file, as fastText 0.9.2's <c>fasttext skipgram|cbow</c>:
/// one streamed counting pass builds the <see cref="FastTextDictionary"/>; then <c>Thread</c> Hogwild workers each read
/// the file from byte offset i·size/threads, cycling, until Epoch × tokens in-vocabulary tokens are processed, with
/// the learning rate lr·(1 − processed / (Epoch·tokens)).
/// <para>Differences from fastText, on purpose: the input matrix is initialised U(−1/dim, 1/dim) over all rows from
/// a PyTorch-compatible <see cref="Generator"/> seeded with Seed (fastText's block-wise init depends on the thread
/// count); the workers' random streams are xoshiro128**, not std::minstd_rand. So results match fastText's in
/// distribution, not in bits. With Thread = 1 the same corpus and Seed give the same bits every run.</para>
/// <para>Negatives are drawn uniformly from a table of 10,000,000 entries where word w fills ⌈count_w^0.5 / Σ count^0.5
/// · 10⁷⌉ slots — fastText's power 0.5 (<c>NegativeSamplingLoss</c>), not word2vec's 0.75. With
/// <see cref="WordVectorLoss.HierarchicalSoftmax"/> the output rows are the inner nodes of a <see cref="HuffmanTree"/>
/// over the word counts, as fastText's <c>-loss hs</c>.</para>
/// </summary>
public sealed class WordVectorTrainer
{
    /// <summary>fastText's NEGATIVE_TABLE_SIZE.</summary>
    public const int NegativeTableSize = 10_000_000;

    /// <summary>Creates a trainer; the options are validated here, before any work.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it and its value).</exception>
    public WordVectorTrainer(WordVectorTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    /// <summary>The hyper-parameters.</summary>
    public WordVectorTrainingOptions Options { get; }

    /// <summary>How often the progress reporter samples the workers while training (default 250 ms).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Trains on the UTF-8 text file at <paramref name="corpusPath"/> (tokens separated by whitespace, one
    /// sentence per line) and returns the model.</summary>
    /// <exception cref="FileNotFoundException">The corpus file does not exist.</exception>
    /// <exception cref="InvalidDataException">The corpus is empty or no word reaches MinCount.</exception>
    /// <exception cref="OperationCanceledException">Cancellation was requested; the partial model is dropped.</exception>
    public TrainedWordVectors Train(string corpusPath, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(corpusPath);
        if (!File.Exists(corpusPath))
        {
            throw new FileNotFoundException($"The corpus file '{corpusPath}' does not exist.", corpusPath);
        }

        var o = Options;
        FastTextDictionary dictionary;
        long length;
        using (var corpus = OpenCorpus(corpusPath))
        {
            length = corpus.Length;
            dictionary = FastTextDictionary.Build(corpus, o.MinCount, o.Minn, o.Maxn, o.Bucket, o.T, o.MaxVocabSize, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var nwords = dictionary.WordCount;
        var (input, inputTensor) = NativeMatrix.Create((long)nwords + o.Bucket, o.Dim); // (nwords + bucket, dim)
        var (output, outputTensor) = NativeMatrix.Create(nwords, o.Dim); // (nwords, dim), zeros
        new Generator((ulong)(uint)o.Seed).Uniform(inputTensor, -1.0 / o.Dim, 1.0 / o.Dim);
        var negatives = o.Loss == WordVectorLoss.NegativeSampling ? CreateNegativeTable(dictionary) : [];
        var tree = o.Loss == WordVectorLoss.HierarchicalSoftmax ? HuffmanTree.Build(dictionary.Counts.AsSpan(0, nwords)) : null;

        var shared = new SharedTrainingState();
        var streams = new FileStream[o.Thread];
        var workers = new TrainingWorker[o.Thread];
        var errors = new Exception?[o.Thread];
        var threads = new Thread[o.Thread];
        var clock = Stopwatch.StartNew();
        try
        {
            for (var i = 0; i < o.Thread; i++)
            {
                streams[i] = OpenCorpus(corpusPath);
                workers[i] = new TrainingWorker(i, o, dictionary, negatives, tree, input, output, shared, streams[i], length);
            }

            for (var i = 0; i < o.Thread; i++)
            {
                var worker = workers[i];
                var index = i;
                threads[i] = new Thread(() =>
                {
                    try
                    {
                        worker.Run(cancellationToken);
                    }
#pragma warning disable CA1031 // rethrown on the calling thread below
                    catch (Exception e)
#pragma warning restore CA1031
                    {
                        errors[index] = e;
                    }
                })
                {
                    IsBackground = true,
                    Name = $"EmbedSharp word-vector worker {i}",
                };
                threads[i].Start();
            }

            Report(progress, workers, threads, shared, dictionary, clock);
        }
        finally
        {
            foreach (var t in threads)
            {
                t?.Join();
            }

            foreach (var s in streams)
            {
                s?.Dispose();
            }
        }

        foreach (var e in errors)
        {
            if (e is not null)
            {
                throw new InvalidOperationException($"A training worker failed: {e.Message}", e);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        var epochLosses = new double[o.Epoch];
        for (var epoch = 0; epoch < o.Epoch; epoch++)
        {
            double sum = 0;
            long count = 0;
            foreach (var w in workers)
            {
                sum += w.EpochLosses.Sum[epoch];
                count += w.EpochLosses.Count[epoch];
            }

            epochLosses[epoch] = count == 0 ? double.NaN : sum / count;
        }

        return new TrainedWordVectors(o, dictionary, inputTensor, outputTensor, epochLosses, Volatile.Read(ref shared.TokenCount), clock.Elapsed);
    }

    /// <summary>fastText's unigram table for negatives: word i appears ⌈c_i·10⁷/z⌉ times, c_i = count_i^0.5 and
    /// z = Σ c (float arithmetic as fastText).</summary>
    internal static int[] CreateNegativeTable(FastTextDictionary dictionary)
    {
        var counts = dictionary.Counts;
        var nwords = dictionary.WordCount;
        var z = 0f;
        for (var i = 0; i < nwords; i++)
        {
            z += (float)Math.Pow(counts[i], 0.5);
        }

        var bounds = new long[nwords];
        long size = 0;
        for (var i = 0; i < nwords; i++)
        {
            var c = (float)Math.Pow(counts[i], 0.5);
            var bound = c * NegativeTableSize / z; // entries j = 0, 1, … while j < bound
            bounds[i] = (long)MathF.Ceiling(bound);
            size += bounds[i];
        }

        var table = new int[size];
        long at = 0;
        for (var i = 0; i < nwords; i++)
        {
            table.AsSpan((int)at, (int)bounds[i]).Fill(i);
            at += bounds[i];
        }

        return table;
    }

    private static FileStream OpenCorpus(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);

    private void Report(
        IProgress<TrainingProgress>? progress, TrainingWorker[] workers, Thread[] threads, SharedTrainingState shared,
        FastTextDictionary dictionary, Stopwatch clock)
    {
        var total = (double)Options.Epoch * dictionary.TokenCount;
        double lastSum = 0;
        long lastCount = 0;
        var interval = ProgressInterval <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(250) : ProgressInterval;
        foreach (var t in threads)
        {
            while (!t.Join(interval))
            {
                if (progress is not null)
                {
                    double sum = 0;
                    long count = 0;
                    foreach (var w in workers)
                    {
                        sum += Volatile.Read(ref w.PublishedLossSum);
                        count += Volatile.Read(ref w.PublishedLossCount);
                    }

                    var loss = count > lastCount ? (sum - lastSum) / (count - lastCount) : double.NaN;
                    (lastSum, lastCount) = (sum, count);
                    progress.Report(MakeProgress(Volatile.Read(ref shared.TokenCount), total, clock.Elapsed, loss));
                }
            }
        }

        if (progress is not null)
        {
            double sum = 0;
            long count = 0;
            foreach (var w in workers)
            {
                sum += w.PublishedLossSum;
                count += w.PublishedLossCount;
            }

            var loss = count > lastCount ? (sum - lastSum) / (count - lastCount) : double.NaN;
            progress.Report(MakeProgress(shared.TokenCount, total, clock.Elapsed, loss));
        }
    }

    private TrainingProgress MakeProgress(long tokens, double total, TimeSpan elapsed, double loss)
    {
        var fraction = Math.Min(1.0, tokens / total);
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
        var wst = tokens / seconds / Options.Thread;
        var eta = fraction > 0 ? TimeSpan.FromSeconds(seconds * (1 - fraction) / fraction) : TimeSpan.Zero;
        return new TrainingProgress(fraction, tokens, wst, Options.Lr * (1 - fraction), loss, elapsed, eta);
    }
}
