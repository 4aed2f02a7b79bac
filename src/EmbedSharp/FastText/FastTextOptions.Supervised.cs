namespace EmbedSharp.FastText;

/// <summary>The supervised side of <see cref="FastTextOptions"/>: fastText's <c>supervised</c> defaults and the checks and
/// bucket rule of the classifier (<see cref="ClassifierTrainer"/>, <see cref="ClassificationDataset"/>).</summary>
public sealed partial record FastTextOptions
{
    /// <summary>fastText's defaults for <c>fasttext supervised</c>: model sup, loss softmax, lr 0.1, minCount 1, minn 0,
    /// maxn 0 (no character n-grams), the rest as <see cref="Unsupervised"/> (dim 100, epoch 5, wordNgrams 1, bucket
    /// 2,000,000, none used with wordNgrams 1); the classifier's own settings at their defaults (SGD, a report every 100
    /// steps).</summary>
    public static FastTextOptions Supervised() => new()
    {
        Model = FastTextModelKind.Supervised,
        Loss = FastTextLoss.Softmax,
        Lr = 0.1,
        MinCount = 1,
        Minn = 0,
        Maxn = 0,
    };

    /// <summary>The bucket count the classifier uses: 0 when there are neither word n-grams nor character n-grams, as
    /// fastText does (<c>if (wordNgrams &lt;= 1 &amp;&amp; maxn == 0) bucket = 0</c>), else <see cref="Bucket"/>. The
    /// word-vector trainer uses <see cref="Bucket"/> as given.</summary>
    internal int EffectiveBucket => WordNgrams <= 1 && Maxn == 0 ? 0 : Bucket;

    /// <summary>The classifier's rules (<see cref="ClassifierTrainer"/>, <see cref="ClassificationDataset"/>): the model
    /// must be <see cref="FastTextModelKind.Supervised"/> with softmax and no character n-grams.</summary>
    internal void ValidateSupervised()
    {
        CheckSupervised(Model == FastTextModelKind.Supervised, nameof(Model), Model, "Supervised for the classifier (start from FastTextOptions.Supervised())");
        CheckSupervised(Loss == FastTextLoss.Softmax, nameof(Loss), Loss, "Softmax, the classifier's only loss");
        CheckSupervised(Maxn == 0, nameof(Maxn), Maxn, "0: the classifier has no character n-grams");
        Range(nameof(Dim), Dim, 1, FastTextLimits.MaxDim);
        Range(nameof(Epoch), Epoch, 1, FastTextLimits.MaxEpoch);
        Range(nameof(Lr), Lr, FastTextLimits.MaxLr, allowZero: true);
        Range(nameof(WordNgrams), WordNgrams, 1, FastTextLimits.MaxWordNgrams);
        Range(nameof(Bucket), Bucket, WordNgrams <= 1 ? 0 : 1, FastTextLimits.MaxBucket);
        Range(nameof(MinCount), MinCount, 1, int.MaxValue);
        CheckSupervised(Enum.IsDefined(Optimizer), nameof(Optimizer), Optimizer, "Sgd or Adam");
        CheckSupervised(LogEvery >= 1, nameof(LogEvery), LogEvery, "at least 1");
    }

    private static void CheckSupervised(bool ok, string name, object value, string rule)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, $"{name} must be {rule} (was {value}).");
        }
    }
}
