using EmbedSharp.FastText;
using EmbedSharp.Randomness;
using EmbedSharp.Vectors.Alignment;
using WordVectorSet = EmbedSharp.Vectors.WordVectors;

namespace EmbedSharp.Study;

/// <summary>
/// The building blocks of one classifier run, shared by <see cref="InitStudy"/> and the claims experiments
/// (<see cref="Claims.ClassifierExperiments"/>), with the study's streams (<see cref="InitStudy.Stream"/>): k = 0 the
/// stratified train/test split, k = 1 the output layer, k = 2 the table's fill, k = 3 the example order of each epoch,
/// k = 4 the rows the pretrained vectors do not cover.
/// </summary>
internal static class ClassifierRuns
{
    /// <summary>Stream of the train/test split.</summary>
    public const int SplitStream = 0;

    /// <summary>Stream of the output layer's initialisation.</summary>
    public const int OutputStream = 1;

    /// <summary>Stream of the table's fill.</summary>
    public const int TableStream = 2;

    /// <summary>Stream of the example order in each epoch.</summary>
    public const int OrderStream = 3;

    /// <summary>Stream of the rows the pretrained vectors do not cover.</summary>
    public const int OovStream = 4;

    /// <summary>The stratified train/test split of seed <paramref name="seed"/> (stream 0).</summary>
    /// <exception cref="ArgumentException">Either part would be empty.</exception>
    public static DataSplit<LabeledText> Split(StudyCorpus corpus, double testFraction, int seed)
    {
        var split = DataSplit.Stratified(corpus.Examples, e => e.Label, testFraction, InitStudy.Stream(seed, SplitStream));
        if (split.Train.Count == 0 || split.Test.Count == 0)
        {
            throw new ArgumentException(FormattableString.Invariant(
                $"The split of {corpus.Examples.Count} examples at test fraction {testFraction} leaves {split.Train.Count} for training and {split.Test.Count} for testing; both need examples."));
        }

        return split;
    }

    /// <summary>The pretrained vectors aligned to a featurizer's words (no padding row; uncovered words from stream 4,
    /// the aligner's default N(mean, std) of the pretrained values).</summary>
    public static AlignmentResult Align(TextFeaturizer featurizer, WordVectorSet pretrained, int seed) =>
        VocabularyAligner.Align(featurizer.Words, pretrained, InitStudy.Stream(seed, OovStream), new AlignmentOptions { PaddingToken = null });

    /// <summary>
    /// A classifier for <paramref name="featurizer"/>'s table whose output layer W (labels, D) starts as
    /// <paramref name="outputInit"/> draws it from stream 1, and whose table starts as <paramref name="scheme"/> says: a
    /// fill drawn from stream 2, or the aligned pretrained rows (frozen: <c>RequiresGrad = false</c>).
    /// </summary>
    /// <exception cref="ArgumentException">A pretrained scheme without <paramref name="aligned"/>.</exception>
    public static TextClassifier NewModel(TextFeaturizer featurizer, IReadOnlyList<string> labelNames, int dim, OutputLayerInit outputInit,
        EmbeddingInit scheme, AlignmentResult? aligned, int seed)
    {
        var model = new TextClassifier(featurizer, labelNames, dim, new Generator(0UL)); // fastText's init, replaced below
        outputInit.Weight().Apply(model.Output.Weight.Value, InitStudy.Stream(seed, OutputStream)); // no bias: nn.Linear's reset draws W only
        var table = model.Embedding.Weight;
        if (scheme.IsPretrained)
        {
            if (aligned is null)
            {
                throw new ArgumentException($"The scheme '{scheme.Name}' needs the aligned pretrained vectors.", nameof(aligned));
            }

            table.Value.CopyFrom(aligned.Weights.AsSpan());
            table.RequiresGrad = !scheme.IsFrozen;
        }
        else
        {
            scheme.Fill(table.Value, InitStudy.Stream(seed, TableStream));
        }

        return model;
    }
}
