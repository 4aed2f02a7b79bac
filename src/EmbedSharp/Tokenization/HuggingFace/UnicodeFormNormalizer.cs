namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>NFC</c>, <c>NFD</c>, <c>NFKC</c> and <c>NFKD</c> normalizers (<see cref="UnicodeNormalization"/>):
/// each output character is aligned with the input character it came from.</summary>
internal sealed class UnicodeFormNormalizer(bool compatibility, bool compose) : Normalizer
{
    public override Piece Normalize(PieceBuffer buffer, Piece piece, EncodeScratch scratch)
    {
        var text = buffer.Text(piece);
        if (!text.ContainsAnyExceptInRange('\u0000', '\u007F'))
        {
            return piece; // ASCII is in every normal form
        }

        var output = scratch.Normalized;
        UnicodeNormalization.Normalize(text, compatibility, compose, output);
        var start = buffer.Length;
        foreach (var (cp, source) in output)
        {
            var unit = piece.Start + source;
            buffer.Append(cp, buffer.SourceStart(unit), buffer.SourceEnd(unit));
        }

        return new Piece(start, buffer.Length, piece.AddedId);
    }
}
