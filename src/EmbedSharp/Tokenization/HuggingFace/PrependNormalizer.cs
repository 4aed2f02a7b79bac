namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>Prepend</c> normalizer: puts a string before a non-empty piece; the new units take the
/// alignment of the piece's first character.</summary>
internal sealed class PrependNormalizer(string prefix) : Normalizer
{
    public override Piece Normalize(PieceBuffer buffer, Piece piece, EncodeScratch scratch) => Prepend(buffer, piece, prefix);

    /// <summary>The prepend operation, shared with the Metaspace pre-tokenizer.</summary>
    public static Piece Prepend(PieceBuffer buffer, Piece piece, string prefix)
    {
        if (piece.Length == 0 || prefix.Length == 0)
        {
            return piece;
        }

        var start = buffer.Length;
        buffer.Append(prefix, piece.Start);
        buffer.Copy(piece.Start, piece.End);
        return new Piece(start, buffer.Length, piece.AddedId);
    }
}
