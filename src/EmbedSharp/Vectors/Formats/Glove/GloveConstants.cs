namespace EmbedSharp.Vectors.Formats.Glove;

/// <summary>
/// The GloVe text layout (Pennington et al.'s glove.c <c>save_params</c>, the published glove.*.txt files): no header,
/// one line per word, <c>word v1 … vD\n</c>, single spaces, UTF-8. D is not stored: it is the first line's field count
/// minus one.
/// </summary>
internal static class GloveConstants
{
    /// <summary>Name used in messages.</summary>
    public const string FormatName = "GloVe text";

    /// <summary>1-based line of the first vector.</summary>
    public const long FirstDataLine = 1;
}
