namespace EmbedSharp.Vectors.Formats;

/// <summary>What a vector-file reader does when a word appears more than once.</summary>
public enum DuplicatePolicy
{
    /// <summary>Keep the first vector, drop later ones and report them in <see cref="VectorReadResult.Duplicates"/>
    /// (gensim's <c>load_word2vec_format</c> does the same, with a logged warning).</summary>
    KeepFirst,

    /// <summary>Throw a <see cref="VectorFormatException"/> naming both occurrences.</summary>
    Error,
}
