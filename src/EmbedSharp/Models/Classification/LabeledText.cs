namespace EmbedSharp.Models.Classification;

/// <summary>One raw training or test example: a text (tokenised by <see cref="Text.WordTokenizer"/>) and its class.</summary>
/// <param name="Text">The text.</param>
/// <param name="Label">The class, an index into the dataset's label names.</param>
public sealed record LabeledText(string Text, int Label);
