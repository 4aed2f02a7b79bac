using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace EmbedSharp.Numerics.Formats.Npy;

/// <summary>
/// Reads .npy files. Layout: "\x93NUMPY", major, minor, header length (u16 for 1.0, u32 for 2.0/3.0, little-endian),
/// the header dict text (latin-1, UTF-8 for 3.0), then the elements, little-endian, C order.
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
        var dataBytes = header.ElementCount * ElementCodec.SizeOf(NpyHeader.KindOf(header.DType));
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
        var kind = NpyHeader.KindOf(header.DType);
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
            ElementCodec.ReadInt64s(reader, kind, values);
            array = new NpyArray(header.DType, header.Shape, null, values);
        }
        else
        {
            var tensor = new FloatTensor(header.Shape);
            ElementCodec.ReadFloats(reader, kind, tensor);
            array = new NpyArray(header.DType, header.Shape, tensor, null);
        }

        if (!reader.AtEnd())
        {
            throw reader.Error("The file has trailing bytes after the array data.");
        }

        return array;
    }
}
