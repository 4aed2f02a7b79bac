namespace EmbedSharp.FastText;

/// <summary>
/// A progress report of <see cref="WordVectorTrainer"/> (the figures of fastText's progress line).
/// </summary>
/// <param name="Progress">Fraction of the Epoch × tokens budget done, in [0, 1].</param>
/// <param name="ProcessedTokens">In-vocabulary tokens processed so far by all workers.</param>
/// <param name="WordsPerSecondPerThread">Processed tokens per second of training, divided by the number of workers.</param>
/// <param name="LearningRate">The current learning rate, Lr × (1 − Progress).</param>
/// <param name="Loss">Average negative-sampling loss per update since the previous report (NaN before the first update).</param>
/// <param name="Elapsed">Training time so far (the dictionary pass excluded).</param>
/// <param name="Eta">Estimated time to the end of training.</param>
public readonly record struct TrainingProgress(
    double Progress, long ProcessedTokens, double WordsPerSecondPerThread, double LearningRate, double Loss, TimeSpan Elapsed, TimeSpan Eta);
