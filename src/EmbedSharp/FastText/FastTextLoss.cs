namespace EmbedSharp.FastText;

/// <summary>
/// fastText's loss, the output layer trained against (fastText: <c>-loss</c>; args.h
/// <c>enum class loss_name : int { hs = 1, ns, softmax, ova }</c>). The numbers are the ones a <c>.bin</c> stores.
/// <see cref="WordVectorTrainer"/> implements <see cref="NegativeSampling"/>, <see cref="HierarchicalSoftmax"/> and
/// <see cref="Softmax"/>; <see cref="ClassifierTrainer"/> implements <see cref="Softmax"/>.
/// </summary>
public enum FastTextLoss
{
    /// <summary>Hierarchical softmax: binary logistic on each inner node of the target's path in a Huffman tree over the
    /// word counts (fastText: <c>-loss hs</c>).</summary>
    HierarchicalSoftmax = 1,

    /// <summary>Negative sampling: binary logistic on the target and Neg words drawn from the count^0.5 table (fastText:
    /// <c>-loss ns</c>, the default of the unsupervised commands).</summary>
    NegativeSampling = 2,

    /// <summary>Full softmax over the vocabulary or the labels; its cost grows with their number (fastText:
    /// <c>-loss softmax</c>, the default of <c>supervised</c>).</summary>
    Softmax = 3,

    /// <summary>One-vs-all: an independent binary logistic per label (fastText: <c>-loss one-vs-all</c>). Read from and
    /// written to <c>.bin</c> files; not trained here.</summary>
    OneVsAll = 4,
}
