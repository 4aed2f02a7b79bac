using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace EmbedSharp.Numerics.Formats;

/// <summary>Element types stored in tensor files, independent of how each format names them.</summary>
internal enum ElementKind
{
    Float32,
    Float64,
    Float16,
    BFloat16,
    Int32,
    Int64,
    Int8,
    UInt8,
    Int16,
    UInt16,
    UInt32,
}

/// <summary>
/// Converts between little-endian element bytes in a stream and <see cref="FloatTensor"/> / <c>long</c> storage,
/// block by block (never one array for the whole tensor). Correct on big-endian hosts by construction: bytes are
/// reinterpreted directly only when <see cref="BitConverter.IsLittleEndian"/>, otherwise decoded per element.
/// </summary>
internal static class ElementCodec
{
    /// <summary>Elements converted per block: 64 Ki elements, at most 512 KiB of bytes.</summary>
    private const int BlockElements = 1 << 16;

    public static int SizeOf(ElementKind kind) => kind switch
    {
        ElementKind.Int8 or ElementKind.UInt8 => 1,
        ElementKind.Float16 or ElementKind.BFloat16 or ElementKind.Int16 or ElementKind.UInt16 => 2,
        ElementKind.Float32 or ElementKind.Int32 or ElementKind.UInt32 => 4,
        ElementKind.Float64 or ElementKind.Int64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static bool IsInteger(ElementKind kind) =>
        kind is ElementKind.Int32 or ElementKind.Int64 or ElementKind.Int8 or ElementKind.UInt8 or ElementKind.Int16
            or ElementKind.UInt16 or ElementKind.UInt32;

    /// <summary>Reads <c>destination.Length</c> elements of <paramref name="kind"/> into the tensor, converting to
    /// float32 with round-to-nearest-even (exact for F32, F16, BF16). <paramref name="bigEndian"/>: the stored elements
    /// are big-endian (numpy's <c>&gt;</c> byte order) and each is byte-swapped first.</summary>
    public static void ReadFloats(TensorStreamReader reader, ElementKind kind, FloatTensor destination, bool bigEndian = false)
    {
        var size = SizeOf(kind);
        var bytes = ArrayPool<byte>.Shared.Rent(BlockElements * size);
        var floats = ArrayPool<float>.Shared.Rent(BlockElements);
        try
        {
            for (long pos = 0; pos < destination.Length; pos += BlockElements)
            {
                var n = (int)Math.Min(BlockElements, destination.Length - pos);
                var src = bytes.AsSpan(0, n * size);
                reader.ReadExactly(src, "the tensor data");
                if (bigEndian)
                {
                    ReverseEachElement(src, size);
                }

                var dst = floats.AsSpan(0, n);
                DecodeFloats(kind, src, dst);
                destination.WriteFlat(pos, dst);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(floats);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Reads <c>destination.Length</c> integers of <paramref name="kind"/> (an integer kind) as int64;
    /// <paramref name="bigEndian"/> as in <see cref="ReadFloats"/>.</summary>
    public static void ReadInt64s(TensorStreamReader reader, ElementKind kind, Span<long> destination, bool bigEndian = false)
    {
        var size = SizeOf(kind);
        var bytes = ArrayPool<byte>.Shared.Rent(BlockElements * size);
        try
        {
            while (!destination.IsEmpty)
            {
                var n = Math.Min(BlockElements, destination.Length);
                var src = bytes.AsSpan(0, n * size);
                reader.ReadExactly(src, "the tensor data");
                if (bigEndian)
                {
                    ReverseEachElement(src, size);
                }

                DecodeInt64s(kind, src, destination[..n]);
                destination = destination[n..];
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Skips <paramref name="byteCount"/> bytes (data of a tensor this library does not decode).</summary>
    public static void Skip(TensorStreamReader reader, long byteCount)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(BlockElements);
        try
        {
            while (byteCount > 0)
            {
                var n = (int)Math.Min(BlockElements, byteCount);
                reader.ReadExactly(bytes.AsSpan(0, n), "the tensor data");
                byteCount -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Reverses the bytes of each <paramref name="size"/>-byte element in place (big-endian ↔ little-endian).</summary>
    internal static void ReverseEachElement(Span<byte> bytes, int size)
    {
        switch (size)
        {
            case 1:
                break;
            case 2:
                var u16 = MemoryMarshal.Cast<byte, ushort>(bytes);
                BinaryPrimitives.ReverseEndianness(u16, u16);
                break;
            case 4:
                var u32 = MemoryMarshal.Cast<byte, uint>(bytes);
                BinaryPrimitives.ReverseEndianness(u32, u32);
                break;
            case 8:
                var u64 = MemoryMarshal.Cast<byte, ulong>(bytes);
                BinaryPrimitives.ReverseEndianness(u64, u64);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(size));
        }
    }

    /// <summary>Writes every element of <paramref name="tensor"/> as little-endian 16-bit values rounded by
    /// <paramref name="rounding"/> (see <see cref="HalfRounding"/>), block by block.</summary>
    public static void WriteHalves(Stream stream, FloatTensor tensor, HalfRounding.Rule rounding)
    {
        var halves = ArrayPool<ushort>.Shared.Rent(BlockElements);
        try
        {
            for (var c = 0; c < tensor.ChunkCount; c++)
            {
                ReadOnlySpan<float> values = tensor.Chunk(c);
                while (!values.IsEmpty)
                {
                    var n = Math.Min(BlockElements, values.Length);
                    var block = halves.AsSpan(0, n);
                    HalfRounding.Convert(rounding, values[..n], block);
                    WriteLittleEndian<ushort>(stream, block);
                    values = values[n..];
                }
            }
        }
        finally
        {
            ArrayPool<ushort>.Shared.Return(halves);
        }
    }

    /// <summary>Writes every element of <paramref name="tensor"/> as little-endian float64 (exact widening).</summary>
    public static void WriteDoubles(Stream stream, FloatTensor tensor)
    {
        var doubles = ArrayPool<double>.Shared.Rent(BlockElements);
        try
        {
            for (var c = 0; c < tensor.ChunkCount; c++)
            {
                ReadOnlySpan<float> values = tensor.Chunk(c);
                while (!values.IsEmpty)
                {
                    var n = Math.Min(BlockElements, values.Length);
                    var block = doubles.AsSpan(0, n);
                    for (var i = 0; i < n; i++)
                    {
                        block[i] = values[i];
                    }

                    WriteLittleEndian<double>(stream, block);
                    values = values[n..];
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(doubles);
        }
    }

    /// <summary>Writes every element of <paramref name="tensor"/> as little-endian float32, chunk by chunk.</summary>
    public static void WriteFloats(Stream stream, FloatTensor tensor)
    {
        for (var c = 0; c < tensor.ChunkCount; c++)
        {
            WriteFloats(stream, tensor.Chunk(c));
        }
    }

    /// <summary>Writes <paramref name="values"/> as little-endian float32.</summary>
    public static void WriteFloats(Stream stream, ReadOnlySpan<float> values) => WriteLittleEndian(stream, values);

    /// <summary>Writes <paramref name="values"/> as little-endian int64.</summary>
    public static void WriteInt64s(Stream stream, ReadOnlySpan<long> values) => WriteLittleEndian(stream, values);

    /// <summary>Writes fixed-size numbers little-endian, in blocks; a big-endian host reverses each element's bytes.</summary>
    private static void WriteLittleEndian<T>(Stream stream, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        if (BitConverter.IsLittleEndian)
        {
            while (!values.IsEmpty)
            {
                var n = Math.Min(BlockElements, values.Length);
                stream.Write(MemoryMarshal.AsBytes(values[..n]));
                values = values[n..];
            }

            return;
        }

        var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var bytes = ArrayPool<byte>.Shared.Rent(BlockElements * size);
        try
        {
            while (!values.IsEmpty)
            {
                var n = Math.Min(BlockElements, values.Length);
                var block = bytes.AsSpan(0, n * size);
                MemoryMarshal.AsBytes(values[..n]).CopyTo(block);
                for (var i = 0; i < block.Length; i += size)
                {
                    block.Slice(i, size).Reverse();
                }

                stream.Write(block);
                values = values[n..];
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Decodes little-endian elements to float32. <paramref name="source"/> holds exactly
    /// <c>destination.Length</c> elements.</summary>
    internal static void DecodeFloats(ElementKind kind, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (kind)
        {
            case ElementKind.Float32 when BitConverter.IsLittleEndian:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case ElementKind.Float32:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * 4)..]);
                }

                break;
            case ElementKind.Float64:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source[(i * 8)..]);
                }

                break;
            case ElementKind.Float16 when BitConverter.IsLittleEndian:
                // Half -> float is exact (every binary16 value, subnormals, ±inf and NaN payloads included).
                System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
                break;
            case ElementKind.Float16:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(source[(i * 2)..]));
                }

                break;
            case ElementKind.BFloat16:
                // bfloat16 is the top half of a float32: shift the 16 stored bits into place.
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(source[(i * 2)..]) << 16);
                }

                break;
            case ElementKind.Int32:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadInt32LittleEndian(source[(i * 4)..]);
                }

                break;
            case ElementKind.Int64:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadInt64LittleEndian(source[(i * 8)..]);
                }

                break;
            case ElementKind.Int8 or ElementKind.UInt8 or ElementKind.Int16 or ElementKind.UInt16 or ElementKind.UInt32:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = ReadSmallInteger(kind, source, i);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    /// <summary>Element <paramref name="i"/> of little-endian Int8, UInt8, Int16, UInt16 or UInt32 data.</summary>
    private static long ReadSmallInteger(ElementKind kind, ReadOnlySpan<byte> source, int i) => kind switch
    {
        ElementKind.Int8 => (sbyte)source[i],
        ElementKind.UInt8 => source[i],
        ElementKind.Int16 => BinaryPrimitives.ReadInt16LittleEndian(source[(i * 2)..]),
        ElementKind.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(source[(i * 2)..]),
        ElementKind.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(source[(i * 4)..]),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Decodes little-endian integer elements to int64.</summary>
    internal static void DecodeInt64s(ElementKind kind, ReadOnlySpan<byte> source, Span<long> destination)
    {
        switch (kind)
        {
            case ElementKind.Int64 when BitConverter.IsLittleEndian:
                MemoryMarshal.Cast<byte, long>(source).CopyTo(destination);
                break;
            case ElementKind.Int64:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadInt64LittleEndian(source[(i * 8)..]);
                }

                break;
            case ElementKind.Int32:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadInt32LittleEndian(source[(i * 4)..]);
                }

                break;
            case ElementKind.Int8 or ElementKind.UInt8 or ElementKind.Int16 or ElementKind.UInt16 or ElementKind.UInt32:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = ReadSmallInteger(kind, source, i);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), $"{kind} is not an integer element type.");
        }
    }
}
