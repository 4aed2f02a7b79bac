using System.Text.Json.Serialization;

namespace EmbedSharp.Study;

/// <summary>Training loss logged during a run: the mean cross-entropy of the last <c>LogEvery</c> steps.</summary>
/// <param name="Step">Steps (examples) seen so far, counted from 1.</param>
/// <param name="Epoch">Progress in epochs (fractional).</param>
/// <param name="Loss">Mean training loss over the logged window (nats).</param>
/// <param name="LearningRate">The learning rate at this step.</param>
/// <param name="EmbeddingGradNorm">L2 norm of the embedding table's gradient at this step (0 when frozen).</param>
/// <param name="ElapsedSeconds">Wall time since the run started.</param>
public sealed record StepRecord(long Step, double Epoch, double Loss, double LearningRate, double EmbeddingGradNorm, double ElapsedSeconds);

/// <summary>The state after one epoch: training loss of the epoch, and accuracy and loss on the test set.</summary>
/// <param name="Epoch">Epoch number, from 1.</param>
/// <param name="Step">Steps seen at the end of the epoch.</param>
/// <param name="TrainLoss">Mean training loss over the epoch (nats).</param>
/// <param name="TestAccuracy">Fraction of test examples whose top prediction is the label (0–1).</param>
/// <param name="TestLoss">Mean cross-entropy on the test set (nats).</param>
/// <param name="ElapsedSeconds">Wall time since the run started (training and evaluation).</param>
public sealed record EpochRecord(int Epoch, long Step, double TrainLoss, double TestAccuracy, double TestLoss, double ElapsedSeconds);

/// <summary>Summary statistics of an embedding table (V, D).</summary>
/// <param name="Mean">Mean of all entries.</param>
/// <param name="Std">Standard deviation of all entries (population).</param>
/// <param name="MeanRowNorm">Mean L2 norm of a row.</param>
/// <param name="DistinctRows">Number of distinct rows (counted up to 1000: a table with 1 distinct row is fully symmetric).</param>
public sealed record TableStats(double Mean, double Std, double MeanRowNorm, int DistinctRows);

/// <summary>
/// The result of one (scheme, seed) run, written atomically to <c>runs/&lt;scheme&gt;-s&lt;seed&gt;.json</c> when the run
/// completes. <see cref="Fingerprint"/> names the configuration (data, model, budget): a resumed study reuses a run file
/// only when its fingerprint matches.
/// </summary>
public sealed record RunResult
{
    /// <summary>The scheme's <see cref="EmbeddingInit.Name"/>.</summary>
    public required string Scheme { get; init; }

    /// <summary>The seed.</summary>
    public required int Seed { get; init; }

    /// <summary>The configuration this run was trained under (data, model and budget; see the study runner).</summary>
    public required string Fingerprint { get; init; }

    /// <summary>Training examples.</summary>
    public int TrainCount { get; init; }

    /// <summary>Test examples.</summary>
    public int TestCount { get; init; }

    /// <summary>Rows of the embedding table (vocabulary size V).</summary>
    public int VocabularySize { get; init; }

    /// <summary>Embedding dimension D.</summary>
    public int Dim { get; init; }

    /// <summary>Whether the embedding table was trained (false for the frozen pretrained scheme).</summary>
    public bool EmbeddingTrained { get; init; } = true;

    /// <summary>The table right after initialisation.</summary>
    public required TableStats InitialTable { get; init; }

    /// <summary>The table after the last epoch.</summary>
    public required TableStats FinalTable { get; init; }

    /// <summary>Logged training losses, in step order.</summary>
    public required IReadOnlyList<StepRecord> Steps { get; init; }

    /// <summary>One record per epoch.</summary>
    public required IReadOnlyList<EpochRecord> Epochs { get; init; }

    /// <summary>Wall time of the whole run (initialisation, training, evaluation), seconds.</summary>
    public required double WallSeconds { get; init; }

    /// <summary>For pretrained schemes: the fraction of vocabulary words found in the vectors; otherwise null.</summary>
    public double? PretrainedCoverage { get; init; }

    /// <summary>True when a logged loss or the test loss became NaN or infinite.</summary>
    [JsonIgnore]
    public bool Diverged =>
        Steps.Any(s => !double.IsFinite(s.Loss)) || Epochs.Any(e => !double.IsFinite(e.TestLoss) || !double.IsFinite(e.TrainLoss));

    /// <summary>Test accuracy after the last epoch (NaN when there is no epoch).</summary>
    [JsonIgnore]
    public double FinalAccuracy => Epochs.Count > 0 ? Epochs[^1].TestAccuracy : double.NaN;

    /// <summary>The first logged step whose training loss is at or below <paramref name="target"/>, or null if none.</summary>
    public long? StepsToReach(double target)
    {
        foreach (var s in Steps)
        {
            if (s.Loss <= target)
            {
                return s.Step;
            }
        }

        return null;
    }

    /// <summary>The file name of the run: <c>&lt;scheme&gt;-s&lt;seed&gt;.json</c>.</summary>
    public static string FileName(string scheme, int seed) => FormattableString.Invariant($"{scheme}-s{seed}.json");
}
