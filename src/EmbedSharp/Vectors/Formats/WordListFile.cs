using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Vectors.Formats;

/// <summary>
/// The one-word-per-line vocabulary file that accompanies a matrix file (.npy): UTF-8 without BOM (a leading BOM is
/// skipped), lines end in '\n' with an optional '\r' before it, the last line ending is optional. Line i (1-based)
/// is the word of row i − 1. Empty lines are refused: a blank word cannot be looked up and usually means a stray
/// blank line that would shift every following row. A path ending in ".gz" is decompressed. Bounds: the whole
/// (decompressed) file at most <see cref="MaxFileBytes"/>, a line at most <see cref="MaxWordBytes"/> bytes; a pipe or
/// FIFO is read once like a file.
/// </summary>
internal static class WordListFile
{
    /// <summary>Largest word list read (1 GiB; 10 million words take about 100 MB).</summary>
    public const long MaxFileBytes = 1L << 30;

    /// <summary>Longest line (one word) accepted.</summary>
    public const int MaxWordBytes = 1 << 16;

    /// <summary>Reads all lines' words into <paramref name="entries"/> (null = skipped under
    /// <see cref="Utf8Policy.Skip"/>); returns the number of lines in the file (all of them are counted
    /// even when <paramref name="limit"/> keeps fewer).</summary>
    public static long Read(string path, int? limit, Utf8Policy policy, out string?[] entries, out int replaced)
    {
        var bytes = ReadAllBytes(path);
        ReadOnlySpan<byte> span = bytes;
        var start = span.StartsWith("\uFEFF"u8) ? 3 : 0;
        var body = span[start..];
        long lines = body.Count((byte)'\n') + (body.Length > 0 && body[^1] != (byte)'\n' ? 1 : 0);
        var take = (int)Math.Min(lines, limit ?? int.MaxValue);
        entries = new string?[take];
        replaced = 0;
        var pos = start;
        for (var i = 0; i < take; i++)
        {
            var rest = span[pos..];
            var nl = rest.IndexOf((byte)'\n');
            var line = nl < 0 ? rest : rest[..nl];
            if (line.Length > MaxWordBytes)
            {
                throw new TensorFormatException(Invariant($"Line {i + 1} is {line.Length:N0} bytes long; a word list holds one word per line and a word takes at most {MaxWordBytes:N0} bytes (is this the word list?)."), path, pos);
            }

            if (line.EndsWith("\r"u8))
            {
                line = line[..^1];
            }

            if (line.IsEmpty)
            {
                throw new TensorFormatException(Invariant($"Line {i + 1} is empty; every line must hold one word (the word of row {i})."), path, pos);
            }

            if (Utf8.IsValid(line))
            {
                entries[i] = Encoding.UTF8.GetString(line);
            }
            else
            {
                switch (policy)
                {
                    case Utf8Policy.Replace:
                        entries[i] = Encoding.UTF8.GetString(line); // Encoding.UTF8 substitutes U+FFFD
                        replaced++;
                        break;
                    case Utf8Policy.Skip:
                        entries[i] = null;
                        break;
                    default:
                        throw new TensorFormatException(Invariant($"Line {i + 1} (the word of row {i}) is not valid UTF-8; set InvalidUtf8 to Replace or Skip to read it."), path, pos + FirstInvalidUtf8(line));
                }
            }

            pos += nl < 0 ? rest.Length : nl + 1;
        }

        return lines;
    }

    /// <summary>Writes one word per line ('\n', UTF-8, no BOM), atomically.</summary>
    /// <exception cref="ArgumentException">A word is empty, contains a line break or an unpaired surrogate.</exception>
    public static void Write(string path, IReadOnlyList<string> words)
    {
        for (var i = 0; i < words.Count; i++)
        {
            Check(words[i], i);
        }

        AtomicFile.Write(path, stream =>
        {
            var buffer = new byte[1024];
            foreach (var word in words)
            {
                var max = Encoding.UTF8.GetMaxByteCount(word.Length) + 1;
                if (buffer.Length < max)
                {
                    buffer = new byte[max];
                }

                var n = Encoding.UTF8.GetBytes(word, buffer);
                buffer[n] = (byte)'\n';
                stream.Write(buffer, 0, n + 1);
            }
        });
    }

    /// <summary>Checks that a word can be written on its own line and read back.</summary>
    public static void Check(string word, int row)
    {
        if (string.IsNullOrEmpty(word) || word.AsSpan().IndexOfAny('\n', '\r') >= 0)
        {
            throw new ArgumentException(Invariant($"Word {row} ('{word?.ReplaceLineEndings("\\n")}') is empty or contains a line break and cannot be written one per line."), "vectors");
        }

        if (!IsValidUtf16(word))
        {
            throw new ArgumentException(Invariant($"Word {row} contains an unpaired surrogate and has no UTF-8 form."), "vectors");
        }
    }

    /// <summary>False when <paramref name="text"/> has an unpaired surrogate (it then has no UTF-8 form).</summary>
    public static bool IsValidUtf16(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><paramref name="text"/> with every unpaired surrogate replaced by U+FFFD.</summary>
    public static string ReplaceUnpairedSurrogates(string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(chars[i]))
            {
                chars[i] = '\uFFFD';
            }
        }

        return new string(chars);
    }

    /// <summary>The whole file, decompressed when the name ends in ".gz", at most <see cref="MaxFileBytes"/> bytes.</summary>
    public static byte[] ReadAllBytes(string path)
    {
        if (!IsGzip(path))
        {
            return InputFile.ReadAllBytes(path, MaxFileBytes, "a word list");
        }

        using var file = InputFile.Open(path, seekableFor: null);
        using var gzip = GzipInput.Open(file, path, m => new TensorFormatException(m));
        using var memory = new MemoryStream();
        var chunk = new byte[1 << 16];
        int read;
        while ((read = gzip.Read(chunk)) > 0)
        {
            if (memory.Length + read > MaxFileBytes)
            {
                throw new IOException(Invariant($"'{path}' decompresses to more than {MaxFileBytes:N0} bytes, more than a word list may take."));
            }

            memory.Write(chunk, 0, read);
        }

        return memory.ToArray();
    }

    public static bool IsGzip(string path) => path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>Offset of the first byte that starts an invalid (or truncated) UTF-8 sequence.</summary>
    public static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var pos = 0;
        Span<char> scratch = stackalloc char[64];
        while (pos < bytes.Length)
        {
            var status = Utf8.ToUtf16(bytes[pos..], scratch, out var read, out _, replaceInvalidSequences: false);
            pos += read;
            if (status is OperationStatus.InvalidData or OperationStatus.NeedMoreData or OperationStatus.Done)
            {
                break;
            }
        }

        return pos;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
