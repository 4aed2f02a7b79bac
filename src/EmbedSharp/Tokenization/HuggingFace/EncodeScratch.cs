namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>The working memory of one <see cref="HuggingFaceTokenizer.Encode(string, bool)"/> call: reused lists,
/// so that one encode allocates a fixed number of objects whatever its token count (besides the result).</summary>
internal sealed class EncodeScratch
{
    public PieceBuffer Buffer { get; } = new();

    public List<Piece> Pieces { get; } = [];

    public List<Piece> NextPieces { get; } = [];

    public List<(int Start, int End)> Matches { get; } = [];

    public List<(int Start, int End, bool IsMatch)> Segments { get; } = [];

    public List<(int CodePoint, int Change)> Changes { get; } = [];

    public List<ModelToken> Tokens { get; } = [];

    public List<int> Ids { get; } = [];

    public List<string> TokenStrings { get; } = [];

    public List<TokenSpan> Spans { get; } = [];

    public List<int> SpecialMask { get; } = [];
}

/// <summary>A token the model produced for one piece: its id, its string (null: the vocabulary's) and the
/// units [Start, End) of the piece it covers.</summary>
internal readonly record struct ModelToken(int Id, int Start, int End, string? Value = null);
