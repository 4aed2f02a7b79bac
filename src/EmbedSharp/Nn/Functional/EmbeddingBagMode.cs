namespace EmbedSharp.Nn.Functional;

/// <summary>How <see cref="EmbeddingBag"/> reduces the rows of one bag. torch: <c>mode='sum'|'mean'|'max'</c>.</summary>
public enum EmbeddingBagMode
{
    /// <summary>Sum of the bag's rows (optionally weighted by per-sample weights).</summary>
    Sum,

    /// <summary>Sum divided by the number of non-padding entries (at least 1). PyTorch's default.</summary>
    Mean,

    /// <summary>Element-wise maximum over the bag's rows.</summary>
    Max,
}
