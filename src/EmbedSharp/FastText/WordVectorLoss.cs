namespace EmbedSharp.FastText;

/// <summary>The output layer and its loss (fastText's <c>-loss ns|hs|softmax</c>).</summary>
public enum WordVectorLoss
{
    /// <summary>Negative sampling: binary logistic on the target and Neg words drawn from the count^0.5 table. fastText: ns (default).</summary>
    NegativeSampling,

    /// <summary>Hierarchical softmax: binary logistic on each inner node of the target's path in a Huffman tree over
    /// the word counts. fastText: hs.</summary>
    HierarchicalSoftmax,

    /// <summary>Full softmax over the vocabulary (cost grows with the vocabulary: for small vocabularies). fastText: softmax.</summary>
    Softmax,
}
