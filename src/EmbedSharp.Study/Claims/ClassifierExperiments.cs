using System.Diagnostics;
using System.Globalization;
using EmbedSharp.FastText;
using EmbedSharp.Numerics;
using WordVectorSet = EmbedSharp.Vectors.WordVectors;

namespace EmbedSharp.Study.Claims;

/// <summary>
/// The classifier experiments of the claims study, on the fastText-style classifier of <see cref="InitStudy"/>
/// (<see cref="TextClassifier"/>: hidden = mean of the e-mail's embedding rows, logits = W·hidden without bias, softmax
/// cross-entropy, SGD one e-mail per step with the learning rate decaying linearly to 0, <see cref="ClassifierTrainer"/>):
/// <list type="bullet">
/// <item><see cref="LearningCurve"/> (claim 4): random N(0, 1) against pretrained vectors, frozen and fine-tuned, at
/// training sizes from a few dozen labelled e-mails to all of them.</item>
/// <item><see cref="InitContrast"/> (claim 1's contrast): a handful of embedding initialisations at one size, to show
/// that in this shallow model the initialisation barely matters.</item>
/// </list>
/// </summary>
/// <remarks>
/// <para>One run = one (arm, seed). Everything random is its own generator derived from the seed (<see cref="InitStudy.Stream"/>
/// with k = 0 the stratified train/test split, 1 the output layer, 2 the table's fill, 3 the example order of each
/// epoch, 4 the rows the pretrained vectors do not cover, 5 the shuffled order of the training part whose prefixes are
/// the training subsets), so that every arm of a seed sees the same test set, the same subsets, the same output layer and
/// the same example order (paired runs), and a run depends only on its arm and seed: runs can train concurrently.</para>
/// <para>The vocabulary of a run is built from its n training e-mails only (min count <see cref="ClassifierRunSettings.MinCount"/>),
/// as a user with n labelled e-mails would build it (torchtext: <c>build_vocab_from_iterator(train)</c>, then
/// <c>vectors.get_vecs_by_tokens(vocab.get_itos())</c>); the pretrained vectors are aligned to those words, and test
/// words outside them are ignored by every arm alike. So pretrained vectors can help only through better rows for the
/// words seen, not by giving unseen words a meaning.</para>
/// <para>The metric is the test accuracy in % after the last epoch; a run whose test loss is not finite has diverged
/// (metric NaN).</para>
/// </remarks>
public static partial class ClassifierExperiments
{
    /// <summary>The learning curve's experiment id.</summary>
    public const string CurveId = "classifier-pretrained-curve";

    /// <summary>The contrast's experiment id.</summary>
    public const string ContrastId = "classifier-init-contrast";

    /// <summary>Series of the random arms (N(0, 1), <c>nn.Embedding</c>'s default).</summary>
    public const string RandomSeries = "random";

    /// <summary>Series of the frozen pretrained arms.</summary>
    public const string FrozenSeries = "pretrained, frozen";

    /// <summary>Series of the fine-tuned pretrained arms.</summary>
    public const string FinetunedSeries = "pretrained, fine-tuned";

    /// <summary>Stream (of <see cref="InitStudy.Stream"/>) of the shuffled order of the training part.</summary>
    internal const int SubsetStream = 5;

    private static readonly (string Prefix, string Series, EmbeddingInit Scheme)[] CurveSeries =
    [
        ("random", RandomSeries, EmbeddingInit.Normal),
        ("frozen", FrozenSeries, EmbeddingInit.PretrainedFrozen),
        ("finetuned", FinetunedSeries, EmbeddingInit.PretrainedFinetuned),
    ];

    /// <summary>
    /// Claim 4, "pretrained vectors help most when labelled data is scarce; freezing helps only there": for each
    /// training size n three arms, <c>random-n&lt;n&gt;</c> (series <see cref="RandomSeries"/>: the table from N(0, 1),
    /// what <c>nn.Embedding</c> and <c>nn.EmbeddingBag</c> draw by default, the tutorials' random baseline),
    /// <c>frozen-n&lt;n&gt;</c> and <c>finetuned-n&lt;n&gt;</c> (the pretrained rows, not trained / trained), each with
    /// X = n, the number of training e-mails actually used (0 in the settings becomes the size of the training part).
    /// </summary>
    /// <remarks>
    /// Per seed: one stratified train/test split (the same test set for every size and arm); one shuffled, stratified
    /// order of the training part (<see cref="DataSplit.StratifiedOrder"/>), whose first n e-mails are the training set
    /// of size n, so that smaller sets lie inside larger ones; the vocabulary from those n e-mails (see the class
    /// remarks); max(E, ⌈MinSteps/n⌉) epochs (<see cref="ClassifierRunSettings.EpochsFor"/>). Metric: test accuracy
    /// (%); curve: test accuracy (%) against SGD steps at <see cref="ClassifierRunSettings.CurvePoints"/> epochs; extra:
    /// <c>test_loss</c> (mean cross-entropy, nats), <c>train_examples</c>, <c>epochs</c>, <c>steps</c>,
    /// <c>vocabulary</c>, <c>mean_tokens</c> (per training e-mail, with the end-of-sentence token),
    /// <c>table_rms_initial</c> and <c>table_rms_change</c> (root mean square of the table's entries at the start, and of
    /// final − initial: 0 for a frozen table), and for the pretrained arms <c>coverage</c> (fraction of the vocabulary's
    /// words the vectors hold). The reading (<see cref="PreparedExperiment.Describe"/>) says per size whether
    /// pretrained beats random beyond the noise and where freezing wins or loses, and recommends from the data.
    /// </remarks>
    /// <param name="corpus">The labelled e-mails (e.g. <see cref="StudyCorpus.FromSpamAssassin"/>).</param>
    /// <param name="vectors">The pretrained vectors (e.g. <see cref="InitStudy.TrainSotuVectors"/>); their dimension is the runs' D.</param>
    /// <param name="vectorsDescription">Where the vectors come from, for the setup sentence.</param>
    /// <param name="settings">Seeds, sizes and budget (<see cref="ClassifierCurveSettings.Quick"/> or <see cref="ClassifierCurveSettings.Full"/>).</param>
    /// <exception cref="ArgumentException">A setting out of range, or a corpus whose split leaves a part empty.</exception>
    public static PreparedExperiment LearningCurve(StudyCorpus corpus, WordVectorSet vectors, string vectorsDescription, ClassifierCurveSettings settings)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(vectorsDescription);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var split = ClassifierRuns.Split(corpus, settings.TestFraction, settings.Seeds[0]); // the part sizes are the same for every seed
        var sizes = ResolveSizes(settings.Sizes, split.Train.Count);
        var arms = new List<ArmSpec>();
        var plan = new Dictionary<string, (EmbeddingInit Scheme, int Size)>(StringComparer.Ordinal);
        foreach (var n in sizes)
        {
            foreach (var (prefix, series, scheme) in CurveSeries)
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"{prefix}-n{n}");
                var label = scheme == EmbeddingInit.Normal ? "random normal_(0, 1)" : series;
                arms.Add(new ArmSpec(name, string.Create(CultureInfo.InvariantCulture, $"{label}, {n:N0} e-mails"), series, n));
                plan.Add(name, (scheme, n));
            }
        }

        var dim = vectors.Dimension;
        var fingerprint = Fingerprint("embedsharp-claims/" + CurveId + "/1", corpus, vectors, dim, settings);
        var spec = new ExperimentSpec
        {
            Id = CurveId,
            Question = "Do pretrained word vectors help a spam classifier, frozen or fine-tuned, and how does that depend on the number of labelled e-mails?",
            Claim = "Pretrained vectors help most when labelled data is scarce; freezing them helps only there.",
            Setup = string.Create(CultureInfo.InvariantCulture,
                $"fastText-style classifier (EmbeddingBag mean → Linear without bias), D = {dim}, SGD lr {settings.LearningRate} decaying linearly to 0 over max({settings.Epochs}, ⌈{settings.MinSteps}/n⌉) epochs of the n training e-mails, a stratified prefix of one shuffled order of the training part (smaller sets inside larger ones); vocabulary from those n e-mails (min count {settings.MinCount}); random = normal_(0, 1), nn.Embedding's default; pretrained = {vectorsDescription}, aligned to that vocabulary."),
            EvaluatedOn = string.Create(CultureInfo.InvariantCulture,
                $"the same {split.Test.Count:N0} held-out e-mails (stratified, {settings.TestFraction:P0}) for every size and arm of a seed; {corpus.Name}"),
            Metric = "test accuracy",
            Unit = "%",
            LowerIsBetter = false,
            CurveX = "SGD step (one e-mail)",
            CurveY = "test accuracy (%)",
            SizeLabel = "training e-mails",
            Arms = arms,
            Seeds = [.. settings.Seeds],
            Fingerprint = fingerprint,
        };
        var context = new RunContext(spec.Id, fingerprint, corpus, vectors, dim, settings);
        return new PreparedExperiment(spec, (arm, seed) =>
        {
            var (scheme, n) = plan.TryGetValue(arm.Name, out var p) ? p : throw new ArgumentException($"Experiment {CurveId} has no arm '{arm.Name}'.", nameof(arm));
            return TrainRun(context, arm, seed, scheme, n);
        }, DescribeCurve);
    }

    /// <summary>
    /// Claim 1's contrast: the same classifier at one training size (<see cref="ClassifierContrastSettings.TrainSize"/>)
    /// with each embedding initialisation of <see cref="ClassifierContrastSettings.Schemes"/> (default normal_(0, 1),
    /// normal_(0, 0.02), uniform_(−0.1, 0.1), xavier_uniform_, zeros_ and pretrained fine-tuned); arm names are the
    /// schemes' names, X is null (one group). The pretrained arms are left out when <paramref name="vectors"/> is null.
    /// Runs, metric, curve and extra as <see cref="LearningCurve"/>. The reading says how far the initialisations lie
    /// apart and why: mean pooling divides each row's gradient by the e-mail's length, so the table moves little and the
    /// output layer does the learning.
    /// </summary>
    /// <param name="corpus">The labelled e-mails.</param>
    /// <param name="vectors">Pretrained vectors for the pretrained arms (their dimension is then the runs' D), or null.</param>
    /// <param name="vectorsDescription">Where the vectors come from, or null.</param>
    /// <param name="settings">Seeds, size, schemes and budget (<see cref="ClassifierContrastSettings.Quick"/> or <see cref="ClassifierContrastSettings.Full"/>).</param>
    /// <exception cref="ArgumentException">A setting out of range, only pretrained schemes and no vectors, or a corpus
    /// whose split leaves a part empty.</exception>
    public static PreparedExperiment InitContrast(StudyCorpus corpus, WordVectorSet? vectors, string? vectorsDescription, ClassifierContrastSettings settings)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var schemes = settings.Schemes.Where(s => vectors is not null || !s.IsPretrained).ToList();
        if (schemes.Count == 0)
        {
            throw new ArgumentException("Every initialisation of the contrast is pretrained but no vectors were given.", nameof(vectors));
        }

        var split = ClassifierRuns.Split(corpus, settings.TestFraction, settings.Seeds[0]);
        var n = ResolveSizes([settings.TrainSize], split.Train.Count)[0];
        var dim = vectors?.Dimension ?? settings.Dim;
        var usesVectors = schemes.Any(s => s.IsPretrained);
        var fingerprint = Fingerprint("embedsharp-claims/" + ContrastId + "/1", corpus, usesVectors ? vectors : null, dim, settings);
        var spec = new ExperimentSpec
        {
            Id = ContrastId,
            Question = "Does the embedding initialisation matter in a shallow fastText-style classifier?",
            Claim = "The initialisation of the embedding table matters (claim 1); in this shallow classifier, where mean pooling divides each row's gradient by the e-mail's length and the output layer does the learning, it should barely matter.",
            Setup = string.Create(CultureInfo.InvariantCulture,
                $"fastText-style classifier (EmbeddingBag mean → Linear without bias, the output layer {(settings.OutputInit == OutputLayerInit.Torch ? "nn.Linear's default kaiming_uniform_(a=√5)" : "zeros")}, the same in every arm of a seed), D = {dim}, {n:N0} training e-mails, {settings.EpochsFor(n)} epochs of SGD lr {settings.LearningRate} decaying linearly to 0; vocabulary from the training e-mails (min count {settings.MinCount}); only the table's initialisation differs{(usesVectors ? "; pretrained = " + vectorsDescription : "")}."),
            EvaluatedOn = string.Create(CultureInfo.InvariantCulture,
                $"{split.Test.Count:N0} held-out e-mails (stratified, {settings.TestFraction:P0}), the same for every arm of a seed; {corpus.Name}"),
            Metric = "test accuracy",
            Unit = "%",
            LowerIsBetter = false,
            CurveX = "SGD step (one e-mail)",
            CurveY = "test accuracy (%)",
            Arms = [.. schemes.Select(s => new ArmSpec(s.Name, s.Label))],
            Seeds = [.. settings.Seeds],
            Fingerprint = fingerprint,
        };
        var byName = schemes.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var context = new RunContext(spec.Id, fingerprint, corpus, vectors, dim, settings);
        return new PreparedExperiment(spec, (arm, seed) =>
        {
            var scheme = byName.TryGetValue(arm.Name, out var s) ? s : throw new ArgumentException($"Experiment {ContrastId} has no arm '{arm.Name}'.", nameof(arm));
            return TrainRun(context, arm, seed, scheme, n);
        }, result => DescribeContrast(result, settings.NegligiblePoints));
    }

    /// <summary>The sizes of a curve: 0 and sizes above <paramref name="trainCount"/> become <paramref name="trainCount"/>;
    /// distinct, ascending.</summary>
    internal static IReadOnlyList<int> ResolveSizes(IReadOnlyList<int> sizes, int trainCount) =>
        [.. sizes.Select(n => n == 0 || n > trainCount ? trainCount : n).Distinct().Order()];

    /// <summary>The epochs (1-based) after which a run of <paramref name="epochs"/> epochs evaluates the test set:
    /// ⌈k·epochs/points⌉ for k = 1 … points (always the last).</summary>
    internal static SortedSet<int> CurveEpochs(int epochs, int points)
    {
        var set = new SortedSet<int>();
        for (var k = 1; k <= points; k++)
        {
            set.Add((int)(((long)k * epochs + points - 1) / points));
        }

        return set;
    }

    /// <summary>The training e-mails of size <paramref name="n"/> for <paramref name="seed"/>: the first n of the
    /// seed's stratified shuffled order of the training part, and the seed's test part.</summary>
    internal static (IReadOnlyList<LabeledText> Train, IReadOnlyList<LabeledText> Test) Subset(StudyCorpus corpus, double testFraction, int seed, int n)
    {
        var split = ClassifierRuns.Split(corpus, testFraction, seed);
        var order = DataSplit.StratifiedOrder(split.Train, e => e.Label, InitStudy.Stream(seed, SubsetStream));
        return ([.. order.Take(n)], split.Test);
    }

    private static string Fingerprint(string tag, StudyCorpus corpus, WordVectorSet? vectors, int dim, ClassifierRunSettings settings)
    {
        using var fingerprint = new StudyFingerprint(tag);
        fingerprint.Add(corpus);
        fingerprint.Add(string.Create(CultureInfo.InvariantCulture, $"d={dim} {settings.Canonical()}"));
        if (vectors is not null)
        {
            fingerprint.Add(vectors);
        }

        return fingerprint.Finish();
    }

    /// <summary>Trains one (arm, seed): see <see cref="LearningCurve"/>.</summary>
    private static ArmRun TrainRun(RunContext context, ArmSpec arm, int seed, EmbeddingInit scheme, int n)
    {
        var clock = Stopwatch.StartNew();
        var settings = context.Settings;
        var labels = context.Corpus.LabelNames;
        var (trainTexts, testTexts) = Subset(context.Corpus, settings.TestFraction, seed, n);
        var epochs = settings.EpochsFor(trainTexts.Count);
        var options = FastTextOptions.Supervised() with
        {
            Dim = context.Dim,
            Epoch = epochs,
            Lr = settings.LearningRate,
            MinCount = settings.MinCount,
            LogEvery = int.MaxValue,
            Optimizer = ClassifierOptimizer.Sgd,
        };
        var train = ClassificationDataset.Build(trainTexts, labels, options);
        var test = ClassificationDataset.Build(testTexts, labels, train.Featurizer);
        var aligned = scheme.IsPretrained ? ClassifierRuns.Align(train.Featurizer, context.Vectors!, seed) : null;
        var model = ClassifierRuns.NewModel(train.Featurizer, labels, context.Dim, settings.OutputInit, scheme, aligned, seed);
        var table = model.Embedding.Weight.Value;
        var initial = Copy(table);
        var evaluateAfter = CurveEpochs(epochs, settings.CurvePoints);
        var curve = new List<CurvePoint>();
        ClassificationMetrics? last = null;
        var result = ClassifierTrainer.Train(model, train, options, InitStudy.Stream(seed, ClassifierRuns.OrderStream), onEpoch: e =>
        {
            if (evaluateAfter.Contains(e.Epoch + 1))
            {
                last = ClassifierEvaluator.Evaluate(model, test);
                curve.Add(new CurvePoint(e.Steps, 100 * last.Accuracy));
            }
        });

        var final = last!;
        var extra = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["test_loss"] = final.MeanLoss,
            ["train_examples"] = train.Count,
            ["epochs"] = epochs,
            ["steps"] = result.Steps,
            ["vocabulary"] = train.Featurizer.Words.Count,
            ["mean_tokens"] = (double)train.TotalTokens / train.Count,
            ["table_rms_initial"] = Rms(initial, null),
            ["table_rms_change"] = Rms(table, initial),
        };
        if (aligned is not null)
        {
            extra["coverage"] = aligned.Report.TypeCoverage;
        }

        return new ArmRun
        {
            Experiment = context.ExperimentId,
            Arm = arm.Name,
            Seed = seed,
            Fingerprint = context.Fingerprint,
            Metric = double.IsFinite(final.MeanLoss) ? 100 * final.Accuracy : double.NaN,
            Curve = curve,
            WallSeconds = clock.Elapsed.TotalSeconds,
            Extra = extra,
        };
    }

    private static float[] Copy(FloatTensor table)
    {
        var dim = (int)table.Shape[1];
        var copy = new float[table.RowCount * dim];
        for (long r = 0; r < table.RowCount; r++)
        {
            table.Row(r).CopyTo(copy.AsSpan((int)(r * dim), dim));
        }

        return copy;
    }

    /// <summary>√(mean of x²) over the table, or of (x − reference)² when a reference copy is given.</summary>
    private static double Rms(FloatTensor table, float[]? reference) => Rms(Copy(table), reference);

    private static double Rms(float[] values, float[]? reference)
    {
        double sum = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var d = (double)values[i] - (reference is null ? 0 : reference[i]);
            sum += d * d;
        }

        return values.Length == 0 ? 0 : Math.Sqrt(sum / values.Length);
    }

    /// <summary>What every run of one experiment shares (read-only).</summary>
    private sealed record RunContext(string ExperimentId, string Fingerprint, StudyCorpus Corpus, WordVectorSet? Vectors, int Dim, ClassifierRunSettings Settings);
}
