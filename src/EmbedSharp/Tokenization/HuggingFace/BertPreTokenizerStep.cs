namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>BertPreTokenizer</c>: splits on whitespace (removed), then on punctuation (isolated, the
/// classes of <see cref="WordPiece.BertPreTokenizer.IsPunctuation"/>).</summary>
internal sealed class BertPreTokenizerStep : PreTokenizer
{
    protected override void Split(PieceBuffer buffer, Piece piece, EncodeScratch scratch, List<Piece> output)
    {
        var words = scratch.Words;
        words.Clear();
        CharSplitPreTokenizer.SplitOn(buffer, piece, scratch, words, CharSplitPreTokenizer.Kind.Whitespace, -1, SplitBehavior.Removed);
        foreach (var word in words)
        {
            CharSplitPreTokenizer.SplitOn(buffer, word, scratch, output, CharSplitPreTokenizer.Kind.Punctuation, -1, SplitBehavior.Isolated);
        }
    }
}
