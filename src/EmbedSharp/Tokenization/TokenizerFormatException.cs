namespace EmbedSharp.Tokenization;

/// <summary>A tokenizer file is malformed: the message names the file and, where one applies, the 1-based line.</summary>
public sealed class TokenizerFormatException : IOException
{
    /// <summary>Creates the exception; the message is prefixed with <c>path:line:</c> (or <c>path:</c>).</summary>
    public TokenizerFormatException(string path, long? line, string message, Exception? inner = null)
        : base(line is { } l ? FormattableString.Invariant($"{path}:{l}: {message}") : $"{path}: {message}", inner)
    {
        FilePath = path;
        Line = line;
    }

    /// <summary>The file that is malformed.</summary>
    public string FilePath { get; }

    /// <summary>The 1-based line number, or null when the problem is not on one line.</summary>
    public long? Line { get; }
}
