namespace EmbedSharp.Nn.Functional;

/// <summary>How a loss combines its per-element values. torch: the <c>reduction</c> argument ('none' | 'mean' | 'sum').</summary>
public enum Reduction
{
    /// <summary>No reduction: one loss value per element (per sample for cross-entropy).</summary>
    None,

    /// <summary>The mean of the per-element values (cross-entropy: over the samples not ignored).</summary>
    Mean,

    /// <summary>The sum of the per-element values.</summary>
    Sum,
}
