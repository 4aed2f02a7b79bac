using System.Diagnostics;
using System.Text;
using EmbedSharp.FastText;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Study.Data;
using EmbedSharp.Tokenization.Word;
using EmbedSharp.Vectors.Alignment;
using EmbedSharp.Vectors.Formats;
using WordVectorSet = EmbedSharp.Vectors.WordVectors;

namespace EmbedSharp.Study;

/// <summary>
/// The initialisation study: trains the same fastText-style classifier (<see cref="TextClassifier"/>: EmbeddingBag mean
/// → Linear without bias, softmax cross-entropy, SGD one example per step, learning rate decaying linearly to 0) once
/// per (scheme, seed), changing only how the embedding table starts, and writes <c>runs/*.json</c>,
/// <c>results.json</c>, <c>results.csv</c> and <c>report.html</c> into <see cref="InitStudyOptions.OutputDirectory"/>.
/// </summary>
/// <remarks>
/// Randomness, per seed s (each stream its own <see cref="Generator"/> seeded with 1000·s + k): k = 0 the stratified
/// train/test split, k = 1 the output layer (PyTorch's <c>nn.Linear</c> default, kaiming_uniform_(a=√5), the same for
/// every scheme), k = 2 the scheme's draws, k = 3 the order of the examples in each epoch (the same for every scheme),
/// k = 4 the rows the pretrained vectors do not cover (the aligner's policy: N(mean, std) of the pretrained values).
/// Results do not depend on the thread count: training is single-threaded.
/// </remarks>
public sealed class InitStudy
{
    /// <summary>Creates a study; the options are validated here.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public InitStudy(InitStudyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    /// <summary>The options.</summary>
    public InitStudyOptions Options { get; }

    /// <summary>Whether any scheme needs pretrained vectors.</summary>
    public bool NeedsVectors => Options.Schemes.Any(s => s.IsPretrained);

    /// <summary>The generator of stream <paramref name="stream"/> of seed <paramref name="seed"/> (see the remarks).</summary>
    public static Generator Stream(int seed, int stream) => new(((ulong)seed * 1000UL) + (ulong)stream);

    /// <summary>
    /// Reads <see cref="InitStudyOptions.VectorsPath"/> when it is set (any format <see cref="VectorFile"/> detects), so
    /// that a bad file fails with the reader's error before anything else starts; null when no path is set or no
    /// scheme is pretrained.
    /// </summary>
    /// <exception cref="VectorFormatException">The file is not a vector file the readers accept (file, line or offset named).</exception>
    /// <remarks>The vectors must be finite: a NaN or ±∞ would reach the pretrained mean and standard deviation and every
    /// table row built from it, so it is refused here naming the file and the word.</remarks>
    public WordVectorSet? ReadVectorsFile()
    {
        if (!NeedsVectors || Options.VectorsPath is not { } path)
        {
            return null;
        }

        var vectors = VectorFile.Read(path);
        try
        {
            vectors.EnsureFinite(path, "the study's pretrained arm");
            return vectors;
        }
        catch
        {
            vectors.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Trains skip-gram vectors on the SOTU addresses (tokenised like the classifier's input: <see cref="WordSplitting.LowerCaseAlphanumeric"/>,
    /// one address per line; dim = <see cref="InitStudyOptions.Dim"/>, no subwords, min count 3, one thread, seed 0) and
    /// caches them as <c>cache/sotu-skipgram-d&lt;dim&gt;-e&lt;epochs&gt;.vec</c> in the output directory; a cached file
    /// is reused. Returns the vectors and a description.
    /// </summary>
    public (WordVectorSet Vectors, string Description) TrainSotuVectors(Func<SotuCorpus> sotu, IProgress<StudyProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sotu);
        var cacheDir = Path.Combine(Options.OutputDirectory, "cache");
        var name = FormattableString.Invariant($"sotu-skipgram-d{Options.Dim}-e{Options.VectorEpochs}");
        var vec = Path.Combine(cacheDir, name + ".vec");
        var description = FormattableString.Invariant($"skip-gram, {Options.Dim} dimensions, {Options.VectorEpochs} epoch{(Options.VectorEpochs == 1 ? "" : "s")} on the SOTU addresses (cached in {vec})");
        if (File.Exists(vec))
        {
            try
            {
                Report(progress, $"Reading cached pretrained vectors {vec}");
                return (VectorFile.Read(vec), description);
            }
            catch (VectorFormatException e)
            {
                Report(progress, $"The cached vectors are unreadable ({e.Message}); training them again.");
            }
        }

        Directory.CreateDirectory(cacheDir);
        var corpusPath = Path.Combine(cacheDir, "sotu-words.txt");
        Report(progress, "Preparing the SOTU corpus for skip-gram training");
        Numerics.Formats.AtomicFile.Write(corpusPath, stream =>
        {
            using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            var words = new List<string>();
            foreach (var line in sotu().ReadLines())
            {
                cancellationToken.ThrowIfCancellationRequested();
                words.Clear();
                WordTokenizer.Split(line, words, WordSplitting.LowerCaseAlphanumeric);
                w.WriteLine(string.Join(' ', words));
            }
        });
        Report(progress, $"Training skip-gram vectors on SOTU ({Options.Dim} dimensions, {Options.VectorEpochs} epochs)");
        var trainer = new WordVectorTrainer(SkipGramOptions(Options.Dim, Options.VectorEpochs, minCount: 3));
        var trained = trainer.Train(corpusPath, null, cancellationToken);
        trained.SaveVec(vec);
        File.Delete(corpusPath);
        return (VectorFile.Read(vec), description);
    }

    /// <summary>
    /// A stable name of everything that determines a run's result apart from the scheme and seed: the examples (texts
    /// and labels), the label names, the dimension, the budget and hyper-parameters, the pretrained vectors (words
    /// and values), and the build of this library (its module version id, which deterministic builds derive from the
    /// compiled code: a changed trainer or classifier makes earlier run files stale). A resumed study reuses a run file
    /// only when the fingerprints match.
    /// </summary>
    public string Fingerprint(StudyCorpus corpus, WordVectorSet? pretrained)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        using var fingerprint = new StudyFingerprint("embedsharp-init-study/1");
        fingerprint.Add(corpus);
        fingerprint.Add(FormattableString.Invariant($"dim={Dim(pretrained)} epochs={Options.Epochs} lr={Options.LearningRate:R} log={Options.LogEvery} min={Options.MinCount} test={Options.TestFraction:R} output={Options.OutputInit}"));
        if (pretrained is not null && NeedsVectors)
        {
            fingerprint.Add(pretrained);
        }

        return fingerprint.Finish();
    }

    /// <summary>
    /// Runs the study (resuming from the run files of an earlier, interrupted call with the same configuration), then
    /// writes results.json, results.csv and report.html. <paramref name="pretrained"/> is needed when a pretrained scheme
    /// is selected; the study's dimension is then the vectors' dimension.
    /// </summary>
    /// <exception cref="ArgumentException">A pretrained scheme without vectors, or a corpus with fewer than two examples per class.</exception>
    public StudyResults Run(StudyCorpus corpus, WordVectorSet? pretrained, string? vectorsDescription = null,
        IProgress<StudyProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        if (NeedsVectors && pretrained is null)
        {
            throw new ArgumentException("A pretrained scheme is selected but no pretrained vectors were given.", nameof(pretrained));
        }

        var dim = Dim(pretrained);
        var classifierOptions = FastTextOptions.Supervised() with
        {
            Dim = dim,
            Epoch = Options.Epochs,
            Lr = Options.LearningRate,
            MinCount = Options.MinCount,
            LogEvery = Options.LogEvery,
            Optimizer = ClassifierOptimizer.Sgd,
        };
        classifierOptions.Validate();
        Directory.CreateDirectory(Options.OutputDirectory);
        var fingerprint = Fingerprint(corpus, pretrained);
        var runs = StudyPlan.Execute(
            Options.OutputDirectory,
            Options.Schemes,
            Options.Seeds,
            fingerprint,
            seed => PrepareSeed(corpus, seed, classifierOptions, pretrained, progress),
            (data, scheme, seed, index) => TrainOne(data, scheme, seed, index, classifierOptions, fingerprint, progress, cancellationToken),
            progress,
            cancellationToken);

        var first = runs[0];
        var setup = new StudySetup
        {
            Preset = Options.Preset,
            Data = corpus.Name,
            TrainCount = first.TrainCount,
            TestCount = first.TestCount,
            ClassCount = corpus.LabelNames.Count,
            VocabularySize = first.VocabularySize,
            Dim = dim,
            Epochs = Options.Epochs,
            LearningRate = Options.LearningRate,
            LogEvery = Options.LogEvery,
            TargetLoss = Options.TargetLoss,
            Seeds = Options.Seeds,
            OutputInit = Options.OutputInit,
            Vectors = NeedsVectors ? vectorsDescription ?? Options.VectorsPath : null,
        };
        var results = StudyResults.Create(setup, runs);
        StudyFiles.WriteResultsJson(Path.Combine(Options.OutputDirectory, "results.json"), results);
        StudyFiles.WriteCsv(Path.Combine(Options.OutputDirectory, "results.csv"), results);
        StudyReport.Write(ReportPath, results);
        return results;
    }

    /// <summary>Where <see cref="Run"/> writes the report.</summary>
    public string ReportPath => Path.GetFullPath(Path.Combine(Options.OutputDirectory, "report.html"));

    private int Dim(WordVectorSet? pretrained) => NeedsVectors && pretrained is not null ? pretrained.Dimension : Options.Dim;

    private SeedData PrepareSeed(StudyCorpus corpus, int seed, FastTextOptions options, WordVectorSet? pretrained, IProgress<StudyProgress>? progress)
    {
        Report(progress, FormattableString.Invariant($"Seed {seed}: splitting and featurising {corpus.Examples.Count:N0} examples"));
        var split = ClassifierRuns.Split(corpus, Options.TestFraction, seed);

        var train = ClassificationDataset.Build(split.Train, corpus.LabelNames, options);
        var test = ClassificationDataset.Build(split.Test, corpus.LabelNames, train.Featurizer);
        AlignmentResult? aligned = null;
        if (pretrained is not null && NeedsVectors)
        {
            aligned = ClassifierRuns.Align(train.Featurizer, pretrained, seed);
        }

        return new SeedData(corpus.LabelNames, train, test, aligned);
    }

    private RunResult TrainOne(SeedData data, EmbeddingInit scheme, int seed, int index, FastTextOptions options, string fingerprint,
        IProgress<StudyProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var name = scheme.Name;
        var total = Options.Schemes.Count * Options.Seeds.Count;
        var model = ClassifierRuns.NewModel(data.Train.Featurizer, data.LabelNames, options.Dim, Options.OutputInit, scheme, data.Aligned, seed);
        var table = model.Embedding.Weight;
        var initial = Stats(table.Value);
        var steps = new List<StepRecord>();
        var epochs = new List<EpochRecord>();
        var stepsPerEpoch = (double)data.Train.Count;
        var totalSteps = stepsPerEpoch * options.Epoch;
        ClassifierTrainer.Train(model, data.Train, options, Stream(seed, 3),
            s =>
            {
                var record = new StepRecord(s.Step, s.Step / stepsPerEpoch, s.Loss, s.Lr, s.EmbeddingGradNorm, clock.Elapsed.TotalSeconds);
                steps.Add(record);
                progress?.Report(new StudyProgress(StudyProgressKind.Step, index, total, name, seed, s.Step / totalSteps, Step: record));
            },
            e =>
            {
                var metrics = ClassifierEvaluator.Evaluate(model, data.Test);
                var record = new EpochRecord(e.Epoch + 1, e.Steps, e.MeanLoss, metrics.Accuracy, metrics.MeanLoss, clock.Elapsed.TotalSeconds);
                epochs.Add(record);
                progress?.Report(new StudyProgress(StudyProgressKind.Epoch, index, total, name, seed, e.Steps / totalSteps, Epoch: record));
            },
            cancellationToken);

        return new RunResult
        {
            Scheme = name,
            Seed = seed,
            Fingerprint = fingerprint,
            TrainCount = data.Train.Count,
            TestCount = data.Test.Count,
            VocabularySize = (int)data.Train.Featurizer.Rows,
            Dim = options.Dim,
            EmbeddingTrained = table.RequiresGrad,
            InitialTable = initial,
            FinalTable = Stats(table.Value),
            Steps = steps,
            Epochs = epochs,
            WallSeconds = clock.Elapsed.TotalSeconds,
            PretrainedCoverage = scheme.IsPretrained ? data.Aligned!.Report.TypeCoverage : null,
        };
    }

    /// <summary>The study's pretrained vectors: skip-gram without subwords, on one thread with seed 0 so that the vectors
    /// are a function of the corpus (fastText's other defaults: window 5, 5 negatives, lr 0.05).</summary>
    internal static FastTextOptions SkipGramOptions(int dim, int epochs, int minCount) => new()
    {
        Model = FastTextModelKind.SkipGram,
        Dim = dim,
        Epoch = epochs,
        MinCount = minCount,
        Minn = 0,
        Maxn = 0,
        Bucket = 0,
        Thread = 1,
        Seed = 0,
    };

    /// <summary>Mean, std, mean row norm and distinct rows (counted up to 1000) of a table.</summary>
    internal static TableStats Stats(FloatTensor table)
    {
        var s = table.Statistics();
        double norms = 0;
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        for (long r = 0; r < table.RowCount; r++)
        {
            var row = table.Row(r);
            norms += Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(row, row));
            if (distinct.Count < 1000)
            {
                distinct.Add(Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(row)));
            }
        }

        return new TableStats(s.Mean, s.Std, table.RowCount > 0 ? norms / table.RowCount : 0, distinct.Count);
    }

    private static void Report(IProgress<StudyProgress>? progress, string message) =>
        progress?.Report(new StudyProgress(StudyProgressKind.Preparing, -1, 0, "", 0, 0, message));

    private sealed record SeedData(IReadOnlyList<string> LabelNames, ClassificationDataset Train, ClassificationDataset Test, AlignmentResult? Aligned);
}
