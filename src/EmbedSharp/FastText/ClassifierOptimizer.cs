namespace EmbedSharp.FastText;

/// <summary>The optimiser of <see cref="ClassifierTrainer"/> (<see cref="FastTextOptions.Optimizer"/>; fastText has no such
/// choice: it always does SGD).</summary>
public enum ClassifierOptimizer
{
    /// <summary>Plain SGD on both layers (fastText's update: w -= lr·g, sparse rows for the embedding table).</summary>
    Sgd,

    /// <summary><c>SparseAdam</c> on the embedding table (only the example's rows move) and <c>Adam</c> on the output
    /// layer, the usual PyTorch recipe for a sparse embedding.</summary>
    Adam,
}
