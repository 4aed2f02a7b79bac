using System.Globalization;
using EmbedSharp.Initialization;
namespace EmbedSharp.FastText;

/// <summary>
/// fastText's arguments (fastText 0.9.2 <c>Args</c>), the one options type of the folder: what
/// <see cref="WordVectorTrainer"/> trains with, what a <c>.bin</c> stores (<see cref="FastTextModel.Args"/>) and the
/// fastText hyper-parameters of the supervised classifier (<see cref="ClassifierTrainer"/>,
/// <see cref="ClassificationDataset"/>). Names and defaults are fastText's: <c>-model -loss -dim -epoch -lr -ws -neg
/// -minCount -minn -maxn -bucket -t -lrUpdateRate -thread -seed -wordNgrams</c>; <c>new FastTextOptions()</c> is fastText's
/// <c>Args()</c>, i.e. <c>fasttext skipgram</c>. fastText changes some defaults for <c>supervised</c> (lr 0.1, minCount 1,
/// minn 0, maxn 0, loss softmax): start from <see cref="Supervised"/> (or <see cref="Unsupervised"/>) and change values
/// with <c>with { … }</c>. The property docs give the unsupervised meaning and default; the classifier uses Dim, Epoch,
/// Lr, WordNgrams, Bucket and MinCount (and its own Optimizer and LogEvery) and ignores the rest.
/// </summary>
/// <remarks>
/// A <c>.bin</c> stores thirteen of these values (dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn,
/// maxn, lrUpdateRate, t); a model read from one has fastText's defaults for the others, as fastText's
/// <c>loadModel</c>. A few settings are not fastText arguments and are marked so: <see cref="Init"/> and
/// <see cref="MaxVocabSize"/> (word-vector trainer), <see cref="Optimizer"/> and <see cref="LogEvery"/> (classifier); each
/// path ignores the other's. The classifier's seed is not here: it takes a <see cref="Randomness.Generator"/> (a 64-bit
/// seed), not fastText's int <see cref="Seed"/>. Checked by <see cref="Validate"/> before any work.
/// </remarks>
public sealed partial record FastTextOptions
{
    /// <summary>Skip-gram or CBOW for <see cref="WordVectorTrainer"/>, <see cref="FastTextModelKind.Supervised"/> for the
    /// classifier. fastText: the command name (stored as <c>model</c>). Default skip-gram.</summary>
    public FastTextModelKind Model { get; init; } = FastTextModelKind.SkipGram;

    /// <summary>Output layer: negative sampling, hierarchical softmax or full softmax (the trainer rejects
    /// <see cref="FastTextLoss.OneVsAll"/>; the classifier implements softmax only). fastText: -loss ns|hs|softmax|ova,
    /// default ns (<see cref="Supervised"/>: softmax).</summary>
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

    /// <summary>Longest character n-gram; 0 disables subwords (plain word2vec). The classifier has no character
    /// n-grams and requires 0. fastText: -maxn, default 6 (<see cref="Supervised"/>: 0).</summary>
    public int Maxn { get; init; } = 6;

    /// <summary>Number of hash buckets for n-grams (rows after the words in the input matrix). The classifier uses none
    /// when <see cref="WordNgrams"/> is 1, as fastText. fastText: -bucket, default 2,000,000.</summary>
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
    /// the first step. Not a fastText argument.</summary>
    public InitSpec Init { get; init; } = InitSpec.FastText;

    /// <summary>Longest word n-gram the classifier hashes (1: words only); unsupervised training ignores it (as fastText).
    /// fastText: -wordNgrams, default 1.</summary>
    public int WordNgrams { get; init; } = 1;

    /// <summary>While counting, once the vocabulary exceeds 0.75 × this size, the smallest counts are pruned
    /// (fastText's <c>MAX_VOCAB_SIZE</c> constant, 30,000,000; not an argument of fastText's). Word-vector trainer only.</summary>
    public int MaxVocabSize { get; init; } = 30_000_000;

    /// <summary>The classifier's optimiser (not a fastText argument: fastText always does SGD, <see cref="ClassifierOptimizer.Sgd"/>,
    /// the default). Classifier only.</summary>
    public ClassifierOptimizer Optimizer { get; init; } = ClassifierOptimizer.Sgd;

    /// <summary>Steps between two <see cref="TrainingStep"/> reports of the classifier (not a fastText argument; fastText's
    /// <c>-lrUpdateRate</c> is 100). Classifier only.</summary>
    public int LogEvery { get; init; } = 100;

    /// <summary>fastText's defaults for <c>fasttext skipgram</c> or <c>fasttext cbow</c> (its <c>Args()</c>): dim 100,
    /// epoch 5, lr 0.05, ws 5, neg 5, minCount 5, minn 3, maxn 6, bucket 2,000,000, t 1e-4, lrUpdateRate 100, thread 12,
    /// seed 0, loss ns. The same as <c>new FastTextOptions { Model = model }</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="model"/> is not skip-gram or CBOW.</exception>
    public static FastTextOptions Unsupervised(FastTextModelKind model = FastTextModelKind.SkipGram) =>
        model is FastTextModelKind.SkipGram or FastTextModelKind.Cbow
            ? new FastTextOptions { Model = model }
            : throw new ArgumentOutOfRangeException(nameof(model), model, $"An unsupervised model is SkipGram or Cbow, not {model}.");

    /// <summary>Checks every value for the path the options are for: <see cref="FastTextModelKind.Supervised"/> with the
    /// classifier's rules, any other model with <see cref="WordVectorTrainer"/>'s (which trains skip-gram and CBOW with
    /// ns, hs or softmax). The trainers and <see cref="ClassificationDataset"/> call it before any work.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range or not implemented; the message names the
    /// first such option and its value.</exception>
    public void Validate()
    {
        if (Model == FastTextModelKind.Supervised)
        {
            ValidateSupervised();
        }
        else
        {
            ValidateUnsupervised();
        }
    }

    /// <summary><see cref="WordVectorTrainer"/>'s rules (also for a checkpoint's options): the kinds it trains, then
    /// every number within <see cref="FastTextLimits"/>' bounds (docs/training-vectors.md, "Option bounds").</summary>
    internal void ValidateUnsupervised()
    {
        Check(Model is FastTextModelKind.SkipGram or FastTextModelKind.Cbow, nameof(Model), Model, "must be SkipGram or Cbow");
        Check(Init is not null, nameof(Init), "null", "must be an InitSpec (default InitSpec.FastText)");
        Check(Loss is FastTextLoss.NegativeSampling or FastTextLoss.HierarchicalSoftmax or FastTextLoss.Softmax, nameof(Loss), Loss, "must be NegativeSampling, HierarchicalSoftmax or Softmax");
        Range(nameof(Dim), Dim, 1, FastTextLimits.MaxDim);
        Range(nameof(Epoch), Epoch, 1, FastTextLimits.MaxEpoch);
        Range(nameof(Lr), Lr, FastTextLimits.MaxLr, allowZero: false);
        Range(nameof(Ws), Ws, 1, FastTextLimits.MaxWs);
        if (Loss == FastTextLoss.NegativeSampling)
        {
            Range(nameof(Neg), Neg, 1, FastTextLimits.MaxNeg);
        }

        Range(nameof(MinCount), MinCount, 1, int.MaxValue);
        Range(nameof(Minn), Minn, 0, FastTextLimits.MaxCharNgram);
        Range(nameof(Maxn), Maxn, 0, FastTextLimits.MaxCharNgram);
        Check(Maxn == 0 || Minn <= Maxn, nameof(Minn), Minn, $"must not exceed Maxn = {Maxn}");
        Check(Maxn == 0 || Minn > 0, nameof(Minn), Minn, "must be positive when Maxn > 0");
        Range(nameof(Bucket), Bucket, 0, FastTextLimits.MaxBucket);
        Check(Maxn == 0 || Bucket > 0, nameof(Bucket), Bucket, $"must be positive when Maxn = {Maxn} > 0");
        Range(nameof(T), T, FastTextLimits.MaxT, allowZero: false);
        Range(nameof(LrUpdateRate), LrUpdateRate, 1, FastTextLimits.MaxLrUpdateRate);
        Range(nameof(Thread), Thread, 1, FastTextLimits.MaxThread);
        Range(nameof(WordNgrams), WordNgrams, 1, FastTextLimits.MaxWordNgrams);
        Range(nameof(MaxVocabSize), MaxVocabSize, 1, int.MaxValue);
    }

    /// <summary>Refuses an integer option outside [<paramref name="min"/>, <paramref name="max"/>] with
    /// "<c>Name must be between min and max (was value).</c>" (the CLI swaps the name for its own spelling).</summary>
    internal static void Range(string name, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            var range = max == int.MaxValue
                ? string.Create(CultureInfo.InvariantCulture, $"at least {min}")
                : string.Create(CultureInfo.InvariantCulture, $"between {min} and {max:#,0}");
            throw new ArgumentOutOfRangeException(name, string.Create(CultureInfo.InvariantCulture, $"{name} must be {range} (was {value})."));
        }
    }

    /// <summary>Refuses a real option that is not finite or not in (0, <paramref name="max"/>] ([0, max] with
    /// <paramref name="allowZero"/>).</summary>
    internal static void Range(string name, double value, double max, bool allowZero)
    {
        if (!double.IsFinite(value) || value > max || value < 0 || (value == 0 && !allowZero))
        {
            var low = allowZero ? "between 0 and" : "above 0 and at most";
            throw new ArgumentOutOfRangeException(name, string.Create(CultureInfo.InvariantCulture, $"{name} must be {low} {max} (was {value})."));
        }
    }

    private static void Check<TValue>(bool ok, string name, TValue value, string rule)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, string.Create(CultureInfo.InvariantCulture, $"{name} = {value} {rule}."));
        }
    }
}
