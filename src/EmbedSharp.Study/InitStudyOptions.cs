using EmbedSharp.Initialization;

namespace EmbedSharp.Study;

/// <summary>How big a study is: <see cref="Quick"/> is what <c>embedsharp demo</c> runs (a few minutes on two cores).</summary>
public enum StudyPreset
{
    /// <summary>2 seeds, fewer e-mails, a smaller table: separates the schemes in a few minutes.</summary>
    Quick,

    /// <summary>3 seeds, the whole corpus, the full dimension and epoch budget.</summary>
    Full,
}

/// <summary>How the classifier's output layer W (labels, D) starts; the same in every run of a study. A named choice
/// (recorded by name in results.json and the report) rather than a scheme: "torch" means whatever <c>nn.Linear</c>'s
/// <c>reset_parameters</c> draws, which for the study's bias-free layer is the <see cref="InitSpec"/> of
/// <see cref="OutputLayerInits.Weight"/>.</summary>
public enum OutputLayerInit
{
    /// <summary>PyTorch's <c>nn.Linear</c> default, kaiming_uniform_(a=√5) = U(−1/√D, 1/√D), drawn from the seed's stream.</summary>
    Torch,

    /// <summary>Zeros, as fastText: a zero or constant table then gets no input-dependent signal at all.</summary>
    Zeros,
}

/// <summary>The scheme of each <see cref="OutputLayerInit"/>.</summary>
public static class OutputLayerInits
{
    /// <summary>The fill of the output weight W (labels, D): <see cref="OutputLayerInit.Torch"/> is
    /// <c>kaiming-uniform(a=√5)</c> (torch: <c>kaiming_uniform_(W, a=math.sqrt(5))</c>, the weight half of
    /// <c>nn.Linear.reset_parameters</c>; the study's layer has no bias), <see cref="OutputLayerInit.Zeros"/> is <c>zeros</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An undefined value.</exception>
    public static InitSpec Weight(this OutputLayerInit init) => init switch
    {
        OutputLayerInit.Torch => TorchWeight,
        OutputLayerInit.Zeros => InitSpec.Zeros,
        _ => throw new ArgumentOutOfRangeException(nameof(init), init, "Unknown output-layer initialisation."),
    };

    private static readonly InitSpec TorchWeight = InitSpec.KaimingUniform(a: Math.Sqrt(5));
}

/// <summary>
/// Options of the initialisation study: which schemes, which seeds, the training budget and where results go.
/// Every run trains the same fastText-style classifier (EmbeddingBag mean → Linear, softmax cross-entropy, SGD with a
/// linearly decaying learning rate); only the embedding table's initialisation differs between schemes.
/// </summary>
public sealed record InitStudyOptions
{
    /// <summary>The schemes compared (default: all fourteen).</summary>
    public IReadOnlyList<EmbeddingInit> Schemes { get; init; } = EmbeddingInit.All;

    /// <summary>The seeds; each seed fixes the data split, the data order, the output layer and the scheme's draws.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [0, 1, 2];

    /// <summary>Epochs per run (the same budget for every scheme).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Embedding dimension D (also the pretrained vectors' dimension when they are trained here).</summary>
    public int Dim { get; init; } = 50;

    /// <summary>Initial learning rate (decays linearly to 0 over the run).</summary>
    public double LearningRate { get; init; } = 0.2;

    /// <summary>How the output layer starts (default PyTorch's <c>nn.Linear</c> init).</summary>
    public OutputLayerInit OutputInit { get; init; } = OutputLayerInit.Torch;

    /// <summary>Training loss is recorded as the mean over this many steps (one step = one example).</summary>
    public int LogEvery { get; init; } = 200;

    /// <summary>Minimal count of a word in the training mails to enter the vocabulary.</summary>
    public int MinCount { get; init; } = 2;

    /// <summary>At most this many tokens are kept per e-mail (the rest is cut), 0 = all.</summary>
    public int MaxTokensPerDocument { get; init; } = 400;

    /// <summary>Use at most this many e-mails of the corpus (a stratified subset, the same for every seed), 0 = all.</summary>
    public int MaxDocuments { get; init; }

    /// <summary>Fraction of the e-mails held out as the test set (stratified by label).</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>The training loss a run must reach for "steps to target" in the ranking.</summary>
    public double TargetLoss { get; init; } = 0.2;

    /// <summary>Pretrained vectors file (any format <see cref="FastText.VectorFile"/> reads); null trains skip-gram
    /// vectors on the SOTU addresses and caches them under <see cref="OutputDirectory"/>/cache.</summary>
    public string? VectorsPath { get; init; }

    /// <summary>Epochs of the skip-gram training on SOTU (when <see cref="VectorsPath"/> is null).</summary>
    public int VectorEpochs { get; init; } = 5;

    /// <summary>Where <c>runs/</c>, <c>results.json</c>, <c>results.csv</c> and <c>report.html</c> go.</summary>
    public string OutputDirectory { get; init; } = "study-init";

    /// <summary>Which preset these options came from (recorded in the results).</summary>
    public StudyPreset Preset { get; init; } = StudyPreset.Full;

    /// <summary>The quick preset: 2 seeds, 2,000 e-mails, D = 32, 300 tokens per e-mail, 6 epochs, loss logged every 200
    /// steps, SOTU vectors trained for 1 epoch.</summary>
    public static InitStudyOptions Quick(string outputDirectory = "study-init") => new()
    {
        Preset = StudyPreset.Quick,
        Seeds = [0, 1],
        Epochs = 6,
        Dim = 32,
        MaxDocuments = 2000,
        MaxTokensPerDocument = 300,
        LogEvery = 200,
        VectorEpochs = 1,
        OutputDirectory = outputDirectory,
    };

    /// <summary>The full preset: 3 seeds, all 6,046 e-mails, D = 50, 10 epochs.</summary>
    public static InitStudyOptions Full(string outputDirectory = "study-init") => new() { OutputDirectory = outputDirectory };

    /// <summary>The most seeds a study runs (each seed trains every scheme once).</summary>
    public const int MaxSeeds = 1000;

    /// <summary>The most epochs of a run (and of the SOTU vectors' training).</summary>
    public const int MaxEpochs = 10_000;

    /// <summary>The largest embedding dimension the study trains (the classifier's table is vocabulary × D).</summary>
    public const int MaxDim = 10_000;

    /// <summary>The largest initial learning rate (far above any that trains: fastText's supervised default is 0.1).</summary>
    public const double MaxLearningRate = 100;

    /// <summary>Checks every value; throws before any work starts.</summary>
    /// <exception cref="ArgumentException">A value out of range, naming the option and the value.</exception>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException(message);
            }
        }

        Require(Schemes is { Count: > 0 }, "The study needs at least one scheme.");
        Require(Seeds is { Count: > 0 }, "The study needs at least one seed.");
        Require(Seeds.Distinct().Count() == Seeds.Count, $"Seeds must be distinct; got {string.Join(", ", Seeds)}.");
        Require(Seeds.All(s => s >= 0), $"Seeds must be non-negative; got {string.Join(", ", Seeds)}.");
        Require(Seeds.Count <= MaxSeeds, $"The study runs at most {MaxSeeds} seeds; got {Seeds.Count}.");
        Require(Epochs is >= 1 and <= MaxEpochs, $"Epochs must be between 1 and {MaxEpochs}; got {Epochs}.");
        Require(Dim is >= 1 and <= MaxDim, $"Dim must be between 1 and {MaxDim}; got {Dim}.");
        Require(LearningRate > 0 && LearningRate <= MaxLearningRate, $"The learning rate must be positive and at most {MaxLearningRate}; got {LearningRate}.");
        Require(LogEvery >= 1, $"LogEvery must be at least 1; got {LogEvery}.");
        Require(MinCount >= 1, $"MinCount must be at least 1; got {MinCount}.");
        Require(MaxTokensPerDocument >= 0, $"MaxTokensPerDocument must be 0 (all) or positive; got {MaxTokensPerDocument}.");
        Require(MaxDocuments >= 0, $"MaxDocuments must be 0 (all) or positive; got {MaxDocuments}.");
        Require(TestFraction > 0 && TestFraction < 1, $"TestFraction must lie in (0, 1); got {TestFraction}.");
        Require(TargetLoss > 0 && double.IsFinite(TargetLoss), $"TargetLoss must be positive; got {TargetLoss}.");
        Require(VectorEpochs is >= 1 and <= MaxEpochs, $"VectorEpochs must be between 1 and {MaxEpochs}; got {VectorEpochs}.");
        Require(!string.IsNullOrWhiteSpace(OutputDirectory), "The output directory is empty.");
    }
}
