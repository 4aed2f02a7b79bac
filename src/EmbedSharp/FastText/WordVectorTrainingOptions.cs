namespace EmbedSharp.FastText;

/// <summary>
/// Hyper-parameters of <see cref="WordVectorTrainer"/>. Names and defaults are fastText 0.9.2's (<c>Args</c>):
/// <c>-model -loss -dim -epoch -lr -ws -neg -minCount -minn -maxn -bucket -t -lrUpdateRate -thread -seed -wordNgrams</c>.
/// Validated by <see cref="Validate"/> before any work.
/// </summary>
public sealed record WordVectorTrainingOptions
{
    /// <summary>Skip-gram or CBOW (the trainer rejects <see cref="FastTextModelKind.Supervised"/>). fastText: the command
    /// name. Default skip-gram.</summary>
    public FastTextModelKind Model { get; init; } = FastTextModelKind.SkipGram;

    /// <summary>Output layer: negative sampling, hierarchical softmax or full softmax (the trainer rejects
    /// <see cref="FastTextLoss.OneVsAll"/>). fastText: -loss ns|hs|softmax, default ns.</summary>
    public FastTextLoss Loss { get; init; } = FastTextLoss.NegativeSampling;

    /// <summary>Vector dimension. fastText: -dim, default 100.</summary>
    public int Dim { get; init; } = 100;

    /// <summary>Passes over the corpus. fastText: -epoch, default 5.</summary>
    public int Epoch { get; init; } = 5;

    /// <summary>Initial learning rate, decayed linearly to 0 over Epoch × tokens. fastText: -lr, default 0.05.</summary>
    public double Lr { get; init; } = 0.05;

    /// <summary>Maximum context window; each position draws its window uniformly from [1, Ws]. fastText: -ws, default 5.</summary>
    public int Ws { get; init; } = 5;

    /// <summary>Negatives sampled per positive target. fastText: -neg, default 5.</summary>
    public int Neg { get; init; } = 5;

    /// <summary>Words seen fewer times are dropped from the vocabulary. fastText: -minCount, default 5.</summary>
    public int MinCount { get; init; } = 5;

    /// <summary>Shortest character n-gram (in UTF-8 characters). fastText: -minn, default 3.</summary>
    public int Minn { get; init; } = 3;

    /// <summary>Longest character n-gram; 0 disables subwords (plain word2vec). fastText: -maxn, default 6.</summary>
    public int Maxn { get; init; } = 6;

    /// <summary>Number of hash buckets for n-grams (rows after the words in the input matrix). fastText: -bucket, default 2,000,000.</summary>
    public int Bucket { get; init; } = 2_000_000;

    /// <summary>Subsampling threshold: word w is kept with probability sqrt(T/f) + T/f, f its frequency. fastText: -t, default 1e-4.</summary>
    public double T { get; init; } = 1e-4;

    /// <summary>Tokens a worker processes between updates of the shared token count that drives the learning rate.
    /// fastText: -lrUpdateRate, default 100.</summary>
    public int LrUpdateRate { get; init; } = 100;

    /// <summary>Hogwild worker threads; 1 with a fixed <see cref="Seed"/> gives the same bits every run. fastText: -thread, default 12.</summary>
    public int Thread { get; init; } = 12;

    /// <summary>Seed of the input-matrix initialisation and of the workers' random streams. fastText: -seed, default 0.</summary>
    public int Seed { get; init; }

    /// <summary>How the input matrix starts. Default <see cref="WordVectorInit.FastText"/>: fastText 0.9.2's values bit for
    /// bit (which depend on <see cref="Thread"/> and leave most n-gram rows at zero); <see cref="WordVectorInit.Uniform"/>
    /// draws every row. Checkpoints do not keep it: it only matters before the first step.</summary>
    public WordVectorInit Init { get; init; } = WordVectorInit.FastText;

    /// <summary>Word n-gram length; unsupervised training ignores it (as fastText). fastText: -wordNgrams, default 1.</summary>
    public int WordNgrams { get; init; } = 1;

    /// <summary>While counting, once the vocabulary exceeds 0.75 × this size, the smallest counts are pruned
    /// (fastText's <c>MAX_VOCAB_SIZE</c> constant, 30,000,000).</summary>
    public int MaxVocabSize { get; init; } = 30_000_000;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option and its value.</summary>
    public void Validate()
    {
        Check(Model is FastTextModelKind.SkipGram or FastTextModelKind.Cbow, nameof(Model), Model, "must be SkipGram or Cbow");
        Check(Enum.IsDefined(Init), nameof(Init), Init, "must be FastText or Uniform");
        Check(Dim > 0, nameof(Dim), Dim, "must be positive");
        Check(Epoch > 0, nameof(Epoch), Epoch, "must be positive");
        Check(Lr > 0 && double.IsFinite(Lr), nameof(Lr), Lr, "must be positive and finite");
        Check(Ws > 0, nameof(Ws), Ws, "must be positive");
        Check(Loss is FastTextLoss.NegativeSampling or FastTextLoss.HierarchicalSoftmax or FastTextLoss.Softmax, nameof(Loss), Loss, "must be NegativeSampling, HierarchicalSoftmax or Softmax");
        Check(Neg > 0 || Loss != FastTextLoss.NegativeSampling, nameof(Neg), Neg, "must be positive with negative sampling");
        Check(MinCount > 0, nameof(MinCount), MinCount, "must be positive");
        Check(Minn >= 0, nameof(Minn), Minn, "must be 0 or more");
        Check(Maxn >= 0, nameof(Maxn), Maxn, "must be 0 or more");
        Check(Maxn == 0 || Minn <= Maxn, nameof(Minn), Minn, $"must not exceed Maxn = {Maxn}");
        Check(Maxn == 0 || Minn > 0, nameof(Minn), Minn, "must be positive when Maxn > 0");
        Check(Bucket >= 0, nameof(Bucket), Bucket, "must be 0 or more");
        Check(Maxn == 0 || Bucket > 0, nameof(Bucket), Bucket, $"must be positive when Maxn = {Maxn} > 0");
        Check(T > 0 && double.IsFinite(T), nameof(T), T, "must be positive and finite");
        Check(LrUpdateRate > 0, nameof(LrUpdateRate), LrUpdateRate, "must be positive");
        Check(Thread > 0, nameof(Thread), Thread, "must be positive");
        Check(WordNgrams > 0, nameof(WordNgrams), WordNgrams, "must be positive");
        Check(MaxVocabSize > 0, nameof(MaxVocabSize), MaxVocabSize, "must be positive");
        Check((long)Dim * ((long)Bucket + 1) <= (1L << 40), nameof(Bucket), Bucket, $"× Dim = {Dim} is too large to allocate");
    }

    private static void Check<TValue>(bool ok, string name, TValue value, string rule)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} = {value} {rule}.");
        }
    }
}
