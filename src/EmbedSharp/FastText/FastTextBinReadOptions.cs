using EmbedSharp.Vectors.Formats;

namespace EmbedSharp.FastText;

/// <summary>Options for reading a fastText <c>.bin</c> file.</summary>
public sealed record FastTextBinReadOptions
{
    /// <summary>The default options: <see cref="Utf8Policy.Replace"/>, non-finite values refused.</summary>
    public static FastTextBinReadOptions Default { get; } = new();

    /// <summary>What to do with a word whose bytes are not valid UTF-8. Default: <see cref="Utf8Policy.Replace"/>.</summary>
    public Utf8Policy InvalidUtf8 { get; init; } = Utf8Policy.Replace;

    /// <summary>Accept NaN and ±Inf in the matrices. Default false: a non-finite value is reported with its byte offset.</summary>
    public bool AllowNonFinite { get; init; }
}
