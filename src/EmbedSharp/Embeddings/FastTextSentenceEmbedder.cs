using EmbedSharp.FastText;

namespace EmbedSharp.Embeddings;

/// <summary>
/// Sentence vectors of a fastText model as <c>fasttext print-sentence-vectors model.bin</c> prints them
/// (<see cref="FastTextModel.GetSentenceVector"/>): for an unsupervised model the mean of the words' unit-length vectors
/// (subword n-grams included, so unknown words count too); for a supervised model the mean of the input rows of the
/// line's words, n-grams and <c>&lt;/s&gt;</c>. No further normalisation, as fastText prints them.
/// </summary>
public sealed class FastTextSentenceEmbedder : TextEmbedder
{
    /// <summary>Wraps <paramref name="model"/>.</summary>
    public FastTextSentenceEmbedder(FastTextModel model, string modelId = "fasttext")
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        ModelId = modelId;
    }

    /// <summary>Loads a fastText <c>.bin</c> (or <c>.ftz</c>); the model id is the file name without its extension.</summary>
    /// <exception cref="FastTextFormatException">The file is not a fastText model (the message names it and where).</exception>
    public static FastTextSentenceEmbedder Load(string path) => new(FastTextModel.Load(path), Path.GetFileNameWithoutExtension(path));

    /// <summary>The fastText model.</summary>
    public FastTextModel Model { get; }

    /// <inheritdoc/>
    public override int Dimensions => Model.Dimension;

    /// <inheritdoc/>
    public override string ModelId { get; }

    /// <inheritdoc/>
    public override bool NormalizesOutput => false;

    /// <inheritdoc/>
    /// <remarks>Returns the number of whitespace-separated words of the text's first line.</remarks>
    public override int Embed(string text, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(text);
        Model.GetSentenceVector(text, destination);
        var words = 0;
        var inWord = false;
        foreach (var c in text)
        {
            if (c == '\n')
            {
                break;
            }

            var space = c is ' ' or '\t' or '\v' or '\f' or '\r';
            words += !space && !inWord ? 1 : 0;
            inWord = !space;
        }

        return words;
    }
}
