using EmbedSharp.Nn.Functional;

namespace EmbedSharp.Nn;

/// <summary>
/// Options of <see cref="Embedding"/>, named after the arguments of <c>torch.nn.Embedding</c>.
/// </summary>
public sealed record EmbeddingOptions
{
    /// <summary>Row that is zeroed at initialisation and never receives a gradient (torch: <c>padding_idx</c>).
    /// A negative value counts from the end (−1 is the last row); it must lie in [−num, num).</summary>
    public long? PaddingIdx { get; init; }

    /// <summary>When set, every looked-up row whose <see cref="NormType"/>-norm exceeds it is rescaled IN PLACE in the
    /// weight table before the lookup (torch: <c>max_norm</c>). Must be positive.</summary>
    public double? MaxNorm { get; init; }

    /// <summary>The p of the p-norm used with <see cref="MaxNorm"/> (torch: <c>norm_type</c>, default 2). Must be positive
    /// (<see cref="double.PositiveInfinity"/> is the max-abs norm).</summary>
    public double NormType { get; init; } = 2.0;

    /// <summary>Divide each row's gradient by how often the row occurs in the input (torch: <c>scale_grad_by_freq</c>).</summary>
    public bool ScaleGradByFreq { get; init; }

    /// <summary>Produce a sparse row gradient (<see cref="Parameter.SparseGrad"/>) instead of a dense one (torch: <c>sparse</c>).</summary>
    public bool Sparse { get; init; }
}

/// <summary>
/// Options of <see cref="EmbeddingBag"/>, named after the arguments of <c>torch.nn.EmbeddingBag</c>.
/// </summary>
public sealed record EmbeddingBagOptions
{
    /// <summary>How a bag's rows are reduced (torch: <c>mode</c>, default <see cref="EmbeddingBagMode.Mean"/>).</summary>
    public EmbeddingBagMode Mode { get; init; } = EmbeddingBagMode.Mean;

    /// <summary>Row excluded from every bag and from the mean's count, zeroed at initialisation, never given a gradient
    /// (torch: <c>padding_idx</c>). Negative values count from the end.</summary>
    public long? PaddingIdx { get; init; }

    /// <summary>Renormalise looked-up rows IN PLACE before the reduction, as <see cref="EmbeddingOptions.MaxNorm"/>.</summary>
    public double? MaxNorm { get; init; }

    /// <summary>The p of the p-norm used with <see cref="MaxNorm"/> (default 2).</summary>
    public double NormType { get; init; } = 2.0;

    /// <summary>Scale gradients by the inverse frequency of the index (torch: <c>scale_grad_by_freq</c>); not with
    /// <see cref="EmbeddingBagMode.Max"/>.</summary>
    public bool ScaleGradByFreq { get; init; }

    /// <summary>Produce a sparse row gradient (torch: <c>sparse</c>); not with <see cref="EmbeddingBagMode.Max"/>.</summary>
    public bool Sparse { get; init; }

    /// <summary>Offsets hold B+1 entries, the last being the end of the last bag, which must equal the input length
    /// (torch: <c>include_last_offset</c>). Deliberate differences: PyTorch 1.13 silently drops indices after the last
    /// offset (and crashes in max mode), and with 2-D (B, N) input it returns only B−1 bags; here the first is refused
    /// and 2-D input always gives B bags.</summary>
    public bool IncludeLastOffset { get; init; }
}
