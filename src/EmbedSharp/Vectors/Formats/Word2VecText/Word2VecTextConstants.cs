namespace EmbedSharp.Vectors.Formats.Word2VecText;

/// <summary>
/// The word2vec text layout (Mikolov's word2vec.c with <c>-binary 0</c>, gensim's
/// <c>save_word2vec_format(binary=False)</c>, fastText's <c>.vec</c>): a header line <c>"V D\n"</c>, then one line per
/// word, <c>word v1 … vD\n</c>, fields separated by single spaces, UTF-8. fastText ends each line with an extra space.
/// </summary>
internal static class Word2VecTextConstants
{
    /// <summary>Name used in messages.</summary>
    public const string FormatName = "word2vec text";

    /// <summary>1-based line of the first vector (line 1 is the header).</summary>
    public const long FirstDataLine = 2;
}
