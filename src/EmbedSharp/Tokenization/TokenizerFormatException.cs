using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Tokenization;

/// <summary>A tokenizer file (vocabulary, merges, model) is malformed: the message names the file and, where one
/// applies, the 1-based line, as <c>path:line: message</c> (or <c>path: message</c>).</summary>
public sealed class TokenizerFormatException : FileFormatException
{
    /// <summary>Creates the exception; the message is prefixed with <c>path:line:</c> (or <c>path:</c>).</summary>
    public TokenizerFormatException(string path, long? line, string message, Exception? inner = null)
        : base(line is { } l ? FormattableString.Invariant($"{path}:{l}: {message}") : $"{path}: {message}", path, line ?? -1, -1, inner)
    {
    }
}
