namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>Whitespace</c> pre-tokenizer: keeps the matches of <c>\w+|[^\w\s]+</c> (Rust regex, Unicode
/// <c>\w</c>: letters, marks, decimal and letter numbers, connector punctuation, ZWNJ/ZWJ) and drops the rest.</summary>
internal sealed class WhitespacePreTokenizer : PreTokenizer
{
    private static readonly OnigurumaRegex Words = new(@"[\p{L}\p{Nl}\p{M}\p{Nd}\p{Pc}\u200C\u200D]+|[^\p{L}\p{Nl}\p{M}\p{Nd}\p{Pc}\u200C\u200D\s]+");

    protected override void Split(PieceBuffer buffer, Piece piece, EncodeScratch scratch, List<Piece> output)
    {
        Words.Find(buffer.Text(piece), scratch.Matches);
        Segments(scratch.Matches, piece.Length, invert: true, scratch.Segments);
        Apply(piece, scratch.Segments, SplitBehavior.Removed, output);
    }
}
