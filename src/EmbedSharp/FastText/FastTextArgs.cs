namespace EmbedSharp.FastText;

/// <summary>
/// The training arguments a fastText <c>.bin</c> stores, in the order and with the types of fastText's
/// <c>Args::save</c> (args.cc): twelve int32 then the float64 <c>t</c>. Names are fastText's.
/// </summary>
/// <param name="Dim">Vector dimension (<c>-dim</c>).</param>
/// <param name="Ws">Context window size (<c>-ws</c>).</param>
/// <param name="Epoch">Number of epochs (<c>-epoch</c>).</param>
/// <param name="MinCount">Minimal number of word occurrences (<c>-minCount</c>).</param>
/// <param name="Neg">Number of negatives sampled (<c>-neg</c>).</param>
/// <param name="WordNgrams">Max length of word n-grams (<c>-wordNgrams</c>).</param>
/// <param name="Loss">Loss function (<c>-loss</c>).</param>
/// <param name="Model">Model kind (the command).</param>
/// <param name="Bucket">Number of hash buckets for character and word n-grams (<c>-bucket</c>).</param>
/// <param name="Minn">Min length of character n-grams (<c>-minn</c>).</param>
/// <param name="Maxn">Max length of character n-grams (<c>-maxn</c>); 0 disables subwords.</param>
/// <param name="LrUpdateRate">Learning-rate update rate (<c>-lrUpdateRate</c>).</param>
/// <param name="T">Sampling threshold (<c>-t</c>).</param>
public sealed record FastTextArgs(
    int Dim,
    int Ws,
    int Epoch,
    int MinCount,
    int Neg,
    int WordNgrams,
    FastTextLoss Loss,
    FastTextModelKind Model,
    int Bucket,
    int Minn,
    int Maxn,
    int LrUpdateRate,
    double T)
{
    /// <summary>fastText 0.9.2's defaults for an unsupervised model of the given kind and dimension (minCount 5,
    /// minn 3, maxn 6, bucket 2 000 000, ns loss, t 1e-4).</summary>
    public static FastTextArgs Unsupervised(FastTextModelKind model, int dim) =>
        new(dim, 5, 5, 5, 5, 1, FastTextLoss.NegativeSampling, model, 2_000_000, 3, 6, 100, 1e-4);

    /// <summary>Checks the values a reader of the model relies on.</summary>
    /// <returns>Null when valid, otherwise what is wrong in one sentence.</returns>
    internal string? Problem()
    {
        if (Dim <= 0)
        {
            return $"dim is {Dim}; it must be positive.";
        }

        if (!Enum.IsDefined(Loss))
        {
            return $"loss is {(int)Loss}; fastText knows 1 (hs), 2 (ns), 3 (softmax), 4 (one-vs-all).";
        }

        if (!Enum.IsDefined(Model))
        {
            return $"model is {(int)Model}; fastText knows 1 (cbow), 2 (sg), 3 (sup).";
        }

        if (Bucket < 0 || Minn < 0 || Maxn < 0)
        {
            return $"bucket {Bucket}, minn {Minn}, maxn {Maxn}: none may be negative.";
        }

        if (Maxn > 0 && Maxn >= Minn && Bucket == 0)
        {
            return $"maxn is {Maxn} but bucket is 0: character n-grams would have no rows (fastText divides by zero).";
        }

        return null;
    }
}
