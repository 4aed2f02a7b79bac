using EmbedSharp.Tokenization.Bpe;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>Hugging Face <c>ByteLevel</c> post-processor: with <c>trim_offsets</c>, a token's span loses the leading and
/// trailing spaces its string carries (Ġ or whitespace), except the single space that <c>add_prefix_space</c> put
/// before the first token.</summary>
internal sealed class ByteLevelPostProcessor(bool trimOffsets, bool addPrefixSpace) : PostProcessor
{
    private static readonly char SpaceChar = ByteLevel.ToChar((byte)' ');

    public override int AddedTokens => 0;

    public override void Process(EncodeScratch scratch, bool addSpecialTokens)
    {
        if (!trimOffsets)
        {
            return;
        }

        for (var i = 0; i < scratch.Ids.Count; i++)
        {
            var token = scratch.TokenStrings[i];
            var leading = 0;
            while (leading < token.Length && IsSpace(token[leading]))
            {
                leading++;
            }

            var trailing = 0;
            while (trailing < token.Length && IsSpace(token[token.Length - 1 - trailing]))
            {
                trailing++;
            }

            if (leading == 0 && trailing == 0)
            {
                continue;
            }

            var (start, end) = (scratch.Spans[i].Start, scratch.Spans[i].End);
            if (leading > 0)
            {
                if ((i == 0 || start == 0) && addPrefixSpace && leading == 1)
                {
                    leading = 0;
                }

                start = Math.Min(start + leading, end);
            }

            if (trailing > 0 && end >= trailing)
            {
                end = Math.Max(end - trailing, start);
            }

            scratch.Spans[i] = new TokenSpan(start, end - start);
        }
    }

    private static bool IsSpace(char c) => c == SpaceChar || char.IsWhiteSpace(c);
}
