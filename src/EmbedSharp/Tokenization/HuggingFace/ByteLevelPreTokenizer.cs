using System.Text;
using EmbedSharp.Tokenization.Bpe;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>
/// Hugging Face <c>ByteLevel</c> pre-tokenizer: with <c>add_prefix_space</c> a space is put before a piece that does
/// not start with one; with <c>use_regex</c> the piece is cut by GPT-2's pattern; then every character becomes the
/// <see cref="ByteLevel"/> characters of its UTF-8 bytes, all aligned with it. (<c>trim_offsets</c> is the
/// post-processor's business.)
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : PreTokenizer
{
    /// <summary>GPT-2's pre-tokenization pattern.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly OnigurumaRegex Gpt2 = new(Gpt2Pattern);

    protected override void Split(PieceBuffer buffer, Piece piece, EncodeScratch scratch, List<Piece> output)
    {
        if (addPrefixSpace && buffer[piece.Start] != ' ')
        {
            piece = PrependNormalizer.Prepend(buffer, piece, " ");
        }

        var first = output.Count;
        if (useRegex)
        {
            Gpt2.Find(buffer.Text(piece), scratch.Matches);
            Segments(scratch.Matches, piece.Length, invert: false, scratch.Segments);
            Apply(piece, scratch.Segments, SplitBehavior.Isolated, output);
        }
        else
        {
            output.Add(piece);
        }

        for (var k = first; k < output.Count; k++)
        {
            output[k] = ToBytes(buffer, output[k]);
        }
    }

    /// <summary>Rewrites a piece as byte characters.</summary>
    public static Piece ToBytes(PieceBuffer buffer, Piece piece)
    {
        var start = buffer.Length;
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = piece.Start; i < piece.End;)
        {
            var width = buffer.Width(i, piece.End);
            var cp = buffer.CodePoint(i, piece.End);
            var rune = Rune.IsValid(cp) ? new Rune(cp) : Rune.ReplacementChar;
            var n = rune.EncodeToUtf8(utf8);
            var (s, e) = (buffer.SourceStart(i), buffer.SourceEnd(i));
            for (var k = 0; k < n; k++)
            {
                buffer.Append(ByteLevel.ToChar(utf8[k]), s, e);
            }

            i += width;
        }

        return new Piece(start, buffer.Length, piece.AddedId);
    }
}
