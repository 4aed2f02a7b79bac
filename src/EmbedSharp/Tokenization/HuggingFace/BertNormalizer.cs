using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>
/// Hugging Face <c>BertNormalizer</c>: <c>clean_text</c> drops NUL, U+FFFD and control characters and turns whitespace
/// into spaces; <c>handle_chinese_chars</c> puts spaces around CJK ideographs; <c>strip_accents</c> (default: as
/// <c>lowercase</c>) is NFD then dropping Mn; <c>lowercase</c>. Character classes as in Hugging Face's <c>normalizers/bert.rs</c>.
/// </summary>
internal sealed class BertNormalizer : Normalizer
{
    private readonly bool cleanText;
    private readonly bool chineseChars;
    private readonly bool stripAccents;
    private readonly bool lowercase;
    private readonly UnicodeFormNormalizer nfd = new(compatibility: false, compose: false);
    private readonly LowercaseNormalizer lower = new();

    public BertNormalizer(JsonSource json, JsonElement element, string path)
    {
        cleanText = json.Bool(element, "clean_text", path, true);
        chineseChars = json.Bool(element, "handle_chinese_chars", path, true);
        lowercase = json.Bool(element, "lowercase", path, true);
        stripAccents = json.Bool(element, "strip_accents", path, lowercase);
    }

    public override Piece Normalize(PieceBuffer buffer, Piece piece, EncodeScratch scratch)
    {
        if (cleanText)
        {
            // Runs of units that stay as they are (spaces included: a space becomes itself) are copied in one piece;
            // a piece that does not change at all is kept as it is.
            var start = buffer.Length;
            var run = piece.Start;
            for (var i = piece.Start; i < piece.End;)
            {
                if (buffer[i] is >= ' ' and < '\u007F')
                {
                    i++; // printable ASCII: kept as it is
                    continue;
                }

                var width = buffer.Width(i, piece.End);
                var cp = buffer.CodePoint(i, piece.End);
                var dropped = IsDropped(cp);
                if (dropped || (cp != ' ' && IsWhitespace(cp)))
                {
                    buffer.Copy(run, i);
                    if (!dropped)
                    {
                        buffer.Append(' ', buffer.SourceStart(i), buffer.SourceEnd(i));
                    }

                    run = i + width;
                }

                i += width;
            }

            if (run != piece.Start)
            {
                buffer.Copy(run, piece.End);
                piece = new Piece(start, buffer.Length, piece.AddedId);
            }
        }

        if (chineseChars)
        {
            var start = buffer.Length;
            var run = piece.Start;
            for (var i = piece.Start; i < piece.End;)
            {
                if (buffer[i] < '\u3400')
                {
                    i++; // below every ideograph block and every surrogate: one unit, not Chinese
                    continue;
                }

                var width = buffer.Width(i, piece.End);
                if (IsChinese(buffer.CodePoint(i, piece.End)))
                {
                    buffer.Copy(run, i);
                    var (s, e) = (buffer.SourceStart(i), buffer.SourceEnd(i));
                    buffer.Append(' ', s, e);
                    buffer.Copy(i, i + width);
                    buffer.Append(' ', s, e);
                    run = i + width;
                }

                i += width;
            }

            if (run != piece.Start)
            {
                buffer.Copy(run, piece.End);
                piece = new Piece(start, buffer.Length, piece.AddedId);
            }
        }

        if (stripAccents)
        {
            piece = StripAccentsNormalizer.Filter(buffer, nfd.Normalize(buffer, piece, scratch), nonSpacingOnly: true);
        }

        return lowercase ? lower.Normalize(buffer, piece, scratch) : piece;
    }

    /// <summary>NUL, U+FFFD and the control/other characters (removed by <c>clean_text</c>).</summary>
    public static bool IsDropped(int cp) => HuggingFaceUnicode.IsBertDropped(cp);

    /// <summary>Tab, LF, CR and whitespace (made spaces by <c>clean_text</c>).</summary>
    public static bool IsWhitespace(int cp) => HuggingFaceUnicode.IsBertWhitespace(cp);

    /// <summary>The CJK ideograph blocks of Hugging Face's <c>is_chinese_char</c>.</summary>
    public static bool IsChinese(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B920 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
