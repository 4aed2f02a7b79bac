namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>NFC</c>, <c>NFD</c>, <c>NFKC</c> and <c>NFKD</c> normalizers (<see cref="UnicodeNormalization"/>):
/// alignments follow Hugging Face's change stream (see <see cref="UnicodeNormalization"/>).</summary>
internal sealed class UnicodeFormNormalizer(bool compatibility, bool compose) : Normalizer
{
    public override Piece Normalize(PieceBuffer buffer, Piece piece, EncodeScratch scratch)
    {
        var text = buffer.Text(piece);
        if (!text.ContainsAnyExceptInRange('\u0000', '\u007F'))
        {
            return piece; // ASCII is in every normal form
        }

        var changes = scratch.Changes;
        UnicodeNormalization.Normalize(text, compatibility, compose, changes);
        return buffer.Transform(piece, changes, 0);
    }
}
