using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Vectors.Formats.Native;

/// <summary>
/// EmbedSharp's own word-vector format for large tables, opened in constant time by memory-mapping and shared between
/// processes through the page cache. Layout (all little-endian; <c>docs/formats/native.md</c>): a 128-byte header
/// (magic <c>\x89ESVEC\r\n</c>, version, V, D, dtype, block offsets, CRC-32C checksums), the (V, D) float32 matrix
/// row-major at a 4096-byte boundary, a table of V + 1 u64 word offsets, the UTF-8 words, and an open-addressing hash
/// table (FNV-1a 64, linear probing) so that looking a word up needs no dictionary built at open time.
/// No PyTorch/gensim equivalent: the nearest are gensim's <c>KeyedVectors.load(…, mmap='r')</c> and NumPy's
/// <c>np.load(…, mmap_mode='r')</c>, which still unpickle the vocabulary.
/// </summary>
/// <remarks>
/// Bad input throws <see cref="TensorFormatException"/> (path and byte offset) for: a file shorter than the header, a wrong
/// magic, an unknown major version, a header checksum mismatch, an unknown dtype/flag/hash code, non-zero reserved bytes,
/// V or D beyond what a table holds, any block outside the file, overlapping or misaligned, a file that is truncated or
/// has trailing bytes, word offsets that do not start at 0, decrease or run past the word bytes, invalid UTF-8 or a word
/// starting inside a character, a hash slot naming a row beyond V or a row twice, a hash table holding other than V
/// words, and (unless <see cref="NativeVectorsReadOptions.AllowNonFinite"/>) a header flag saying the matrix holds NaN or
/// ±∞, or a NaN or ±∞ found in the matrix although the flag says there is none (damage). The header is checked before
/// anything is mapped; the vocabulary before the matrix. <see cref="Verify"/> also reads the whole file to check the
/// block checksums and that every word is found by the hash index at its own row.
/// </remarks>
public static class NativeVectorsFile
{
    /// <summary>Maps <paramref name="path"/> and returns word vectors over it; dispose the result to unmap. Opening reads
    /// the header, the word offsets, the word bytes (UTF-8 check) and the hash slots, then makes one vectorised pass over
    /// the matrix for NaN and ±∞ (at memory speed: tens of milliseconds per GB in the page cache, more from a cold
    /// disk); with <see cref="NativeVectorsReadOptions.AllowNonFinite"/> the matrix is not read and a 400,000 × 300
    /// file opens in a few milliseconds. A pipe or FIFO is refused (the file is mapped).</summary>
    /// <exception cref="TensorFormatException">The file is malformed (see the type's remarks).</exception>
    public static WordVectors Open(string path, NativeVectorsReadOptions? options = null) =>
        NativeVectorsReader.Open(path, options ?? new NativeVectorsReadOptions());

    /// <summary>Writes <paramref name="vectors"/> as a native file, atomically (a reader that has the old file mapped
    /// keeps seeing the old contents). Deterministic: the same words and values give the same bytes.</summary>
    /// <exception cref="ArgumentException">A vector holds NaN or ±∞ (unless allowed), or a word has an unpaired
    /// surrogate; nothing is written.</exception>
    public static void Write(string path, WordVectors vectors, NativeVectorsWriteOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(vectors);
        var plan = NativeVectorsWriter.Prepare(vectors, options ?? new NativeVectorsWriteOptions());
        AtomicFile.Write(path, stream => NativeVectorsWriter.Write(stream, vectors, plan));
    }

    /// <summary>Reads the whole file and checks what <see cref="Open"/> trusts: the matrix and vocabulary checksums, the
    /// non-finite flag against the values, and that every word is found at its own row by the hash index.</summary>
    /// <exception cref="TensorFormatException">The file is malformed or corrupt.</exception>
    public static void Verify(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        NativeVectorsReader.Verify(path);
    }
}
