namespace EmbedSharp.Vectors.Formats.Word2VecBinary;

/// <summary>
/// The word2vec binary layout (Mikolov's word2vec.c with <c>-binary 1</c>; gensim's
/// <c>save_word2vec_format(binary=True)</c>): an ASCII header line <c>"V D\n"</c>, then per word its UTF-8 bytes, one
/// space (0x20) and D little-endian IEEE float32 values. word2vec.c writes a '\n' after each vector; gensim 4.x does
/// not (gensim's reader strips leading '\n' from each word, so both read the same).
/// </summary>
internal static class Word2VecBinaryConstants
{
    /// <summary>Name used in messages.</summary>
    public const string FormatName = "word2vec binary";

    /// <summary>Byte between a word and its vector.</summary>
    public const byte WordEnd = (byte)' ';

    /// <summary>Optional byte after a vector (word2vec.c writes it).</summary>
    public const byte VectorEnd = (byte)'\n';

    /// <summary>Longest accepted header line.</summary>
    public const int MaxHeaderBytes = 1024;

    /// <summary>Longest accepted word, in bytes.</summary>
    public const int MaxWordBytes = 1 << 16;

    /// <summary>Largest accepted dimension.</summary>
    public const int MaxDimension = 1 << 24;
}
