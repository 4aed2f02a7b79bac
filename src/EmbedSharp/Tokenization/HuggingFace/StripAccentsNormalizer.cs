namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>StripAccents</c> normalizer: drops every combining mark (Mn, Mc and Me, as Hugging Face's
/// Unicode 8 tables class them: <see cref="HuggingFaceUnicode"/>); it does not decompose (a <c>NFD</c> normalizer before
/// it does). BertNormalizer's own accent stripping removes only Mn: <see cref="Filter"/> takes the class.</summary>
internal sealed class StripAccentsNormalizer : Normalizer
{
    public override Piece Normalize(PieceBuffer buffer, Piece piece, EncodeScratch scratch) =>
        Filter(buffer, piece, nonSpacingOnly: false);

    /// <summary>Copies the piece without its combining marks (all of them, or only Mn when
    /// <paramref name="nonSpacingOnly"/>).</summary>
    public static Piece Filter(PieceBuffer buffer, Piece piece, bool nonSpacingOnly)
    {
        var start = buffer.Length;
        for (var i = piece.Start; i < piece.End;)
        {
            var width = buffer.Width(i, piece.End);
            var cp = buffer.CodePoint(i, piece.End);
            var mark = nonSpacingOnly ? HuggingFaceUnicode.IsNonSpacingMark(cp) : HuggingFaceUnicode.IsCombiningMark(cp);
            if (!mark)
            {
                buffer.Copy(i, i + width);
            }

            i += width;
        }

        return new Piece(start, buffer.Length, piece.AddedId);
    }
}
