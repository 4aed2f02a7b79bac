namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>StripAccents</c> normalizer: drops the non-spacing marks (Mn, as Hugging Face's Unicode 8 tables class them: <see cref="HuggingFaceUnicode"/>); it does not decompose
/// (a <c>NFD</c> normalizer before it does).</summary>
internal sealed class StripAccentsNormalizer : Normalizer
{
    public override Piece Normalize(PieceBuffer buffer, Piece piece, EncodeScratch scratch) => Filter(buffer, piece);

    /// <summary>Copies the piece without its Mn characters.</summary>
    public static Piece Filter(PieceBuffer buffer, Piece piece)
    {
        var start = buffer.Length;
        for (var i = piece.Start; i < piece.End;)
        {
            var width = buffer.Width(i, piece.End);
            var cp = buffer.CodePoint(i, piece.End);
            if (!HuggingFaceUnicode.IsNonSpacingMark(cp))
            {
                buffer.Copy(i, i + width);
            }

            i += width;
        }

        return new Piece(start, buffer.Length, piece.AddedId);
    }
}
