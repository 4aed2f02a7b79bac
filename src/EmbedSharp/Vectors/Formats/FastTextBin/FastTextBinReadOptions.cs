namespace EmbedSharp.Vectors.Formats.FastTextBin;

/// <summary>What a reader does with a dictionary word whose bytes are not valid UTF-8. fastText itself works on bytes and
/// never decodes; the policy only decides the <see cref="string"/> form of the word.</summary>
public enum InvalidUtf8Handling
{
    /// <summary>Refuse the file, naming the entry and its byte offset.</summary>
    Strict,

    /// <summary>Decode with U+FFFD for each invalid sequence (as <c>Encoding.UTF8</c> does); the entry keeps its raw bytes
    /// for hashing and lookup by bytes, and is reported in <c>FastTextModel.InvalidUtf8Entries</c>. gensim decodes such
    /// words with <c>backslashreplace</c> instead.</summary>
    Replace,

    /// <summary>Like <see cref="Replace"/>, but the entry is left out of <c>ToWordVectors()</c> (its row still serves
    /// lookups by bytes and its n-grams are unaffected).</summary>
    Skip,
}

/// <summary>Options for reading a fastText <c>.bin</c> file.</summary>
public sealed record FastTextBinReadOptions
{
    /// <summary>The default options: <see cref="InvalidUtf8Handling.Replace"/>, non-finite values refused.</summary>
    public static FastTextBinReadOptions Default { get; } = new();

    /// <summary>What to do with a word whose bytes are not valid UTF-8. Default: <see cref="InvalidUtf8Handling.Replace"/>.</summary>
    public InvalidUtf8Handling InvalidUtf8 { get; init; } = InvalidUtf8Handling.Replace;

    /// <summary>Accept NaN and ±Inf in the matrices. Default false: a non-finite value is reported with its byte offset.</summary>
    public bool AllowNonFinite { get; init; }
}
