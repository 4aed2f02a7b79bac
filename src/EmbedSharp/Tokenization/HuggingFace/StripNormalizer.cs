namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>Strip</c> normalizer: removes leading and/or trailing whitespace (Rust
/// <c>char::is_whitespace</c>, the Unicode White_Space property).</summary>
internal sealed class StripNormalizer(bool left, bool right) : Normalizer
{
    public override Piece Normalize(PieceBuffer buffer, Piece piece, EncodeScratch scratch)
    {
        var start = piece.Start;
        var end = piece.End;
        while (left && start < end && IsWhiteSpace(buffer[start]))
        {
            start++;
        }

        while (right && end > start && IsWhiteSpace(buffer[end - 1]))
        {
            end--;
        }

        return new Piece(start, end, piece.AddedId);
    }

    /// <summary>Unicode White_Space (all of it is in the BMP).</summary>
    public static bool IsWhiteSpace(char c) => char.IsWhiteSpace(c);
}
