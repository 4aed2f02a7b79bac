using System.Buffers.Text;
using System.Globalization;
using System.Text;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Tokenization.Tiktoken;

public sealed partial class TiktokenTokenizer
{
    /// <summary>The largest <c>.tiktoken</c> file read (64 MiB; o200k_base's is 3.6 MB).</summary>
    public const long MaxFileBytes = 64L << 20;

    /// <summary>Reads a <c>.tiktoken</c> file: one token per line, <c>BASE64 RANK</c> (the token's bytes in standard
    /// base64, a space, its decimal rank), as tiktoken's <c>load_tiktoken_bpe</c> reads it; blank lines are skipped,
    /// <c>\n</c> and <c>\r\n</c> end lines. The encoding (pattern and special tokens) is
    /// <paramref name="encoding"/>, or the built-in one the file name names (<c>cl100k_base.tiktoken</c>).</summary>
    /// <exception cref="TokenizerFormatException">The file is malformed (the message names the file and line: a line
    /// that is not two fields, bad base64, a rank that is not a non-negative integer or repeats, a repeated token), its
    /// token count is not the encoding's, or no encoding was given and the name names none.</exception>
    public static TiktokenTokenizer Load(string path, TiktokenEncoding? encoding = null, SpecialTokenPolicy? defaultPolicy = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        encoding ??= TiktokenEncoding.FromFileName(path) ?? throw new TokenizerFormatException(path, null,
            "the file name names no known encoding (r50k_base, p50k_base, p50k_edit, cl100k_base, o200k_base, gpt2): give the encoding (--encoding).");
        var ranks = Read(path);
        try
        {
            return new TiktokenTokenizer(ranks, encoding, defaultPolicy);
        }
        catch (ArgumentException e)
        {
            var message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
            throw new TokenizerFormatException(path, null, message, e);
        }
    }

    /// <summary>Writes the mergeable tokens as a <c>.tiktoken</c> file (<c>BASE64 RANK\n</c> in rank order, as OpenAI's
    /// files are), atomically.</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            foreach (var (bytes, rank) in MergeableRanks())
            {
                writer.Write(Convert.ToBase64String(bytes));
                writer.Write(' ');
                writer.WriteLine(rank.ToString(CultureInfo.InvariantCulture));
            }
        });
    }

    private static List<(byte[] Bytes, int Rank)> Read(string path)
    {
        var data = InputFile.ReadAllBytes(path, MaxFileBytes, "a .tiktoken file");
        var ranks = new List<(byte[], int)>(data.Length / 8);
        var seen = new Dictionary<int, long>();
        var tokens = new Dictionary<byte[], long>(ByteStringComparer.Instance);
        var span = data.AsSpan();
        long line = 0;
        while (!span.IsEmpty)
        {
            line++;
            var newline = span.IndexOf((byte)'\n');
            var text = newline < 0 ? span : span[..newline];
            span = newline < 0 ? [] : span[(newline + 1)..];
            if (text.EndsWith((byte)'\r'))
            {
                text = text[..^1];
            }

            if (text.IsEmpty)
            {
                continue;
            }

            var space = text.IndexOf((byte)' ');
            if (space <= 0 || text[(space + 1)..].IndexOf((byte)' ') >= 0 || space == text.Length - 1)
            {
                throw new TokenizerFormatException(path, line, $"expected 'BASE64 RANK' (two fields and one space), found '{Excerpt(text)}'.");
            }

            var field = text[..space];
            var bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(field.Length)];
            if (Base64.DecodeFromUtf8(field, bytes, out var consumed, out var written) != System.Buffers.OperationStatus.Done || consumed != field.Length || written == 0)
            {
                throw new TokenizerFormatException(path, line, $"the token '{Excerpt(field)}' is not base64 of one or more bytes.");
            }

            if (!int.TryParse(text[(space + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var rank))
            {
                throw new TokenizerFormatException(path, line, $"the rank '{Excerpt(text[(space + 1)..])}' is not a non-negative 32-bit integer.");
            }

            var token = bytes.AsSpan(0, written).ToArray();
            if (!seen.TryAdd(rank, line))
            {
                throw new TokenizerFormatException(path, line, FormattableString.Invariant($"the rank {rank} is also on line {seen[rank]}."));
            }

            if (!tokens.TryAdd(token, line))
            {
                throw new TokenizerFormatException(path, line, FormattableString.Invariant($"the token '{Excerpt(field)}' is also on line {tokens[token]}."));
            }

            ranks.Add((token, rank));
        }

        if (ranks.Count == 0)
        {
            throw new TokenizerFormatException(path, null, "the file holds no tokens; is this a .tiktoken file?");
        }

        return ranks;
    }

    private static string Excerpt(ReadOnlySpan<byte> text)
    {
        var s = System.Text.Encoding.UTF8.GetString(text[..Math.Min(text.Length, 80)]);
        return text.Length <= 80 ? s : s + "…";
    }
}
