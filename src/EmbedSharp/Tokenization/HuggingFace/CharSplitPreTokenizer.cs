using System.Globalization;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face pre-tokenizers that split on a class of characters, each such character a delimiter:
/// <c>WhitespaceSplit</c> (White_Space, removed), <c>Punctuation</c> (ASCII punctuation and P*), <c>Digits</c>
/// (N*: each digit alone with <c>individual_digits</c>, else runs), <c>CharDelimiterSplit</c> (one character, removed).</summary>
internal sealed class CharSplitPreTokenizer : PreTokenizer
{
    private readonly Kind kind;
    private readonly int delimiter;
    private readonly SplitBehavior behavior;

    public CharSplitPreTokenizer(Kind kind, SplitBehavior behavior)
    {
        this.kind = kind;
        this.behavior = behavior;
        delimiter = -1;
    }

    public CharSplitPreTokenizer(int delimiter, SplitBehavior behavior)
    {
        kind = Kind.Delimiter;
        this.delimiter = delimiter;
        this.behavior = behavior;
    }

    /// <summary>The character class.</summary>
    public enum Kind
    {
        Whitespace,
        Punctuation,
        Digit,
        Delimiter,
    }

    protected override void Split(PieceBuffer buffer, Piece piece, EncodeScratch scratch, List<Piece> output)
    {
        SplitOn(buffer, piece, scratch, output, kind, delimiter, behavior);
    }

    /// <summary>Splits one piece on the characters of <paramref name="kind"/>.</summary>
    public static void SplitOn(PieceBuffer buffer, Piece piece, EncodeScratch scratch, List<Piece> output, Kind kind, int delimiter, SplitBehavior behavior)
    {
        var segments = scratch.Segments;
        segments.Clear();
        var last = 0;
        for (var i = piece.Start; i < piece.End;)
        {
            var width = buffer.Width(i, piece.End);
            var cp = buffer.CodePoint(i, piece.End);
            var hit = kind switch
            {
                Kind.Whitespace => cp < 0x10000 && char.IsWhiteSpace((char)cp),
                Kind.Punctuation => HuggingFaceUnicode.IsPunctuation(cp),
                Kind.Digit => CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber,
                _ => cp == delimiter,
            };
            if (hit)
            {
                var at = i - piece.Start;
                if (last < at)
                {
                    segments.Add((last, at, false));
                }

                segments.Add((at, at + width, true));
                last = at + width;
            }

            i += width;
        }

        if (last < piece.Length)
        {
            segments.Add((last, piece.Length, false));
        }

        Apply(piece, segments, behavior, output);
    }
}
