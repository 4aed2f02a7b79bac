using System.Text;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>Lowercase</c> normalizer (Rust <c>char::to_lowercase</c>: the invariant simple mapping,
/// with U+0130 → "i̇" as in Unicode's SpecialCasing); each output unit keeps its character's alignment.</summary>
internal sealed class LowercaseNormalizer : Normalizer
{
    public override Piece Normalize(PieceBuffer buffer, Piece piece, EncodeScratch scratch)
    {
        var start = buffer.Length;
        for (var i = piece.Start; i < piece.End;)
        {
            var width = buffer.Width(i, piece.End);
            var cp = buffer.CodePoint(i, piece.End);
            var (s, e) = (buffer.SourceStart(i), buffer.SourceEnd(i));
            if (cp == 0x130)
            {
                buffer.Append('i', s, e);
                buffer.Append('\u0307', s, e);
            }
            else
            {
                buffer.Append(Rune.IsValid(cp) ? Rune.ToLowerInvariant(new Rune(cp)).Value : cp, s, e);
            }

            i += width;
        }

        return new Piece(start, buffer.Length, piece.AddedId);
    }
}
