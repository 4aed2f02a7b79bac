namespace EmbedSharp.FastText;

/// <summary>The stored side of <see cref="FastTextOptions"/>: the thirteen values a <c>.bin</c> keeps (fastText's
/// <c>Args::save</c>: dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate, t) and
/// the checks the reader and <see cref="FastTextModel"/> rely on.</summary>
public sealed partial record FastTextOptions
{
    /// <summary>Checks the values a reader of a <c>.bin</c> relies on (the stored ones).</summary>
    /// <returns>Null when valid, otherwise what is wrong in one sentence.</returns>
    internal string? BinProblem()
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
