namespace EmbedSharp.Tokenization.Word;

/// <summary>How <see cref="WordTokenizer"/> finds words.</summary>
public enum WordSplitting
{
    /// <summary>fastText's rule: words are runs of characters other than space, \n, \r, \t, \v, \f and \0.</summary>
    Whitespace,

    /// <summary>Each match of a regular expression is a word (default <c>\w+|[^\w\s]+</c>: words and punctuation runs).</summary>
    Regex,
}
