using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Vectors.Formats.Word2VecBinary;

/// <summary>
/// Reads and writes word2vec binary files (gensim: <c>KeyedVectors.load_word2vec_format(path, binary=True)</c> and
/// <c>save_word2vec_format(path, binary=True)</c>; Mikolov's word2vec.c <c>-binary 1</c>): a header line <c>"V D\n"</c>,
/// then per word its UTF-8 bytes, a space and D little-endian float32 values, with or without a '\n' after each vector.
/// </summary>
/// <remarks>
/// <para><b>Reading</b> accepts both the gensim layout (no '\n' after a vector) and word2vec.c's ('\n' after each
/// vector; any '\n' before a word is skipped, as gensim does). Vectors are copied bit for bit. The header is checked
/// against the file length before anything is allocated (each entry needs at least 4·D + 1 bytes). A file starting
/// with the gzip magic is decompressed.</para>
/// <para><b>Bad input</b> throws <see cref="VectorFormatException"/> naming the file and the byte offset: an empty file,
/// a malformed header, a dimension outside 1…2^24, a header claiming more entries than the file holds, the file ending
/// inside a word or a vector, anything but '\n' after the last vector (the header claims fewer words than the file
/// holds), a word of more than 64 KiB with no space after it (a wrong dimension in the header shows up here or as one
/// of the errors before), NaN unless <see cref="VectorReadOptions.AllowNaN"/>, invalid UTF-8 per
/// <see cref="VectorReadOptions.Utf8"/>, a repeated word under <see cref="DuplicatePolicy.Error"/>.</para>
/// </remarks>
public static class Word2VecBinaryFile
{
    /// <summary>Reads a word2vec binary file (plain or gzip-compressed).</summary>
    /// <exception cref="VectorFormatException">The file is malformed; the message names the byte offset.</exception>
    public static VectorReadResult Read(string path, VectorReadOptions? options = null)
    {
        using var stream = VectorFileInput.OpenContent(path);
        return Word2VecBinaryReader.Read(stream, path, options);
    }

    /// <summary>Reads the word2vec binary layout from a stream's current position to its end.</summary>
    /// <param name="stream">The data; when seekable the header is checked against its length first.</param>
    /// <param name="options">Read options, or null for the defaults.</param>
    /// <param name="name">A name for messages (a file path), or null.</param>
    /// <exception cref="VectorFormatException">The data is malformed.</exception>
    public static VectorReadResult Read(Stream stream, VectorReadOptions? options = null, string? name = null) =>
        Word2VecBinaryReader.Read(stream, name, options);

    /// <summary>Writes the binary layout; with default options byte-identical to gensim's
    /// <c>save_word2vec_format(binary=True)</c>. The file is replaced atomically.</summary>
    /// <exception cref="ArgumentException">A word is empty or holds a space or a line end.</exception>
    public static void Write(string path, WordVectors vectors, Word2VecBinaryWriteOptions? options = null)
    {
        TextVectorWriter.CheckWords(vectors, spacesAllowed: false, Word2VecBinaryConstants.FormatName);
        AtomicFile.Write(path, stream => Word2VecBinaryWriter.Write(stream, vectors, options ?? Word2VecBinaryWriteOptions.Default));
    }

    /// <summary>Writes the binary layout to a stream (see <see cref="Write(string, WordVectors, Word2VecBinaryWriteOptions?)"/>).</summary>
    public static void Write(Stream stream, WordVectors vectors, Word2VecBinaryWriteOptions? options = null)
    {
        TextVectorWriter.CheckWords(vectors, spacesAllowed: false, Word2VecBinaryConstants.FormatName);
        Word2VecBinaryWriter.Write(stream, vectors, options ?? Word2VecBinaryWriteOptions.Default);
    }
}
