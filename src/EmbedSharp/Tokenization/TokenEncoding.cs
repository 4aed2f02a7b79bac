namespace EmbedSharp.Tokenization;

/// <summary>The result of <see cref="ITokenizer.Encode"/>: parallel arrays of ids, token strings and character spans.</summary>
/// <param name="Ids">Token ids in order.</param>
/// <param name="Tokens">The vocabulary string of each id.</param>
/// <param name="Spans">For each token, the UTF-16 span of the input text it came from (empty for inserted tokens).</param>
public sealed record TokenEncoding(int[] Ids, string[] Tokens, TokenSpan[] Spans)
{
    /// <summary>The number of tokens.</summary>
    public int Count => Ids.Length;
}

/// <summary>A span of the input text in UTF-16 code units: <c>text.Substring(Start, Length)</c>.</summary>
/// <param name="Start">Index of the first code unit.</param>
/// <param name="Length">Number of code units.</param>
public readonly record struct TokenSpan(int Start, int Length)
{
    /// <summary>One past the last code unit.</summary>
    public int End => Start + Length;
}
