using EmbedSharp.Numerics;

namespace EmbedSharp.FastText;

/// <summary>What <see cref="FastTextBinReader"/> reads from a <c>.bin</c>: the sections of fastText's <c>saveModel</c>
/// and what the reader noticed on the way. <see cref="FastTextModel"/> is built from it.</summary>
/// <param name="Args">The stored arguments.</param>
/// <param name="Dictionary">The dictionary section.</param>
/// <param name="Input">The input matrix. Shape: (nwords + bucket, dim).</param>
/// <param name="Output">The output matrix. Shape: (rows, dim).</param>
/// <param name="OutputQuantizedFlag">The <c>qout</c> byte before the output matrix.</param>
/// <param name="InvalidUtf8Entries">Entries whose bytes are not valid UTF-8.</param>
/// <param name="DuplicateEntries">Entries that repeat an earlier entry's bytes.</param>
internal sealed record FastTextBinContent(
    FastTextOptions Args, FastTextDictionary Dictionary, FloatTensor Input, FloatTensor Output, bool OutputQuantizedFlag,
    int[] InvalidUtf8Entries, int[] DuplicateEntries)
{
    /// <summary>The file's format version: 12, 11, or <see cref="FastTextBinConstants.VersionBeforeMagic"/> (0).</summary>
    public int FileVersion { get; init; } = FastTextBinConstants.Version;
}
