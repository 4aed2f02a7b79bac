namespace EmbedSharp.Vectors.Formats.Word2VecText;

/// <summary>
/// Reads and writes word2vec text files and fastText <c>.vec</c> files: a header line <c>"V D"</c>, then
/// <c>word v1 … vD</c> per line (gensim: <c>KeyedVectors.load_word2vec_format(path, binary=False)</c> and
/// <c>save_word2vec_format(path, binary=False)</c>).
/// </summary>
/// <remarks>
/// <para><b>Reading.</b> Numbers are parsed invariantly (a French locale changes nothing), correctly rounded to
/// float32; exponents, <c>-0</c>, <c>inf</c> are accepted, <c>nan</c> only with <see cref="VectorReadOptions.AllowNaN"/>.
/// The header is checked against the file length before anything is allocated (a header claiming 10^12 words is
/// refused at once). Lines: fields separated by single spaces, trailing spaces/tabs/'\r' ignored (fastText's trailing
/// space, CRLF), trailing blank lines ignored. A file starting with the gzip magic is decompressed. Parsing runs on
/// every core (<see cref="VectorReadOptions.MaxDegreeOfParallelism"/>); the result does not depend on it.</para>
/// <para><b>Bad input</b> throws <see cref="VectorFormatException"/> naming the file, the line and the byte offset: a
/// missing or malformed header, a dimension outside 1…2^24, fewer or more lines than the header claims (unless
/// <see cref="VectorReadOptions.Limit"/> stops earlier), a line with too few or too many numbers, a token that is not a
/// number, an empty field, NaN (unless allowed), a blank line, a word that is not UTF-8 (per
/// <see cref="VectorReadOptions.Utf8"/>), a repeated word under <see cref="DuplicatePolicy.Error"/>.</para>
/// <para><b>Writing</b> produces the bytes gensim writes for the same float32 values (numpy's float32 repr), atomically.</para>
/// </remarks>
public static class Word2VecTextFile
{
    /// <summary>Reads a word2vec text or fastText .vec file (plain or gzip-compressed).</summary>
    /// <exception cref="VectorFormatException">The file is malformed; the message names the line and byte offset.</exception>
    public static VectorReadResult Read(string path, VectorReadOptions? options = null)
    {
        using var stream = VectorFileInput.OpenContent(path);
        return TextVectorReader.Read(stream, path, TextLayout.Word2Vec, options);
    }

    /// <summary>Reads word2vec text from a stream's current position to its end (decompress it first if needed).</summary>
    /// <param name="stream">The data; a seekable stream lets the header be checked against its length and the rows be
    /// parsed in place, a non-seekable one is read into growing storage (peak about twice the matrix).</param>
    /// <param name="options">Read options, or null for the defaults.</param>
    /// <param name="name">A name for messages (a file path), or null.</param>
    /// <exception cref="VectorFormatException">The data is malformed.</exception>
    public static VectorReadResult Read(Stream stream, VectorReadOptions? options = null, string? name = null) =>
        TextVectorReader.Read(stream, name, TextLayout.Word2Vec, options);

    /// <summary>Writes <c>"V D\n"</c> then <c>word v1 … vD\n</c> per word, byte-identical to gensim's
    /// <c>save_word2vec_format(binary=False)</c>; the file is replaced atomically.</summary>
    /// <exception cref="ArgumentException">A word is empty or holds a space or a line end.</exception>
    public static void Write(string path, WordVectors vectors)
    {
        TextVectorWriter.CheckWords(vectors, spacesAllowed: false, Word2VecTextConstants.FormatName);
        Numerics.Formats.AtomicFile.Write(path, stream => TextVectorWriter.Write(stream, vectors, header: true));
    }

    /// <summary>Writes the word2vec text layout to a stream (see <see cref="Write(string, WordVectors)"/>).</summary>
    public static void Write(Stream stream, WordVectors vectors)
    {
        TextVectorWriter.CheckWords(vectors, spacesAllowed: false, Word2VecTextConstants.FormatName);
        TextVectorWriter.Write(stream, vectors, header: true);
    }
}
