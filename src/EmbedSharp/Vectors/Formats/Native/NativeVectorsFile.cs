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
/// starting inside a character, and (unless allowed) a header flag saying the matrix holds NaN or ±∞. All of this is
/// checked before the matrix is touched; the header before anything is mapped. <see cref="Verify"/> also reads the
/// whole file to check the block checksums, the non-finite flag and that the words are distinct.
/// </remarks>
public static class NativeVectorsFile
{
    /// <summary>Maps <paramref name="path"/> and returns word vectors over it; dispose the result to unmap. Opening reads
    /// the header, the word offsets and the word bytes (UTF-8 check), never the matrix: a 400,000 × 300 file opens in
    /// about 2 ms.</summary>
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
