using System.Buffers.Binary;
using System.Text;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Numerics.Formats;

/// <summary>Paths of the fixtures in tests/data/formats (made by tools/goldens/make_formats.py) and small builders
/// for hand-made files.</summary>
internal static class FormatFixtures
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "data", "formats", name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    /// <summary>A deterministic tensor with a mix of signs, magnitudes, a NaN, infinities and -0.</summary>
    public static FloatTensor Sample(params long[] shape)
    {
        var t = new FloatTensor(shape);
        for (long i = 0; i < t.Length; i++)
        {
            t[i] = (i % 11) switch
            {
                3 => float.NaN,
                5 => float.PositiveInfinity,
                7 => float.NegativeInfinity,
                9 => -0.0f,
                _ => ((i * 37 % 101) - 50) * 0.173f,
            };
        }

        return t;
    }

    /// <summary>Asserts same shape and bit-identical elements, reporting the first mismatch.</summary>
    public static void AssertBitEqual(FloatTensor expected, FloatTensor actual)
    {
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        for (long i = 0; i < expected.Length; i++)
        {
            var e = BitConverter.SingleToInt32Bits(expected[i]);
            var a = BitConverter.SingleToInt32Bits(actual[i]);
            Assert.True(e == a, $"Element {i}: expected {expected[i]:R} (0x{e:x8}), got {actual[i]:R} (0x{a:x8}).");
        }
    }

    /// <summary>Builds a .npy file by hand: magic, version, header length, header text padded to
    /// <paramref name="align"/> with a final newline, then <paramref name="data"/>.</summary>
    public static byte[] Npy(string dict, byte[] data, byte major = 1, byte minor = 0, int align = 64)
    {
        var text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetBytes(dict);
        var lengthSize = major == 1 ? 2 : 4;
        var unpadded = 8 + lengthSize + text.Length + 1;
        var pad = (align - (unpadded % align)) % align;
        var headerLength = text.Length + pad + 1;
        using var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, minor]);
        var len = new byte[lengthSize];
        if (lengthSize == 2)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)headerLength);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)headerLength);
        }

        ms.Write(len);
        ms.Write(text);
        ms.Write(Enumerable.Repeat((byte)' ', pad).ToArray());
        ms.WriteByte((byte)'\n');
        ms.Write(data);
        return ms.ToArray();
    }

    public static byte[] Float32Bytes(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    /// <summary>A read-only stream that cannot seek, to exercise the non-seekable paths.</summary>
    public sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
