using EmbedSharp.Initialization;

namespace EmbedSharp.FastText;

/// <summary>
/// Hyper-parameters of <see cref="WordVectorTrainer"/>. Names and defaults are fastText 0.9.2's (<c>Args</c>):
/// <c>-model -loss -dim -epoch -lr -ws -neg -minCount -minn -maxn -bucket -t -lrUpdateRate -thread -seed -wordNgrams</c>.
/// Validated by <see cref="Validate"/> before any work.
/// </summary>
public sealed record WordVectorTrainingOptions
{
    /// <summary>Skip-gram or CBOW. fastText: the command name. Default skip-gram.</summary>
    public WordVectorModelKind Model { get; init; } = WordVectorModelKind.SkipGram;

    /// <summary>Output layer: negative sampling, hierarchical softmax or full softmax. fastText: -loss ns|hs|softmax, default ns.</summary>
    public WordVectorLoss Loss { get; init; } = WordVectorLoss.NegativeSampling;

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

    /// <summary>How the input matrix (nwords + Bucket, Dim) starts; the output matrix always starts at zero, as in fastText.
    /// Default <see cref="InitSpec.FastText"/>: fastText 0.9.2's <c>DenseMatrix::uniform(1/dim, thread, seed)</c> bit for bit
    /// (U(−1/dim, 1/dim) from <c>std::minstd_rand(b + Seed)</c> in the first <see cref="Thread"/> of 10 blocks of the
    /// flattened matrix, zero after: with the default 2M buckets most n-gram rows start at zero). Any other spec is applied
    /// to the whole matrix from a PyTorch-compatible <see cref="Randomness.Generator"/> seeded with (uint)Seed, e.g.
    /// <c>InitSpec.Uniform(-1.0 / Dim, 1.0 / Dim)</c> to draw every row. Checkpoints do not keep it: it only matters before
    /// the first step.</summary>
    public InitSpec Init { get; init; } = InitSpec.FastText;

    /// <summary>Word n-gram length; unsupervised training ignores it (as fastText). fastText: -wordNgrams, default 1.</summary>
    public int WordNgrams { get; init; } = 1;

    /// <summary>While counting, once the vocabulary exceeds 0.75 × this size, the smallest counts are pruned
    /// (fastText's <c>MAX_VOCAB_SIZE</c> constant, 30,000,000).</summary>
    public int MaxVocabSize { get; init; } = 30_000_000;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option and its value.</summary>
    public void Validate()
    {
        Check(Enum.IsDefined(Model), nameof(Model), Model, "must be SkipGram or Cbow");
        Check(Init is not null, nameof(Init), "null", "must be an InitSpec (default InitSpec.FastText)");
        Check(Dim > 0, nameof(Dim), Dim, "must be positive");
        Check(Epoch > 0, nameof(Epoch), Epoch, "must be positive");
        Check(Lr > 0 && double.IsFinite(Lr), nameof(Lr), Lr, "must be positive and finite");
        Check(Ws > 0, nameof(Ws), Ws, "must be positive");
        Check(Enum.IsDefined(Loss), nameof(Loss), Loss, "must be NegativeSampling, HierarchicalSoftmax or Softmax");
        Check(Neg > 0 || Loss != WordVectorLoss.NegativeSampling, nameof(Neg), Neg, "must be positive with negative sampling");
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
