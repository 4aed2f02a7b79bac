namespace EmbedSharp.FastText;

/// <summary>The unsupervised architecture to train (fastText's <c>-model</c> / the <c>skipgram</c> and <c>cbow</c> commands).</summary>
public enum WordVectorModelKind
{
    /// <summary>Each word's (subword-averaged) input vector predicts every context word in its window. fastText: skipgram.</summary>
    SkipGram,

    /// <summary>The average of the context words' subword rows predicts the centre word. fastText: cbow.</summary>
    Cbow,
}
