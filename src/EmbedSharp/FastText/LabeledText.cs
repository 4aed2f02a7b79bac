namespace EmbedSharp.FastText;

/// <summary>One raw training or test example: a text (tokenised by <see cref="Tokenization.Word.WordSplitting.LowerCaseAlphanumeric"/>) and its class.</summary>
/// <param name="Text">The text.</param>
/// <param name="Label">The class, an index into the dataset's label names.</param>
public sealed record LabeledText(string Text, int Label);
