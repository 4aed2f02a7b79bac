using System.Buffers.Binary;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Numerics.Formats.Npy;
using static EmbedSharp.Tests.Numerics.Formats.FormatFixtures;

namespace EmbedSharp.Tests.Numerics.Formats;

public class NpyFileTests
{
    private const string F4Dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

    public static TheoryData<long[]> Shapes => new()
    {
        Array.Empty<long>(),
        new long[] { 5 },
        new long[] { 3, 4 },
        new long[] { 2, 3, 4 },
        new long[] { 2, 1, 3, 2 },
        new long[] { 1, 2, 2, 3, 2 },
        new long[] { 0, 3 },
        new long[] { 4, 0, 2 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float32_tensor_round_trips_through_a_stream(long[] shape)
    {
        var t = Sample(shape);
        using var ms = new MemoryStream();
        NpyFile.Write(ms, t);
        ms.Position = 0;
        var array = NpyFile.Read(ms);
        Assert.Equal(NpyDType.Float32, array.DType);
        Assert.False(array.IsInteger);
        AssertBitEqual(t, array.ToTensor());
        Assert.Equal(0, (ms.Length - (t.Length * 4)) % 64);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Index_tensor_round_trips_as_int64(long[] shape)
    {
        var n = (int)FloatTensor.Product(shape);
        var data = new long[n];
        for (var i = 0; i < n; i++)
        {
            data[i] = (i % 3) switch { 0 => long.MinValue + i, 1 => long.MaxValue - i, _ => i - 7 };
        }

        var t = new IndexTensor(data, shape);
        using var ms = new MemoryStream();
        NpyFile.Write(ms, t);
        ms.Position = 0;
        var back = NpyFile.ReadIndexTensor(ms);
        Assert.Equal(shape, back.Shape.ToArray());
        Assert.Equal(data, back.AsSpan().ToArray());
    }

    [Fact]
    public void Tensor_round_trips_through_a_file()
    {
        var dir = Directory.CreateTempSubdirectory("npy-test-");
        try
        {
            var path = Path.Combine(dir.FullName, "t.npy");
            var t = Sample(3, 5);
            NpyFile.Write(path, t);
            AssertBitEqual(t, NpyFile.ReadTensor(path));
            Assert.Single(Directory.GetFiles(dir.FullName));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Chunked_tensor_writes_the_same_bytes_as_a_single_array_and_reads_back()
    {
        var single = Sample(37, 5);
        var chunked = new FloatTensor([37, 5], maxChunkElements: 16 * 5);
        chunked.CopyFrom(single.AsSpan());
        Assert.True(chunked.ChunkCount > 1);
        using var a = new MemoryStream();
        using var b = new MemoryStream();
        NpyFile.Write(a, single);
        NpyFile.Write(b, chunked);
        Assert.Equal(a.ToArray(), b.ToArray());
        b.Position = 0;
        AssertBitEqual(single, NpyFile.ReadTensor(b));
    }

    [Theory]
    [InlineData("f4_2x3.npy")]
    [InlineData("f4_2x3x4.npy")]
    [InlineData("f4_7.npy")]
    [InlineData("f4_0x1.npy")]
    [InlineData("f4_1000x1.npy")]
    [InlineData("f4_scalar.npy")]
    [InlineData("f4_empty_0x3.npy")]
    [InlineData("torch_randn_4x5.npy")]
    public void Float32_output_is_byte_identical_to_np_save(string fixture)
    {
        var expected = Bytes(fixture);
        var t = NpyFile.ReadTensor(PathOf(fixture));
        using var ms = new MemoryStream();
        NpyFile.Write(ms, t);
        var actual = ms.ToArray();
        var firstDiff = Enumerable.Range(0, Math.Min(expected.Length, actual.Length)).FirstOrDefault(i => expected[i] != actual[i], -1);
        Assert.True(expected.Length == actual.Length && firstDiff < 0,
            $"Lengths {expected.Length} vs {actual.Length}; first differing byte at {firstDiff}.");
    }

    [Theory]
    [InlineData("i8_2x2x2.npy")]
    [InlineData("torch_long_2x3.npy")]
    public void Int64_output_is_byte_identical_to_np_save(string fixture)
    {
        var t = NpyFile.ReadIndexTensor(PathOf(fixture));
        using var ms = new MemoryStream();
        NpyFile.Write(ms, t);
        Assert.Equal(Bytes(fixture), ms.ToArray());
    }

    [Theory]
    [InlineData("f4_2x3.npy", new long[] { 2, 3 })]
    [InlineData("torch_randn_4x5.npy", new long[] { 4, 5 })]
    [InlineData("f4_2x3x4.npy", new long[] { 2, 3, 4 })]
    public void Float32_file_from_numpy_reads_the_stored_values(string fixture, long[] shape)
    {
        var bytes = Bytes(fixture);
        var array = NpyFile.Read(PathOf(fixture));
        Assert.Equal(NpyDType.Float32, array.DType);
        Assert.Equal(shape, array.Shape.ToArray());
        var t = array.ToTensor();
        var dataStart = bytes.Length - (int)(t.Length * 4);
        Assert.Equal(0, dataStart % 64);
        for (var i = 0; i < t.Length; i++)
        {
            Assert.Equal(BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(dataStart + (i * 4))), t[i]);
        }
    }

    [Fact]
    public void Float64_file_is_rounded_to_nearest_float32()
    {
        var bytes = Bytes("f8_3x2.npy");
        var array = NpyFile.Read(PathOf("f8_3x2.npy"));
        Assert.Equal(NpyDType.Float64, array.DType);
        Assert.Equal(new long[] { 3, 2 }, array.Shape.ToArray());
        var t = array.ToTensor();
        var dataStart = bytes.Length - 48;
        for (var i = 0; i < 6; i++)
        {
            var d = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(dataStart + (i * 8)));
            Assert.Equal((float)d, t[i]);
            Assert.True(Math.Abs(d - t[i]) <= Math.Abs(d) * 6e-8);
        }
    }

    [Fact]
    public void Int32_file_widens_to_int64()
    {
        var array = NpyFile.Read(PathOf("i4_5.npy"));
        Assert.Equal(NpyDType.Int32, array.DType);
        Assert.True(array.IsInteger);
        Assert.Equal(new long[] { 0, 1, -1, int.MaxValue, int.MinValue }, array.ToIndexTensor().AsSpan().ToArray());
        Assert.Equal(new[] { 0f, 1f, -1f, 2147483648f, -2147483648f }, array.ToTensor().ToArray());
    }

    [Fact]
    public void Int64_file_from_numpy_keeps_every_bit()
    {
        var t = NpyFile.ReadIndexTensor(PathOf("i8_2x2x2.npy"));
        Assert.Equal(new long[] { 2, 2, 2 }, t.Shape.ToArray());
        Assert.Equal(new long[] { 0, 1, -1, 1L << 62, long.MinValue, long.MaxValue, 7, 42 }, t.AsSpan().ToArray());
        Assert.Equal(new long[] { 3, 1, 4, 1, 5, 9 }, NpyFile.ReadIndexTensor(PathOf("torch_long_2x3.npy")).AsSpan().ToArray());
    }

    [Fact]
    public void Float_array_refuses_to_become_an_index_tensor()
    {
        var array = NpyFile.Read(PathOf("f4_2x3.npy"));
        Assert.Throws<InvalidOperationException>(array.ToIndexTensor);
    }

    [Theory]
    [InlineData("f4_2x3_v2.npy")]
    [InlineData("f4_2x3_v3.npy")]
    public void Version_2_and_3_headers_read_like_version_1(string fixture)
    {
        var bytes = Bytes(fixture);
        Assert.Equal(fixture.Contains("v2", StringComparison.Ordinal) ? 2 : 3, bytes[6]);
        AssertBitEqual(NpyFile.ReadTensor(PathOf("f4_2x3.npy")), NpyFile.ReadTensor(PathOf(fixture)));
    }

    [Fact]
    public void Zero_dimensional_array_has_one_element()
    {
        var array = NpyFile.Read(PathOf("f4_scalar.npy"));
        Assert.Empty(array.Shape.ToArray());
        var t = array.ToTensor();
        Assert.Equal(0, t.Rank);
        Assert.Equal(3.5f, t[0]);
    }

    [Fact]
    public void Empty_array_has_no_elements()
    {
        var t = NpyFile.ReadTensor(PathOf("f4_empty_0x3.npy"));
        Assert.Equal(new long[] { 0, 3 }, t.Shape.ToArray());
        Assert.Equal(0, t.Length);
    }

    [Fact]
    public void Header_longer_than_a_u16_switches_to_version_2()
    {
        var shape = Enumerable.Repeat(1L, 22_000).ToArray();
        var t = new FloatTensor(shape);
        t[0] = 1.25f;
        using var ms = new MemoryStream();
        NpyFile.Write(ms, t);
        var bytes = ms.ToArray();
        Assert.Equal(2, bytes[6]);
        Assert.Equal(0, (bytes.Length - 4) % 64);
        ms.Position = 0;
        var back = NpyFile.ReadTensor(ms);
        Assert.Equal(22_000, back.Rank);
        Assert.Equal(1.25f, back[0]);
    }

    [Fact]
    public void Old_headers_with_16_byte_alignment_double_quotes_and_long_suffixes_are_read()
    {
        var data = Float32Bytes(1, 2, 3, 4, 5, 6);
        var dict = "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2L, 3L)}";
        var t = NpyFile.ReadTensor(new MemoryStream(Npy(dict, data, align: 16)));
        Assert.Equal(new long[] { 2, 3 }, t.Shape.ToArray());
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, t.ToArray());
    }

    [Fact]
    public void Non_seekable_stream_is_read()
    {
        var t = NpyFile.ReadTensor(new ForwardOnlyStream(Bytes("torch_randn_4x5.npy")));
        AssertBitEqual(NpyFile.ReadTensor(PathOf("torch_randn_4x5.npy")), t);
    }

    [Fact]
    public void Refused_numpy_file_names_the_problem_and_the_file()
    {
        var path = PathOf("bad_object.npy");
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(path));
        Assert.Contains("Python objects", e.Message, StringComparison.Ordinal);
        Assert.Equal(path, e.FilePath);
        Assert.Equal(10, e.ByteOffset); // the header text starts after magic, version and u16 length
    }

    [Fact]
    public void Bad_magic_is_refused()
    {
        var bytes = Bytes("f4_2x3.npy");
        bytes[1] = (byte)'n';
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new MemoryStream(bytes)));
        Assert.Contains("magic", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, e.ByteOffset);
    }

    [Fact]
    public void File_shorter_than_the_magic_is_refused()
    {
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new MemoryStream([0x93, (byte)'N'])));
        Assert.Contains("ends early", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4, 0)]
    [InlineData(1, 1)]
    [InlineData(0, 0)]
    public void Unsupported_version_is_refused(byte major, byte minor)
    {
        var bytes = Bytes("f4_2x3.npy");
        bytes[6] = major;
        bytes[7] = minor;
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new MemoryStream(bytes)));
        Assert.Contains("version", e.Message, StringComparison.Ordinal);
        Assert.Equal(6, e.ByteOffset);
    }

    [Theory]
    [InlineData("['descr', '<f4']")]
    [InlineData("{'descr': '<f4', 'fortran_order': False}")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)")]
    [InlineData("{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3)}")]
    [InlineData("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (6)}")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 'x')}")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, -3)}")]
    [InlineData("{'descr': '<f4', 'fortran_order': Flase, 'shape': (2, 3)}")]
    [InlineData("{'descr': '<f4', 'descr': '<f4', 'shape': (2, 3)}")]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3)}")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} junk")]
    [InlineData("")]
    public void Malformed_header_dict_is_refused(string dict)
    {
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new MemoryStream(Npy(dict, new byte[24]))));
        Assert.Equal(10, e.ByteOffset);
    }

    [Theory]
    [InlineData("<U3")]
    [InlineData("|b1")]
    [InlineData("<u8")]
    [InlineData("f4")]
    [InlineData("=f4")]
    [InlineData("|f4")]
    [InlineData("<c8")]
    [InlineData("<f16")]
    [InlineData("")]
    public void Other_dtypes_are_refused(string descr)
    {
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': (2, 3), }}";
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new MemoryStream(Npy(dict, new byte[24]))));
        Assert.True(e.Message.Contains("not supported", StringComparison.Ordinal) || e.Message.Contains("no byte order", StringComparison.Ordinal), e.Message);
        Assert.Equal(10, e.ByteOffset);
    }

    [Fact]
    public void Object_arrays_are_refused()
    {
        var dict = "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }";
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new MemoryStream(Npy(dict, new byte[16]))));
        Assert.Contains("objects", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(23)]
    public void Truncated_data_is_refused_before_reading(int missing)
    {
        var bytes = Bytes("f4_2x3.npy")[..^missing];
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new MemoryStream(bytes)));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.Equal(128, e.ByteOffset);
    }

    [Fact]
    public void Truncated_data_in_a_non_seekable_stream_is_refused()
    {
        var bytes = Bytes("f4_2x3.npy")[..^3];
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new ForwardOnlyStream(bytes)));
        Assert.Contains("ends early", e.Message, StringComparison.Ordinal);
        Assert.Equal(bytes.Length, e.ByteOffset);
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        var bytes = Bytes("f4_2x3.npy").Concat(new byte[] { 0, 0, 0, 0 }).ToArray();
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new MemoryStream(bytes)));
        Assert.Contains("trailing", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new ForwardOnlyStream(bytes)));
        Assert.Contains("trailing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_length_beyond_the_file_is_refused()
    {
        var bytes = Bytes("f4_2x3.npy");
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), 60000);
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new MemoryStream(bytes)));
        Assert.Contains("header claims 60000 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Absurd_header_length_is_refused_without_allocating_it()
    {
        var bytes = Npy(F4Dict, Float32Bytes(1, 2, 3, 4, 5, 6), major: 2);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 0xFFFF_FFF0);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new ForwardOnlyStream(bytes)));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("more than", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("(4611686018427387904, 4)")] // element count fits, byte count overflows
    [InlineData("(4294967296, 4294967296)")] // element count overflows
    [InlineData("(99999999999999999999,)")] // not even an int64
    public void Shape_that_overflows_is_refused(string shape)
    {
        var dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}";
        Assert.Throws<TensorFormatException>(() => NpyFile.Read(new MemoryStream(Npy(dict, new byte[24]))));
    }

    [Fact]
    public void Huge_shape_is_compared_to_the_file_length_before_allocating()
    {
        var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 4), }";
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new MemoryStream(Npy(dict, new byte[24]))));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_in_a_version_3_header_is_refused()
    {
        var bytes = Npy(F4Dict, new byte[24], major: 3);
        bytes[15] = 0xFF;
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new MemoryStream(bytes)));
        Assert.Contains("UTF-8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_throws_file_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => NpyFile.Read(PathOf("no_such_file.npy")));
    }

    [Theory]
    [InlineData("(1000000000, 1000)", "<f4")]
    [InlineData("(500000000,)", "<i8")]
    public void A_lying_shape_in_a_pipe_is_refused_having_held_only_what_the_pipe_held(string shape, string descr)
    {
        var bytes = Npy($"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}", new byte[24]);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new ForwardOnlyStream(bytes)));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20);
        Assert.Contains("ends early", e.Message, StringComparison.Ordinal);
        Assert.Equal(bytes.Length, e.ByteOffset);
    }

    [Fact]
    public void A_pipe_holding_more_than_one_read_ahead_chunk_reads_the_same_values()
    {
        var tensor = Sample(700, 1000); // 2.8 MB: several 1 MB read-ahead chunks
        using var buffer = new MemoryStream();
        NpyFile.Write(buffer, tensor);
        AssertBitEqual(tensor, NpyFile.ReadTensor(new ForwardOnlyStream(buffer.ToArray())));
    }

    [Fact]
    public void Text_quoted_from_a_corrupt_header_keeps_the_message_on_one_line()
    {
        var bytes = Npy("{'descr': '<f4',\n\r 'fortran_order': False, 'shape': (2, 3), 'x\u0085y': 1, }", new byte[24]);
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new MemoryStream(bytes)));
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\r', e.Message);
        Assert.DoesNotContain('\u0085', e.Message);
        Assert.Contains("'x\\u0085y'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fifo_is_refused_at_once_naming_it()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var dir = Directory.CreateTempSubdirectory("embedsharp-npy-fifo-");
        try
        {
            var fifo = Path.Combine(dir.FullName, "in.npy");
            using (var mk = System.Diagnostics.Process.Start("mkfifo", fifo))
            {
                await mk.WaitForExitAsync();
            }

            // No writer: the refusal comes before the open, which would wait for one.
            var e = Assert.Throws<IOException>(() => NpyFile.Read(fifo));
            Assert.Contains($"'{fifo}' is a pipe or FIFO", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
