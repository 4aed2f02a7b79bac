namespace EmbedSharp.Tokenization.WordPiece;

/// <summary>Finds special tokens in raw text as Hugging Face's added-token split does: the earliest position where one
/// starts, and the longest of those starting there. Tokens are grouped by their first character so a text without
/// any of them costs one <see cref="MemoryExtensions.IndexOfAny{T}(ReadOnlySpan{T}, System.Buffers.SearchValues{T})"/>
/// scan.</summary>
internal sealed class SpecialTokenMatcher
{
    private readonly Dictionary<char, (string Token, int Id)[]> _byFirst;
    private readonly System.Buffers.SearchValues<char> _firsts;

    public SpecialTokenMatcher(IEnumerable<string> tokens, IReadOnlyDictionary<string, int> ids)
    {
        Tokens = [.. tokens.Distinct(StringComparer.Ordinal)];
        _byFirst = Tokens
            .GroupBy(t => t[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Length).Select(t => (t, ids[t])).ToArray());
        _firsts = System.Buffers.SearchValues.Create([.. _byFirst.Keys]);
    }

    public IReadOnlyList<string> Tokens { get; }

    /// <summary>The first special token at or after <paramref name="from"/>.</summary>
    public bool Find(string text, int from, out int at, out int length, out int id)
    {
        if (Tokens.Count > 0)
        {
            var span = text.AsSpan();
            var i = from;
            while (i < span.Length)
            {
                var next = span[i..].IndexOfAny(_firsts);
                if (next < 0)
                {
                    break;
                }

                i += next;
                foreach (var (token, tokenId) in _byFirst[span[i]])
                {
                    if (span[i..].StartsWith(token, StringComparison.Ordinal))
                    {
                        (at, length, id) = (i, token.Length, tokenId);
                        return true;
                    }
                }

                i++;
            }
        }

        (at, length, id) = (-1, 0, -1);
        return false;
    }
}
