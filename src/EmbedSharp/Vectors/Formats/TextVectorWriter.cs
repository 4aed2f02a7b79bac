using System.Globalization;
using System.Text;

namespace EmbedSharp.Vectors.Formats;

/// <summary>
/// Writes word vectors as text the way gensim's <c>save_word2vec_format(binary=False)</c> does: an optional header
/// line <c>f"{V} {D}\n"</c>, then per word <c>word + " " + " ".join(repr(v)) + "\n"</c> with numpy's float32 repr
/// (<see cref="NumpyFloatFormatter"/>), UTF-8. For the same words and float32 values the bytes are identical.
/// </summary>
internal static class TextVectorWriter
{
    private const int BufferSize = 1 << 20;

    /// <summary>Checks every word before anything is written: no word may be empty or contain '\n' (or ' ' when
    /// <paramref name="spacesAllowed"/> is false).</summary>
    public static void CheckWords(WordVectors vectors, bool spacesAllowed, string format)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        var words = vectors.Words;
        for (var i = 0; i < words.Count; i++)
        {
            var w = words[i];
            if (w.Length == 0 || w.Contains('\n', StringComparison.Ordinal) || (!spacesAllowed && w.Contains(' ', StringComparison.Ordinal)))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Word {i} ('{w.ReplaceLineEndings("\\n")}') cannot be written in the {format} format: words must be non-empty and hold no line end{(spacesAllowed ? "" : " or space")}."),
                    nameof(vectors));
            }
        }
    }

    public static void Write(Stream stream, WordVectors vectors, bool header)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[BufferSize];
        var used = 0;
        var d = vectors.Dimension;
        if (header)
        {
            used += Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{vectors.Count} {d}\n"), buffer);
        }

        for (var i = 0; i < vectors.Count; i++)
        {
            var word = vectors.Words[i];
            var wordBytes = Encoding.UTF8.GetMaxByteCount(word.Length);
            if (used + wordBytes + 1 > buffer.Length)
            {
                stream.Write(buffer, 0, used);
                used = 0;
                if (wordBytes + 1 > buffer.Length)
                {
                    buffer = new byte[wordBytes + BufferSize];
                }
            }

            used += Encoding.UTF8.GetBytes(word, buffer.AsSpan(used));
            var row = vectors.GetVector(i);
            for (var k = 0; k < d; k++)
            {
                if (used + NumpyFloatFormatter.MaxLength + 2 > buffer.Length)
                {
                    stream.Write(buffer, 0, used);
                    used = 0;
                }

                buffer[used++] = (byte)' ';
                used += NumpyFloatFormatter.Format(row[k], buffer.AsSpan(used));
            }

            buffer[used++] = (byte)'\n';
        }

        stream.Write(buffer, 0, used);
    }
}
