using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace EmbedSharp.Numerics.Formats.Npy;

/// <summary>
/// Reads .npy files. Layout: "\x93NUMPY", major, minor, header length (u16 for 1.0, u32 for 2.0/3.0, little-endian),
/// the header dict text (latin-1, UTF-8 for 3.0), then the elements in the descriptor's byte order, in C order or, when
/// <c>fortran_order</c> is True, in Fortran order (first index fastest). Arrays are returned in C order, the values of
/// numpy's <c>np.ascontiguousarray(np.load(path))</c>.
/// </summary>
internal static class NpyReader
{
    /// <summary>Reads and validates everything up to the first data byte; checks that the stream holds exactly the
    /// data the header promises when the stream can tell its length.</summary>
    public static NpyHeader ReadHeader(TensorStreamReader reader)
    {
        Span<byte> prefix = stackalloc byte[NpyConstants.PrefixLength];
        reader.ReadExactly(prefix, "the magic string and version");
        if (!prefix[..NpyConstants.Magic.Length].SequenceEqual(NpyConstants.Magic))
        {
            throw reader.Error("This is not a .npy file: it does not start with the magic string \\x93NUMPY.", 0);
        }

        var major = prefix[6];
        var minor = prefix[7];
        if (major is not (NpyConstants.Version1 or NpyConstants.Version2 or NpyConstants.Version3) || minor != NpyConstants.MinorVersion)
        {
            throw reader.Error(string.Create(CultureInfo.InvariantCulture, $"Unsupported .npy format version {major}.{minor}; supported: 1.0, 2.0, 3.0."), 6);
        }

        long headerLength;
        if (major == NpyConstants.Version1)
        {
            Span<byte> len = stackalloc byte[2];
            reader.ReadExactly(len, "the header length");
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(len);
        }
        else
        {
            Span<byte> len = stackalloc byte[4];
            reader.ReadExactly(len, "the header length");
            headerLength = BinaryPrimitives.ReadUInt32LittleEndian(len);
        }

        if (headerLength > NpyConstants.MaxHeaderBytes)
        {
            throw reader.Error(string.Create(CultureInfo.InvariantCulture, $"The header claims {headerLength} bytes, more than the {NpyConstants.MaxHeaderBytes} this reader accepts."), reader.Offset - 4);
        }

        if (reader.Remaining is { } remaining && headerLength > remaining)
        {
            throw reader.Error(string.Create(CultureInfo.InvariantCulture, $"The file ends early: the header claims {headerLength} bytes but only {remaining} remain."));
        }

        var headerStart = reader.Offset;
        reader.EnsureAvailable(headerLength, "the header");
        var bytes = new byte[headerLength];
        reader.ReadExactly(bytes, "the header");
        string text;
        try
        {
            var encoding = major == NpyConstants.Version3
                ? new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true)
                : Encoding.Latin1;
            text = encoding.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw reader.Error("The version 3.0 header is not valid UTF-8.", headerStart);
        }

        var header = NpyHeader.Parse(text, message => reader.Error(message, headerStart));
        var dataBytes = header.ElementCount * ElementCodec.SizeOf(header.Kind);
        if (reader.Remaining is { } left && left != dataBytes)
        {
            var problem = left < dataBytes ? "is truncated" : "has trailing bytes";
            throw reader.Error(string.Create(CultureInfo.InvariantCulture,
                $"The file {problem}: shape {FloatTensor.FormatShape(header.Shape)} of {header.DType} needs {dataBytes} data bytes but {left} follow the header."));
        }

        return header;
    }

    /// <summary>Reads a whole array (header and data). The data must end at the end of the stream.</summary>
    public static NpyArray Read(TensorStreamReader reader)
    {
        var header = ReadHeader(reader);
        var kind = header.Kind;
        reader.EnsureAvailable(header.ElementCount * ElementCodec.SizeOf(kind), "the array data");
        NpyArray array;
        if (ElementCodec.IsInteger(kind))
        {
            var count = header.ElementCount;
            if (count > Array.MaxLength)
            {
                throw reader.Error(string.Create(CultureInfo.InvariantCulture, $"An integer array of {count} elements does not fit in one IndexTensor (at most {Array.MaxLength})."));
            }

            var values = new long[count];
            ElementCodec.ReadInt64s(reader, kind, values, header.BigEndian);
            if (header.FortranOrder && header.Shape.Length > 1)
            {
                values = FortranToC(values, header.Shape);
            }

            array = new NpyArray(header.DType, header.Shape, null, values);
        }
        else
        {
            array = new NpyArray(header.DType, header.Shape, ReadFloatData(reader, header), null);
        }

        if (!reader.AtEnd())
        {
            throw reader.Error("The file has trailing bytes after the array data.");
        }

        return array;
    }

    /// <summary>Reads the data of a float or integer array as a float32 tensor in C order (Fortran-ordered data is
    /// transposed into a second tensor, so it needs twice the memory for a moment). The stream's length was checked
    /// against the header (or <see cref="TensorStreamReader.EnsureAvailable"/> was called).</summary>
    public static FloatTensor ReadFloatData(TensorStreamReader reader, NpyHeader header)
    {
        if (!header.FortranOrder || header.Shape.Length < 2)
        {
            var tensor = new FloatTensor(header.Shape);
            ElementCodec.ReadFloats(reader, header.Kind, tensor, header.BigEndian);
            return tensor;
        }

        var stored = new FloatTensor(Reversed(header.Shape));
        ElementCodec.ReadFloats(reader, header.Kind, stored, header.BigEndian);
        return FortranToC(stored, header.Shape);
    }

    /// <summary>The shape reversed: Fortran-ordered data of shape (d0, …, dk−1) is the C-ordered data of (dk−1, …, d0).</summary>
    internal static long[] Reversed(ReadOnlySpan<long> shape)
    {
        var r = shape.ToArray();
        Array.Reverse(r);
        return r;
    }

    /// <summary>Turns <paramref name="stored"/>, the C-order tensor of the reversed shape (= the file's Fortran-order data),
    /// into a C-order tensor of <paramref name="shape"/>: element (i0, …, ik−1) comes from stored flat index
    /// i0 + d0·(i1 + d1·(i2 + …)).</summary>
    internal static FloatTensor FortranToC(FloatTensor stored, ReadOnlySpan<long> shape)
    {
        var result = new FloatTensor(shape);
        if (result.Length == 0)
        {
            return result;
        }

        const int Block = 1 << 16;
        var buffer = new float[(int)Math.Min(Block, result.Length)];
        var odometer = new FortranOdometer(shape);
        for (long pos = 0; pos < result.Length; pos += buffer.Length)
        {
            var n = (int)Math.Min(buffer.Length, result.Length - pos);
            for (var i = 0; i < n; i++)
            {
                buffer[i] = stored[odometer.Next()];
            }

            result.WriteFlat(pos, buffer.AsSpan(0, n));
        }

        return result;
    }

    /// <summary><see cref="FortranToC(FloatTensor, ReadOnlySpan{long})"/> for integer data.</summary>
    internal static long[] FortranToC(long[] stored, ReadOnlySpan<long> shape)
    {
        var result = new long[stored.Length];
        var odometer = new FortranOdometer(shape);
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = stored[odometer.Next()];
        }

        return result;
    }

    /// <summary>Walks the elements of a shape in C order (last index fastest) and yields, for each, its offset in the
    /// Fortran-ordered data (first index fastest). Shape: any rank ≥ 1 with no zero dimension.</summary>
    private sealed class FortranOdometer
    {
        private readonly long[] _shape;
        private readonly long[] _strides; // Fortran strides: stride[j] = d0·…·d(j−1)
        private readonly long[] _index;
        private long _offset;
        private bool _started;

        public FortranOdometer(ReadOnlySpan<long> shape)
        {
            _shape = shape.ToArray();
            _strides = new long[_shape.Length];
            _index = new long[_shape.Length];
            long stride = 1;
            for (var j = 0; j < _shape.Length; j++)
            {
                _strides[j] = stride;
                stride *= _shape[j];
            }
        }

        public long Next()
        {
            if (!_started)
            {
                _started = true;
                return 0;
            }

            for (var j = _shape.Length - 1; j >= 0; j--)
            {
                if (++_index[j] < _shape[j])
                {
                    _offset += _strides[j];
                    return _offset;
                }

                _offset -= (_shape[j] - 1) * _strides[j];
                _index[j] = 0;
            }

            throw new InvalidOperationException("Past the last element.");
        }
    }
}
