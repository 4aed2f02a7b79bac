using System.Diagnostics;
using EmbedSharp.Initialization;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Randomness;

namespace EmbedSharp.FastText;

/// <summary>
/// Trains fastText-compatible word vectors (skip-gram or CBOW with character n-gram subwords; negative sampling, hierarchical softmax or softmax)
/// on a corpus file, as fastText 0.9.2's <c>fasttext skipgram|cbow</c>:
/// one streamed counting pass builds the <see cref="FastTextDictionary"/>; then <c>Thread</c> Hogwild workers each read
/// the file from byte offset i·size/threads, cycling, until Epoch × tokens in-vocabulary tokens are processed, with
/// the learning rate lr·(1 − processed / (Epoch·tokens)).
/// <para>The input matrix starts as fastText's, bit for bit (<see cref="InitSpec.FastText"/>: U(−1/dim, 1/dim) in the
/// first Thread tenths of the flattened matrix, zero in the rest), or as any other <see cref="InitSpec"/> applied to the
/// whole matrix (e.g. <c>InitSpec.Uniform(-1.0 / dim, 1.0 / dim)</c>: every row drawn). The workers' random streams are
/// xoshiro128**, not std::minstd_rand, so training matches fastText's in distribution, not in bits. With Thread = 1 the same corpus and Seed give the same bits
/// every run.</para>
/// <para>Negatives are drawn uniformly from a table of 10,000,000 entries where word w fills ⌈count_w^0.5 / Σ count^0.5
/// · 10⁷⌉ slots — fastText's power 0.5 (<c>NegativeSamplingLoss</c>), not word2vec's 0.75. With
/// <see cref="FastTextLoss.HierarchicalSoftmax"/> the output rows are the inner nodes of a <see cref="HuffmanTree"/>
/// over the word counts, as fastText's <c>-loss hs</c>.</para>
/// <para>Skip-gram computes a center word's subword mean once and adds the summed gradient to its input rows once after
/// its last context word, instead of re-reading and re-writing those rows for every context word as fastText does:
/// the same sequential update in exact arithmetic (nothing else reads the rows in between), different float rounding.
/// The negative table is sampled through a vocabulary-sized index that returns the table's entry for the same draw.</para>
/// </summary>
public sealed class WordVectorTrainer
{
    /// <summary>fastText's NEGATIVE_TABLE_SIZE.</summary>
    internal const int NegativeTableSize = 10_000_000;

    /// <summary>Creates a trainer; the options are validated here, before any work.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it and its value).</exception>
    public WordVectorTrainer(FastTextOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ValidateUnsupervised();
        Options = options;
    }

    /// <summary>The hyper-parameters.</summary>
    public FastTextOptions Options { get; }

    /// <summary>How often the progress reporter samples the workers while training (default 250 ms).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>When set, the state of the run is written to this file at the end of every epoch (atomically: the
    /// previous checkpoint stays intact until the new one is complete, so a run cancelled or killed mid-epoch leaves
    /// the last one loadable). <see cref="Resume(string, string, IProgress{TrainingProgress}?, CancellationToken)"/>
    /// goes on from it. The file holds both matrices: (WordCount + Bucket + WordCount) × Dim × 4 bytes plus the
    /// dictionary. See docs/training-vectors.md.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Directory of the temporary copy made when training from a <see cref="Stream"/> (default: the system temp directory).</summary>
    public string? TempDirectory { get; init; }

    /// <summary>Trains on the UTF-8 text file at <paramref name="corpusPath"/> (tokens separated by whitespace, one
    /// sentence per line) and returns the model. The file is read once to count, then once per epoch by byte ranges
    /// (worker i starts at byte i·size/Thread); it is never held in memory.</summary>
    /// <exception cref="FileNotFoundException">The corpus file does not exist.</exception>
    /// <exception cref="FastTextFormatException">The corpus is empty or no word reaches MinCount.</exception>
    /// <exception cref="OperationCanceledException">Cancellation was requested; the partial model is dropped (the last
    /// checkpoint, if any, is intact).</exception>
    public TrainedWordVectors Train(string corpusPath, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var corpus = OpenCorpus(corpusPath);
        var o = Options;
        var length = corpus.Length;
        var dictionary = FastTextDictionary.CountCorpus(corpus, corpusPath, o.MinCount, o.Minn, o.Maxn, o.Bucket, o.T, o.MaxVocabSize, cancellationToken);
        return Run(corpus, corpusPath, length, dictionary, null, progress, cancellationToken);
    }

    /// <summary>Trains on a corpus read from a stream, which may be non-seekable (a pipe, a network or decompression
    /// stream). The epochs need the data again and every worker reads its own byte range, so the stream is read exactly
    /// once: its bytes are copied to a temporary file in <see cref="TempDirectory"/> while the dictionary is counted, the
    /// epochs read that file, and it is deleted when training ends, fails or is cancelled. Memory use does not grow
    /// with the corpus. The stream is not disposed.</summary>
    /// <exception cref="FastTextFormatException">The corpus is empty or no word reaches MinCount.</exception>
    /// <exception cref="OperationCanceledException">Cancellation was requested.</exception>
    public TrainedWordVectors Train(Stream corpus, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var o = Options;
        var spool = Spool(corpus, out var length, out var dictionary, cancellationToken, count: true);
        try
        {
            using var file = OpenCorpus(spool);
            return Run(file, null, length, dictionary!, null, progress, cancellationToken);
        }
        finally
        {
            File.Delete(spool);
        }
    }

    /// <summary>Goes on with a run from the checkpoint at <paramref name="checkpointPath"/> (written after epoch k by a
    /// trainer with <see cref="CheckpointPath"/>) on the same corpus, and trains epochs k+1..Epoch. The matrices,
    /// dictionary, token count (hence the learning rate), every worker's reader position, random stream and unflushed
    /// tokens are restored, so with Thread = 1 the result has the same bits as the uninterrupted run; with more threads
    /// it is a Hogwild run of the same quality. New checkpoints go to <see cref="CheckpointPath"/> if set.</summary>
    /// <exception cref="ArgumentException">This trainer's options differ from the checkpoint's (see
    /// <see cref="ReadCheckpointOptions"/>).</exception>
    /// <exception cref="FastTextFormatException">The checkpoint is damaged, or the corpus length differs from the one trained on.</exception>
    public TrainedWordVectors Resume(string checkpointPath, string corpusPath, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(corpusPath);
        var checkpoint = LoadMatching(checkpointPath);
        using var corpus = OpenCorpus(corpusPath);
        var length = corpus.Length;
        CheckLength(checkpointPath, checkpoint, length, corpusPath);
        return Run(corpus, corpusPath, length, checkpoint.Dictionary, checkpoint, progress, cancellationToken);
    }

    /// <summary>As <see cref="Resume(string, string, IProgress{TrainingProgress}?, CancellationToken)"/> with the corpus
    /// read once from a stream into a temporary file (no counting pass: the dictionary is the checkpoint's).</summary>
    public TrainedWordVectors Resume(string checkpointPath, Stream corpus, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var checkpoint = LoadMatching(checkpointPath);
        var spool = Spool(corpus, out var length, out _, cancellationToken, count: false);
        try
        {
            CheckLength(checkpointPath, checkpoint, length, "the stream");
            using var file = OpenCorpus(spool);
            return Run(file, null, length, checkpoint.Dictionary, checkpoint, progress, cancellationToken);
        }
        finally
        {
            File.Delete(spool);
        }
    }

    /// <summary>The options stored in a checkpoint (reads only its header), to build the trainer that resumes it.</summary>
    /// <exception cref="FastTextFormatException">Not a checkpoint, or damaged.</exception>
    public static FastTextOptions ReadCheckpointOptions(string checkpointPath) => TrainingCheckpoint.ReadOptions(checkpointPath);

    private static void CheckLength(string checkpointPath, TrainingCheckpoint checkpoint, long length, string corpus)
    {
        if (length != checkpoint.CorpusLength)
        {
            throw new FastTextFormatException(
                checkpointPath,
                $"The checkpoint '{checkpointPath}' was trained on a corpus of {checkpoint.CorpusLength} bytes, but {corpus} has {length} bytes.");
        }
    }

    private TrainingCheckpoint LoadMatching(string checkpointPath)
    {
        var checkpoint = TrainingCheckpoint.Load(checkpointPath);
        if (checkpoint.Options != Options)
        {
            throw new ArgumentException(
                $"The checkpoint '{checkpointPath}' was written with options {checkpoint.Options}; this trainer has {Options}. Resume with the checkpoint's options (ReadCheckpointOptions).",
                nameof(checkpointPath));
        }

        return checkpoint;
    }

    /// <summary>Copies a stream to a temporary file, counting the dictionary on the way when asked.</summary>
    private string Spool(Stream corpus, out long length, out FastTextDictionary? dictionary, CancellationToken cancellationToken, bool count)
    {
        var o = Options;
        var path = Path.Combine(TempDirectory ?? Path.GetTempPath(), "embedsharp-corpus-" + Path.GetRandomFileName() + ".txt");
        try
        {
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                if (count)
                {
                    using var tee = new CopyingReadStream(corpus, file);
                    dictionary = FastTextDictionary.CountCorpus(tee, null, o.MinCount, o.Minn, o.Maxn, o.Bucket, o.T, o.MaxVocabSize, cancellationToken);
                    tee.CopyToEnd();
                }
                else
                {
                    dictionary = null;
                    corpus.CopyTo(file, 1 << 20);
                }

                length = file.Length;
            }

            return path;
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Trains on the opened corpus (<paramref name="corpusPath"/> names it in errors; null for a spooled
    /// stream): every worker reads it through its own positional view of the one handle, never past
    /// <paramref name="length"/>.</summary>
    private TrainedWordVectors Run(
        FileStream corpus, string? corpusPath, long length, FastTextDictionary dictionary, TrainingCheckpoint? checkpoint,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var o = Options;
        var nwords = dictionary.WordCount;
        NativeMatrix input, output;
        if (checkpoint is null)
        {
            (input, var inputTensor) = NativeMatrix.Create((long)nwords + o.Bucket, o.Dim); // (nwords + bucket, dim)
            (output, _) = NativeMatrix.Create(nwords, o.Dim); // (nwords, dim), zeros
            if (o.Init.Scheme == InitScheme.FastText)
            {
                FastTextMatrixInit.Fill(input, (float)(1.0 / o.Dim), o.Thread, o.Seed);
            }
            else
            {
                o.Init.Apply(inputTensor, new Generator((ulong)(uint)o.Seed));
            }
        }
        else
        {
            (input, output) = (checkpoint.Input, checkpoint.Output);
        }

        var negatives = o.Loss == FastTextLoss.NegativeSampling ? NegativeSampler.FromCounts(NegativeTableRuns(dictionary)) : null;
        var tree = o.Loss == FastTextLoss.HierarchicalSoftmax ? HuffmanTree.Build(dictionary.Counts.AsSpan(0, nwords)) : null;
        var hiddenGain = o.Model == FastTextModelKind.SkipGram ? new float[nwords] : [];
        var shared = new SharedTrainingState { TokenCount = checkpoint?.TokenCount ?? 0 };
        var streams = new CorpusView[o.Thread];
        var workers = new TrainingWorker[o.Thread];
        var before = checkpoint?.TrainingTime ?? TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        var reporter = new ProgressReporter(this, progress, workers, shared, (double)o.Epoch * dictionary.TokenCount, before, clock);
        try
        {
            for (var i = 0; i < o.Thread; i++)
            {
                streams[i] = new CorpusView(corpus.SafeFileHandle, length);
                workers[i] = new TrainingWorker(i, o, dictionary, negatives, hiddenGain, tree, input, output, shared, streams[i], corpusPath, length);
                if (checkpoint is null)
                {
                    workers[i].Start();
                }
                else
                {
                    workers[i].Restore(checkpoint.Workers[i]);
                }
            }

            var total = o.Epoch * dictionary.TokenCount;
            for (var epoch = checkpoint?.EpochsDone ?? 0; epoch < o.Epoch; epoch++)
            {
                var final = epoch == o.Epoch - 1;
                RunEpoch(workers, final ? total : (epoch + 1) * dictionary.TokenCount, final, reporter, cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();
                if (CheckpointPath is not null)
                {
                    new TrainingCheckpoint
                    {
                        Options = o,
                        CorpusLength = length,
                        EpochsDone = epoch + 1,
                        TokenCount = Volatile.Read(ref shared.TokenCount),
                        TrainingTime = before + clock.Elapsed,
                        Dictionary = dictionary,
                        Workers = [.. workers.Select(w => w.Capture())],
                        Input = input,
                        Output = output,
                    }.Save(CheckpointPath);
                }

                reporter.Sample();
            }
        }
        finally
        {
            foreach (var s in streams)
            {
                s?.Dispose();
            }
        }

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

        return new TrainedWordVectors(o, dictionary, input.AsTensor(), output.AsTensor(), epochLosses, Volatile.Read(ref shared.TokenCount), before + clock.Elapsed);
    }

    /// <summary>Runs every worker on its own thread until the shared token count reaches <paramref name="limit"/>,
    /// sampling progress meanwhile; rethrows a worker's failure.</summary>
    private void RunEpoch(TrainingWorker[] workers, long limit, bool final, ProgressReporter reporter, CancellationToken cancellationToken)
    {
        var errors = new Exception?[workers.Length];
        var threads = new Thread[workers.Length];
        try
        {
            for (var i = 0; i < workers.Length; i++)
            {
                var worker = workers[i];
                var index = i;
                threads[i] = new Thread(() =>
                {
                    try
                    {
                        worker.Run(limit, final, cancellationToken);
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

            var interval = ProgressInterval <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(250) : ProgressInterval;
            foreach (var t in threads)
            {
                while (!t.Join(interval))
                {
                    reporter.Sample();
                }
            }
        }
        finally
        {
            foreach (var t in threads)
            {
                t?.Join();
            }
        }

        foreach (var e in errors)
        {
            if (e is FileFormatException or IOException)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e); // bad input names its file: pass it on as it is
            }

            if (e is not null)
            {
                throw new InvalidOperationException($"A training worker failed: {e.Message}", e);
            }
        }
    }

    /// <summary>fastText's unigram table for negatives: word i appears ⌈c_i·10⁷/z⌉ times, c_i = count_i^0.5 and
    /// z = Σ c (float arithmetic as fastText). Training samples it through <see cref="NegativeSampler"/>, which gives
    /// the same entries without storing them; this materialised form is for tests.</summary>
    internal static int[] CreateNegativeTable(FastTextDictionary dictionary)
    {
        var runs = NegativeTableRuns(dictionary);
        var table = new int[runs.Sum()];
        long at = 0;
        for (var i = 0; i < runs.Length; i++)
        {
            table.AsSpan((int)at, (int)runs[i]).Fill(i);
            at += runs[i];
        }

        return table;
    }

    /// <summary>The run length of each word in fastText's negative table: ⌈c_i·10⁷/z⌉, c_i = count_i^0.5, z = Σ c, in
    /// float arithmetic as fastText's <c>NegativeSamplingLoss</c> constructor.</summary>
    internal static long[] NegativeTableRuns(FastTextDictionary dictionary)
    {
        var counts = dictionary.Counts;
        var nwords = dictionary.WordCount;
        var z = 0f;
        for (var i = 0; i < nwords; i++)
        {
            z += (float)Math.Pow(counts[i], 0.5);
        }

        var runs = new long[nwords];
        for (var i = 0; i < nwords; i++)
        {
            var c = (float)Math.Pow(counts[i], 0.5);
            var bound = c * NegativeTableSize / z; // entries j = 0, 1, … while j < bound
            runs[i] = (long)MathF.Ceiling(bound);
        }

        return runs;
    }

    /// <summary>Opens the corpus once: training reads it again every epoch, by byte offsets, so a pipe, FIFO or device
    /// is refused here with a message naming it (standard input and streams go through <see cref="Train(Stream,
    /// IProgress{TrainingProgress}?, CancellationToken)"/>, which copies them to a file).</summary>
    private static FileStream OpenCorpus(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The corpus file '{path}' does not exist.", path);
        }

        return InputFile.Open(path, seekableFor: "training reads the corpus once per epoch", bufferSize: 0, FileOptions.SequentialScan);
    }

    /// <summary>Samples the workers' published counters into <see cref="TrainingProgress"/> reports.</summary>
    private sealed class ProgressReporter(
        WordVectorTrainer trainer, IProgress<TrainingProgress>? progress, TrainingWorker[] workers, SharedTrainingState shared,
        double total, TimeSpan before, Stopwatch clock)
    {
        private double _lastSum = double.NaN;
        private long _lastCount;

        public void Sample()
        {
            if (progress is null)
            {
                return;
            }

            double sum = 0;
            long count = 0;
            foreach (var w in workers)
            {
                sum += Volatile.Read(ref w.PublishedLossSum);
                count += Volatile.Read(ref w.PublishedLossCount);
            }

            if (double.IsNaN(_lastSum))
            {
                (_lastSum, _lastCount) = (0, 0);
            }

            var loss = count > _lastCount ? (sum - _lastSum) / (count - _lastCount) : double.NaN;
            (_lastSum, _lastCount) = (sum, count);
            var tokens = Volatile.Read(ref shared.TokenCount);
            var fraction = Math.Min(1.0, tokens / total);
            var elapsed = before + clock.Elapsed;
            var seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
            var o = trainer.Options;
            var wst = tokens / seconds / o.Thread;
            var eta = fraction > 0 ? TimeSpan.FromSeconds(seconds * (1 - fraction) / fraction) : TimeSpan.Zero;
            progress.Report(new TrainingProgress(fraction, tokens, wst, o.Lr * (1 - fraction), loss, elapsed, eta));
        }
    }

    /// <summary>A read-only stream that copies every byte it reads from <c>source</c> to <c>copy</c>.</summary>
    private sealed class CopyingReadStream(Stream source, Stream copy) : ForwardReadStream
    {
        public override int Read(Span<byte> buffer)
        {
            var n = source.Read(buffer);
            copy.Write(buffer[..n]);
            return n;
        }

        /// <summary>Copies what the reader has not consumed (nothing, once it has seen the end).</summary>
        public void CopyToEnd() => source.CopyTo(copy, 1 << 20);
    }
}
