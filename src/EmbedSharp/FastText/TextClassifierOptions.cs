namespace EmbedSharp.FastText;

/// <summary>The optimiser of <see cref="ClassifierTrainer"/>.</summary>
public enum ClassifierOptimizer
{
    /// <summary>Plain SGD on both layers (fastText's update: w -= lr·g, sparse rows for the embedding table).</summary>
    Sgd,

    /// <summary><c>SparseAdam</c> on the embedding table (only the example's rows move) and <c>Adam</c> on the output
    /// layer, the usual PyTorch recipe for a sparse embedding.</summary>
    Adam,
}

/// <summary>
/// Hyper-parameters of the fastText-style classifier, named and defaulted as <c>fasttext supervised</c> (-dim 100,
/// -epoch 5, -lr 0.1, -wordNgrams 1, -bucket 2000000, -minCount 1, linear learning-rate decay to 0).
/// </summary>
public sealed record TextClassifierOptions
{
    /// <summary>Embedding size (fastText <c>-dim</c>).</summary>
    public int Dim { get; init; } = 100;

    /// <summary>Passes over the training set (fastText <c>-epoch</c>).</summary>
    public int Epoch { get; init; } = 5;

    /// <summary>Initial learning rate, decayed linearly to 0 over all steps (fastText <c>-lr</c>).</summary>
    public double Lr { get; init; } = 0.1;

    /// <summary>Longest word n-gram (fastText <c>-wordNgrams</c>); 1 means words only.</summary>
    public int WordNgrams { get; init; } = 1;

    /// <summary>Number of hash buckets for word n-grams (fastText <c>-bucket</c>); ignored when <see cref="WordNgrams"/> is 1
    /// (see <see cref="EffectiveBucket"/>).</summary>
    public int Bucket { get; init; } = 2_000_000;

    /// <summary>Minimal number of occurrences of a word in the training set (fastText <c>-minCount</c>).</summary>
    public int MinCount { get; init; } = 1;

    /// <summary>The optimiser.</summary>
    public ClassifierOptimizer Optimizer { get; init; } = ClassifierOptimizer.Sgd;

    /// <summary>Seed of the generator the CLI creates for initialisation and shuffling (the library takes a
    /// <see cref="Randomness.Generator"/> explicitly).</summary>
    public ulong Seed { get; init; }

    /// <summary>Steps between two <see cref="TrainingStep"/> reports (fastText's <c>-lrUpdateRate</c> is 100).</summary>
    public int LogEvery { get; init; } = 100;

    /// <summary>The bucket count actually used: 0 when <see cref="WordNgrams"/> ≤ 1, as fastText does
    /// (<c>if (wordNgrams &lt;= 1 &amp;&amp; maxn == 0) bucket = 0</c>), else <see cref="Bucket"/>.</summary>
    public int EffectiveBucket => WordNgrams <= 1 ? 0 : Bucket;

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names it and its value.</exception>
    public void Validate()
    {
        Check(Dim >= 1, nameof(Dim), Dim, "≥ 1");
        Check(Epoch >= 1, nameof(Epoch), Epoch, "≥ 1");
        Check(Lr >= 0 && double.IsFinite(Lr), nameof(Lr), Lr, "finite and ≥ 0");
        Check(WordNgrams >= 1, nameof(WordNgrams), WordNgrams, "≥ 1");
        Check(Bucket >= 0 && (WordNgrams <= 1 || Bucket >= 1), nameof(Bucket), Bucket, "≥ 1 when WordNgrams > 1");
        Check(MinCount >= 1, nameof(MinCount), MinCount, "≥ 1");
        Check(Enum.IsDefined(Optimizer), nameof(Optimizer), Optimizer, "Sgd or Adam");
        Check(LogEvery >= 1, nameof(LogEvery), LogEvery, "≥ 1");
    }

    private static void Check(bool ok, string name, object value, string rule)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be {rule}; got {value}.");
        }
    }
}
