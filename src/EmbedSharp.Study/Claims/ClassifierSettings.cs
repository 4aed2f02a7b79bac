using System.Globalization;

namespace EmbedSharp.Study.Claims;

/// <summary>
/// What every run of the classifier experiments (<see cref="ClassifierExperiments"/>) shares: the seeds, the budget and
/// the hyper-parameters of the fastText-style classifier (EmbeddingBag mean → Linear without bias, softmax
/// cross-entropy, SGD one e-mail per step, learning rate decaying linearly from <see cref="LearningRate"/> to 0).
/// </summary>
public abstract record ClassifierRunSettings
{
    /// <summary>The seeds; seed s fixes the train/test split, the order of the training pool, the output layer, the
    /// random table's draws and the example order, the same for every arm (paired runs).</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [0, 1, 2, 3, 4];

    /// <summary>Embedding dimension D when no pretrained vectors are given; with vectors, the runs use the vectors'
    /// dimension instead (and a caller training SOTU vectors for these experiments trains them with this D).</summary>
    public int Dim { get; init; } = 50;

    /// <summary>E, the epochs of a run on a large training set; a run on n e-mails trains
    /// <see cref="EpochsFor"/>(n) = max(E, ⌈<see cref="MinSteps"/>/n⌉) epochs.</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>The fewest SGD steps (one e-mail each) of a run, so that a small training set gets enough updates:
    /// epochs = max(<see cref="Epochs"/>, ⌈MinSteps/n⌉).</summary>
    public int MinSteps { get; init; } = 2000;

    /// <summary>Initial learning rate (decays linearly to 0 over the run). 1.0, the top of fastText's advice for small
    /// data (0.1–1.0): mean pooling divides each row's gradient by the e-mail's length (about 190 tokens here), and at
    /// the init study's 0.2 the small inits (zeros, normal_(0, 0.02), xavier) and the frozen pretrained table stay at
    /// the majority class for the quick budget (measured: 71 % against 86 % for N(0, 1) at 400 e-mails), which would
    /// compare learning speeds rather than the claims.</summary>
    public double LearningRate { get; init; } = 1.0;

    /// <summary>Minimal count of a word in the training e-mails of a run to enter its vocabulary (1, fastText's
    /// supervised default: with 25 e-mails a higher bound would drop most words).</summary>
    public int MinCount { get; init; } = 1;

    /// <summary>Fraction of the e-mails held out as the test set (stratified by label, per seed).</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>How the output layer starts (default PyTorch's <c>nn.Linear</c> init, the same for every arm of a seed).</summary>
    public OutputLayerInit OutputInit { get; init; } = OutputLayerInit.Torch;

    /// <summary>Test-set evaluations per run for the curve: after epochs ⌈k·epochs/CurvePoints⌉, k = 1 … CurvePoints
    /// (the last one is the final metric).</summary>
    public int CurvePoints { get; init; } = 5;

    /// <summary>Epochs of a run on <paramref name="trainCount"/> e-mails: max(<see cref="Epochs"/>, ⌈<see cref="MinSteps"/>/n⌉).</summary>
    /// <exception cref="ArgumentOutOfRangeException">n &lt; 1.</exception>
    public int EpochsFor(int trainCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trainCount, 1);
        return Math.Max(Epochs, (int)Math.Min(InitStudyOptions.MaxEpochs, ((long)MinSteps + trainCount - 1) / trainCount));
    }

    /// <summary>Checks every value; throws before any work starts.</summary>
    /// <exception cref="ArgumentException">A value out of range, naming the setting and the value.</exception>
    public virtual void Validate()
    {
        Require(Seeds is { Count: > 0 }, "The experiment needs at least one seed.");
        Require(Seeds.Distinct().Count() == Seeds.Count, $"Seeds must be distinct; got {string.Join(", ", Seeds)}.");
        Require(Seeds.All(s => s is >= 0 and <= 1_000_000), $"Seeds must lie in [0, 1000000]; got {string.Join(", ", Seeds)}.");
        Require(Dim is >= 1 and <= InitStudyOptions.MaxDim, $"Dim must be between 1 and {InitStudyOptions.MaxDim}; got {Dim}.");
        Require(Epochs is >= 1 and <= InitStudyOptions.MaxEpochs, $"Epochs must be between 1 and {InitStudyOptions.MaxEpochs}; got {Epochs}.");
        Require(MinSteps is >= 0 and <= 100_000_000, $"MinSteps must be between 0 and 100000000; got {MinSteps}.");
        Require(LearningRate > 0 && LearningRate <= InitStudyOptions.MaxLearningRate, $"The learning rate must be positive and at most {InitStudyOptions.MaxLearningRate}; got {LearningRate}.");
        Require(MinCount >= 1, $"MinCount must be at least 1; got {MinCount}.");
        Require(TestFraction > 0 && TestFraction < 1, $"TestFraction must lie in (0, 1); got {TestFraction}.");
        Require(Enum.IsDefined(OutputInit), $"Unknown output-layer initialisation {OutputInit}.");
        Require(CurvePoints >= 1, $"CurvePoints must be at least 1; got {CurvePoints}.");
    }

    /// <summary>Every value a run's result depends on, as text, for the fingerprint (not the seeds, sizes or schemes:
    /// a run's file names its arm and seed, so adding a seed or a size keeps the runs already made).</summary>
    internal virtual string Canonical() => string.Create(CultureInfo.InvariantCulture,
        $"dim={Dim} epochs={Epochs} minsteps={MinSteps} lr={LearningRate:R} min={MinCount} test={TestFraction:R} output={OutputInit} points={CurvePoints}");

    /// <summary>Throws <see cref="ArgumentException"/> with <paramref name="message"/> unless <paramref name="ok"/>.</summary>
    protected static void Require(bool ok, string message)
    {
        if (!ok)
        {
            throw new ArgumentException(message);
        }
    }
}

/// <summary>
/// Settings of the learning curve (claim 4, <see cref="ClassifierExperiments.LearningCurve"/>): the training-set sizes
/// and the shared run settings.
/// </summary>
public sealed record ClassifierCurveSettings : ClassifierRunSettings
{
    /// <summary>Training-set sizes n (labelled e-mails); 0 = the whole training part of the split. A size larger than
    /// the training part becomes the whole of it; duplicates are kept once; shown in ascending order.</summary>
    public IReadOnlyList<int> Sizes { get; init; } = [25, 50, 100, 200, 400, 800, 1600, 0];

    /// <summary>The quick preset (what <c>embedsharp demo</c> runs): 3 seeds, n = 25 … 800 and all, D = the vectors'
    /// (32 for the quick SOTU vectors), E = 4, at least 1,200 steps, 4 evaluations per run.</summary>
    public static ClassifierCurveSettings Quick { get; } = new()
    {
        Seeds = [0, 1, 2],
        Sizes = [25, 50, 100, 200, 400, 800, 0],
        Dim = 32,
        Epochs = 4,
        MinSteps = 1200,
        CurvePoints = 4,
    };

    /// <summary>The full preset: 5 seeds, n = 25 … 1,600 and all, D = 50, E = 5, at least 2,000 steps, 5 evaluations.</summary>
    public static ClassifierCurveSettings Full { get; } = new();

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Require(Sizes is { Count: > 0 }, "The learning curve needs at least one size.");
        Require(Sizes.All(n => n >= 0), $"Sizes must be 0 (all) or positive; got {string.Join(", ", Sizes)}.");
    }
}

/// <summary>
/// Settings of claim 1's contrast (<see cref="ClassifierExperiments.InitContrast"/>): the embedding initialisations
/// compared and the one training-set size, with the shared run settings.
/// </summary>
public sealed record ClassifierContrastSettings : ClassifierRunSettings
{
    /// <summary>The initialisations compared (pretrained ones only when vectors are given).</summary>
    public IReadOnlyList<EmbeddingInit> Schemes { get; init; } =
    [
        EmbeddingInit.Normal, EmbeddingInit.NormalSmall, EmbeddingInit.Uniform, EmbeddingInit.XavierUniform, EmbeddingInit.Zeros,
        EmbeddingInit.PretrainedFinetuned,
    ];

    /// <summary>Training e-mails of every run (a stratified prefix of the seed's shuffled training part, as in the
    /// learning curve); 0 = the whole training part.</summary>
    public int TrainSize { get; init; } = 0;

    /// <summary>A difference in test accuracy (percentage points) below which an initialisation "barely matters" even
    /// when it lies beyond the noise.</summary>
    public double NegligiblePoints { get; init; } = 1.0;

    /// <summary>The quick preset: 3 seeds, 400 training e-mails, D = the vectors' (32), E = 4, at least 1,200 steps.</summary>
    public static ClassifierContrastSettings Quick { get; } = new()
    {
        Seeds = [0, 1, 2],
        TrainSize = 400,
        Dim = 32,
        Epochs = 4,
        MinSteps = 1200,
        CurvePoints = 4,
    };

    /// <summary>The full preset: 5 seeds, the whole training part, D = 50, E = 5.</summary>
    public static ClassifierContrastSettings Full { get; } = new();

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Require(Schemes is { Count: > 0 }, "The contrast needs at least one initialisation.");
        Require(Schemes.Distinct().Count() == Schemes.Count, $"Initialisations must be distinct; got {string.Join(", ", Schemes)}.");
        Require(TrainSize >= 0, $"TrainSize must be 0 (all) or positive; got {TrainSize}.");
        Require(NegligiblePoints >= 0 && double.IsFinite(NegligiblePoints), $"NegligiblePoints must be a non-negative number; got {NegligiblePoints}.");
    }

    /// <inheritdoc />
    internal override string Canonical() => base.Canonical() + string.Create(CultureInfo.InvariantCulture, $" size={TrainSize}");
}
