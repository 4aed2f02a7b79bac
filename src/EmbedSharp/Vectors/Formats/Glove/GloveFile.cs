namespace EmbedSharp.Vectors.Formats.Glove;

/// <summary>
/// Reads and writes GloVe text files: no header, <c>word v1 … vD</c> per line (gensim:
/// <c>KeyedVectors.load_word2vec_format(path, binary=False, no_header=True)</c>; writing matches
/// <c>save_word2vec_format(path, write_header=False)</c>).
/// </summary>
/// <remarks>
/// <para>D is the first line's field count minus one. On every line the <b>last D fields are the numbers and everything
/// before them is the word</b>, spaces included: the Common Crawl files (glove.840B) hold a few tokens with spaces,
/// which gensim cannot read. A line whose extra leading fields are all numbers is reported as having too many numbers.
/// The row count is found by a fast first pass over the file (line ends counted at memory speed) so the matrix is
/// allocated once at its final size; a non-seekable stream is read into growing storage instead.</para>
/// <para>Numbers, line rules, gzip, parallelism and bad input as for
/// <see cref="Word2VecText.Word2VecTextFile"/>; an empty file or a first line without numbers is an error.</para>
/// </remarks>
public static class GloveFile
{
    /// <summary>Reads a GloVe text file (plain or gzip-compressed).</summary>
    /// <exception cref="VectorFormatException">The file is malformed; the message names the line and byte offset.</exception>
    public static VectorReadResult Read(string path, VectorReadOptions? options = null)
    {
        using var stream = VectorFileInput.OpenContent(path);
        return TextVectorReader.Read(stream, path, TextLayout.Glove, options);
    }

    /// <summary>Reads GloVe text from a stream's current position to its end (decompress it first if needed).</summary>
    /// <param name="stream">The data; when seekable, it is read twice (count, then parse in place).</param>
    /// <param name="options">Read options, or null for the defaults.</param>
    /// <param name="name">A name for messages (a file path), or null.</param>
    /// <exception cref="VectorFormatException">The data is malformed.</exception>
    public static VectorReadResult Read(Stream stream, VectorReadOptions? options = null, string? name = null) =>
        TextVectorReader.Read(stream, name, TextLayout.Glove, options);

    /// <summary>Writes <c>word v1 … vD\n</c> per word, no header, byte-identical to gensim's
    /// <c>save_word2vec_format(write_header=False)</c>; the file is replaced atomically.</summary>
    /// <exception cref="ArgumentException">A word is empty or holds a line end, or the first word holds a space
    /// (the dimension is inferred from the first line).</exception>
    public static void Write(string path, WordVectors vectors)
    {
        Check(vectors);
        Numerics.Formats.AtomicFile.Write(path, stream => TextVectorWriter.Write(stream, vectors, header: false));
    }

    /// <summary>Writes the GloVe layout to a stream (see <see cref="Write(string, WordVectors)"/>).</summary>
    public static void Write(Stream stream, WordVectors vectors)
    {
        Check(vectors);
        TextVectorWriter.Write(stream, vectors, header: false);
    }

    private static void Check(WordVectors vectors)
    {
        TextVectorWriter.CheckWords(vectors, spacesAllowed: true, GloveConstants.FormatName);
        if (vectors.Count > 0 && vectors.Words[0].Contains(' ', StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"The first word ('{vectors.Words[0]}') holds a space: a GloVe reader infers the dimension from the first line.", nameof(vectors));
        }
    }
}
