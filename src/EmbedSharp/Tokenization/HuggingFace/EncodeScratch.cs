namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>The working memory of one <see cref="HuggingFaceTokenizer.Encode(string, bool)"/> call: lists the tokenizer
/// pools and reuses, so that an encode allocates nothing but its result once the pool is warm.</summary>
internal sealed class EncodeScratch
{
    /// <summary>A scratch whose buffer grew past this many UTF-16 units (a huge text) is not kept for reuse: 2²⁰ units
    /// are 10 MB of buffer (a char and two ints each) per pooled scratch. The buffer holds the input and each
    /// normaliser's rewrite of it (three to four times the text), so at 2¹⁶ a 20,000-character document was never
    /// pooled: every such encode grew fresh arrays by doubling, which took 60 % of the time on the SOTU speeches
    /// (46,000 characters a line) with bert-base-uncased's tokenizer.json.</summary>
    public const int MaxPooledChars = 1 << 20;

    public PieceBuffer Buffer { get; } = new();

    public List<Piece> RawPieces { get; } = [];

    public List<Piece> Pieces { get; } = [];

    public List<Piece> NextPieces { get; } = [];

    public List<Piece> Words { get; } = [];

    public List<(int Start, int End)> Matches { get; } = [];

    public List<(int Start, int End, bool IsMatch)> Segments { get; } = [];

    public List<(int CodePoint, int Change)> Changes { get; } = [];

    public List<ModelToken> Tokens { get; } = [];

    public List<int> Ids { get; } = [];

    public List<string> TokenStrings { get; } = [];

    public List<TokenSpan> Spans { get; } = [];

    public List<int> SpecialMask { get; } = [];

    /// <summary>Empties every list and the buffer for the next encode.</summary>
    public void Clear()
    {
        Buffer.Clear();
        RawPieces.Clear();
        Pieces.Clear();
        NextPieces.Clear();
        Words.Clear();
        Matches.Clear();
        Segments.Clear();
        Changes.Clear();
        Tokens.Clear();
        Ids.Clear();
        TokenStrings.Clear();
        Spans.Clear();
        SpecialMask.Clear();
    }
}

/// <summary>A token the model produced for one piece: its id, its string (null: the vocabulary's) and the
/// units [Start, End) of the piece it covers.</summary>
internal readonly record struct ModelToken(int Id, int Start, int End, string? Value = null);
