namespace EmbedSharp.Vectors.Formats;

/// <summary>What a word-vector reader does with a word whose bytes are not valid UTF-8 (or, in JSON, a string with an
/// unpaired surrogate escape).</summary>
public enum InvalidUtf8Policy
{
    /// <summary>Refuse the file with a <see cref="Numerics.Formats.TensorFormatException"/> naming the entry and its byte
    /// offset. The default.</summary>
    Throw,

    /// <summary>Decode with U+FFFD for every invalid sequence (gensim's <c>unicode_errors='replace'</c>); if two words
    /// become equal, the later one is a duplicate.</summary>
    Replace,

    /// <summary>Drop the word and its vector, and list it in the read report.</summary>
    Skip,
}
