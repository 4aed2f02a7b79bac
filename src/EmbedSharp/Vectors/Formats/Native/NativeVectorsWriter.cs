using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using C = EmbedSharp.Vectors.Formats.Native.NativeVectorsConstants;

namespace EmbedSharp.Vectors.Formats.Native;

/// <summary>Writes native files: header (written last, once the checksums are known), the matrix at a page boundary,
/// the word-offset table, the UTF-8 words and the hash index.</summary>
internal static class NativeVectorsWriter
{
    /// <summary>Everything but the matrix, computed (and validated) before the file is created.</summary>
    internal sealed record Plan(NativeVectorsHeader Header, byte[] Offsets, byte[] Strings, byte[] Index);

    public static Plan Prepare(WordVectors vectors, NativeVectorsWriteOptions options)
    {
        var words = vectors.Words;
        long count = words.Count, dim = vectors.Dimension;
        var nonFinite = WordRows.FindNonFinite(vectors.Vectors, count, out var badRow, out var badColumn);
        if (nonFinite && !options.AllowNonFinite)
        {
            throw new ArgumentException(Invariant($"The vector of '{words[(int)badRow]}' (row {badRow}) has {vectors.Vectors.Row(badRow)[badColumn]} at column {badColumn}; set AllowNonFinite to write non-finite values."), nameof(vectors));
        }

        var encoded = new byte[count][];
        var offsets = new byte[(count + 1) * sizeof(ulong)];
        long total = 0;
        for (var i = 0; i < count; i++)
        {
            var word = words[i];
            var bytes = new byte[Encoding.UTF8.GetByteCount(word)];
            if (System.Text.Unicode.Utf8.FromUtf16(word, bytes, out _, out _, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done)
            {
                throw new ArgumentException(Invariant($"Word {i} contains an unpaired surrogate and has no UTF-8 form."), nameof(vectors));
            }

            encoded[i] = bytes;
            total += bytes.Length;
            BinaryPrimitives.WriteUInt64LittleEndian(offsets.AsSpan((i + 1) * sizeof(ulong)), (ulong)total);
        }

        if (total > Array.MaxLength)
        {
            throw new ArgumentException(Invariant($"The words take {total} UTF-8 bytes; at most {Array.MaxLength} are supported."), nameof(vectors));
        }

        var strings = new byte[total];
        long at = 0;
        foreach (var bytes in encoded)
        {
            bytes.CopyTo(strings, at);
            at += bytes.Length;
        }

        var slots = (long)BitOperations.RoundUpToPowerOf2((ulong)((2 * count) + 1));
        var index = new uint[slots];
        var mask = (ulong)slots - 1;
        for (var i = 0; i < count; i++)
        {
            var slot = NativeWordIndex.Hash(encoded[i]) & mask;
            while (index[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            index[slot] = (uint)(i + 1);
        }

        var indexBytes = new byte[slots * sizeof(uint)];
        for (var s = 0; s < slots; s++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(indexBytes.AsSpan(s * sizeof(uint)), index[s]);
        }

        long matrixOffset = C.MatrixAlignment;
        var offsetsOffset = Align(matrixOffset + (count * dim * sizeof(float)), sizeof(ulong));
        var stringsOffset = offsetsOffset + offsets.Length;
        var indexOffset = Align(stringsOffset + total, sizeof(ulong));
        var vocabularyCrc = Crc32C.Start;
        vocabularyCrc = Crc32C.Append(vocabularyCrc, offsets);
        vocabularyCrc = Crc32C.Append(vocabularyCrc, strings);
        vocabularyCrc = Crc32C.Append(vocabularyCrc, new byte[indexOffset - (stringsOffset + total)]);
        vocabularyCrc = Crc32C.Append(vocabularyCrc, indexBytes);
        var header = new NativeVectorsHeader(C.MinorVersion, nonFinite ? C.FlagMayContainNonFinite : 0, count, dim, matrixOffset, offsetsOffset,
            stringsOffset, total, indexOffset, slots, 0, Crc32C.Finish(vocabularyCrc));
        return new Plan(header, offsets, strings, indexBytes);
    }

    public static void Write(Stream stream, WordVectors vectors, Plan plan)
    {
        if (!stream.CanSeek)
        {
            throw new ArgumentException("The native writer needs a seekable stream (it writes the header last).", nameof(stream));
        }

        var start = stream.Position;
        var h = plan.Header;
        stream.Write(new byte[h.MatrixOffset]); // header placeholder and padding
        var crc = Crc32C.Start;
        var matrix = vectors.Vectors;
        byte[]? swapped = BitConverter.IsLittleEndian ? null : new byte[h.Dimension * sizeof(float)];
        for (long r = 0; r < h.WordCount; r++)
        {
            ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(matrix.Row(r));
            if (swapped is not null)
            {
                var row = matrix.Row(r);
                for (var j = 0; j < row.Length; j++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(swapped.AsSpan(j * sizeof(float)), row[j]);
                }

                bytes = swapped;
            }

            crc = Crc32C.Append(crc, bytes);
            stream.Write(bytes);
        }

        stream.Write(new byte[h.OffsetsOffset - h.MatrixOffset - h.MatrixBytes]);
        stream.Write(plan.Offsets);
        stream.Write(plan.Strings);
        stream.Write(new byte[h.IndexOffset - h.StringsOffset - h.StringsLength]);
        stream.Write(plan.Index);
        var end = stream.Position;
        stream.Position = start;
        stream.Write((h with { MatrixCrc = Crc32C.Finish(crc) }).Format());
        stream.Position = end;
    }

    private static long Align(long value, long alignment) => (value + alignment - 1) / alignment * alignment;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
