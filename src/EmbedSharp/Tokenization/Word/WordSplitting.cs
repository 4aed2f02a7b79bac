namespace EmbedSharp.Tokenization.Word;

/// <summary>What a word is: the rules <see cref="WordTokenizer"/> (and its static <see cref="WordTokenizer.Split(string, WordSplitting, System.Text.RegularExpressions.Regex?)"/>)
/// split text by. A rule fixes both where words are and how each is written.</summary>
public enum WordSplitting
{
    /// <summary>fastText's rule: words are maximal runs of characters other than space, \n, \r, \t, \v, \f and \0
    /// (<see cref="WordTokenizer.IsFastTextSpace"/>), taken as they are. Every other character, also non-ASCII white
    /// space such as U+00A0, belongs to a word. fastText's training-file reader follows the same rule on UTF-8 bytes.</summary>
    Whitespace,

    /// <summary>Each non-empty match of a regular expression is a word, taken as it is (default <c>\w+|[^\w\s]+</c>:
    /// words and punctuation runs).</summary>
    Regex,

    /// <summary>Lower-case words of letters and digits (the classifier's rule): maximal runs of Unicode letters, digits,
    /// letter numbers and combining marks, with apostrophes (<c>'</c> and the typographic <c>’</c>) kept inside a word
    /// and stripped from its ends; every other character separates. Each word is lower-cased (culture-invariant, one
    /// UTF-16 unit for one) with <c>’</c> written as <c>'</c>. "Don't stop!" → ["don't", "stop"]; "'quoted'" →
    /// ["quoted"]; "e-mail 2x" → ["e", "mail", "2x"].</summary>
    LowerCaseAlphanumeric,
}
