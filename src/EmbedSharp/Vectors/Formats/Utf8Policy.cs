namespace EmbedSharp.Vectors.Formats;

/// <summary>What a vector-file reader does with a word whose bytes are not valid UTF-8
/// (gensim: the <c>unicode_errors</c> argument of <c>load_word2vec_format</c>).</summary>
public enum Utf8Policy
{
    /// <summary>Throw a <see cref="VectorFormatException"/> naming the file and the line or byte offset (gensim's default, <c>'strict'</c>).</summary>
    Strict,

    /// <summary>Decode with U+FFFD for each maximal invalid subsequence, as Python's <c>errors='replace'</c> does.</summary>
    Replace,

    /// <summary>Leave the entry out and report it in <see cref="VectorReadResult.Skipped"/> (gensim has no equivalent).</summary>
    Skip,
}
