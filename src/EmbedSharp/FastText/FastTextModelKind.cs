namespace EmbedSharp.FastText;

/// <summary>
/// fastText's model, chosen by the command (fastText: <c>skipgram</c>, <c>cbow</c>, <c>supervised</c>; args.h
/// <c>enum class model_name : int { cbow = 1, sg, sup }</c>). The numbers are the ones a <c>.bin</c> stores.
/// </summary>
public enum FastTextModelKind
{
    /// <summary>Continuous bag of words: the average of the context words' subword rows predicts the centre word
    /// (fastText: <c>fasttext cbow</c>).</summary>
    Cbow = 1,

    /// <summary>Skip-gram: each word's (subword-averaged) input vector predicts every context word in its window
    /// (fastText: <c>fasttext skipgram</c>, stored as <c>sg</c>). The default.</summary>
    SkipGram = 2,

    /// <summary>Supervised classifier: the average of a line's word and word n-gram rows predicts its label
    /// (fastText: <c>fasttext supervised</c>).</summary>
    Supervised = 3,
}
