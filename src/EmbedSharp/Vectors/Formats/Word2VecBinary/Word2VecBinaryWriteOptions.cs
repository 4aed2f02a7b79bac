namespace EmbedSharp.Vectors.Formats.Word2VecBinary;

/// <summary>Options of <see cref="Word2VecBinaryFile.Write(string, WordVectors, Word2VecBinaryWriteOptions?)"/>.</summary>
public sealed record Word2VecBinaryWriteOptions
{
    /// <summary>The defaults: gensim's layout.</summary>
    public static Word2VecBinaryWriteOptions Default { get; } = new();

    /// <summary>Write '\n' after each vector, as the original word2vec.c does. Default false: gensim 4.x's bytes.</summary>
    public bool NewlineAfterVector { get; init; }
}
