using System.Buffers.Binary;
using System.Text;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Numerics.Formats.Npy;
using EmbedSharp.Numerics.Formats.Safetensors;
using static EmbedSharp.Tests.Numerics.Formats.FormatFixtures;

namespace EmbedSharp.Tests.Numerics.Formats;

public class SafetensorsFileTests
{
    public static TheoryData<long[]> Shapes => new()
    {
        Array.Empty<long>(),
        new long[] { 5 },
        new long[] { 3, 4 },
        new long[] { 2, 3, 4 },
        new long[] { 2, 1, 3, 2 },
        new long[] { 1, 2, 2, 3, 2 },
        new long[] { 0, 3 },
    };

    /// <summary>A file from a JSON header text (padded to 8 with spaces) and a data buffer.</summary>
    private static byte[] St(string json, byte[] data, long? headerLength = null)
    {
        var text = Encoding.UTF8.GetBytes(json);
        var padded = (text.Length + 7) / 8 * 8;
        var bytes = new byte[8 + padded + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)(headerLength ?? padded));
        text.CopyTo(bytes, 8);
        bytes.AsSpan(8 + text.Length, padded - text.Length).Fill((byte)' ');
        data.CopyTo(bytes, 8 + padded);
        return bytes;
    }

    private static TensorFormatException Refused(byte[] bytes) =>
        Assert.Throws<TensorFormatException>(() => SafetensorsFile.Read(new MemoryStream(bytes)));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Tensors_and_metadata_round_trip_through_a_stream(long[] shape)
    {
        var tensors = new Dictionary<string, FloatTensor> { ["x"] = Sample(shape), ["a.weight"] = Sample(2, 2) };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\"\n" };
        using var ms = new MemoryStream();
        SafetensorsFile.Write(ms, tensors, metadata);
        Assert.Equal(0, (BinaryPrimitives.ReadInt64LittleEndian(ms.ToArray()) % 8));
        ms.Position = 0;
        var content = SafetensorsFile.Read(ms);
        Assert.Equal(new[] { "a.weight", "x" }, content.Names);
        Assert.Equal(metadata, content.Metadata);
        AssertBitEqual(tensors["x"], content.GetTensor("x"));
        AssertBitEqual(tensors["a.weight"], content.GetTensor("a.weight"));
        Assert.Equal(SafetensorsDType.Float32, content.GetInfo("x").DType);
    }

    [Fact]
    public void Chunked_tensor_round_trips_through_a_file()
    {
        var dir = Directory.CreateTempSubdirectory("st-test-");
        try
        {
            var path = Path.Combine(dir.FullName, "m.safetensors");
            var single = Sample(40, 3);
            var chunked = new FloatTensor([40, 3], maxChunkElements: 16 * 3);
            chunked.CopyFrom(single.AsSpan());
            Assert.True(chunked.ChunkCount > 1);
            SafetensorsFile.Write(path, new Dictionary<string, FloatTensor> { ["big"] = chunked, ["small"] = Sample(2) });
            var content = SafetensorsFile.Read(path);
            AssertBitEqual(single, content.GetTensor("big"));
            Assert.Empty(content.Metadata);
            Assert.Single(Directory.GetFiles(dir.FullName));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Header_matches_the_reference_serializer_without_padding()
    {
        // safetensors/src/tensor.rs test_serialization: one F32 tensor "attn.0" of shape (1, 2, 3) gives a
        // 64-byte compact header that needs no padding, followed by the six floats.
        var t = FloatTensor.FromArray([0, 1, 2, 3, 4, 5], 1, 2, 3);
        using var ms = new MemoryStream();
        SafetensorsFile.Write(ms, new Dictionary<string, FloatTensor> { ["attn.0"] = t });
        var bytes = ms.ToArray();
        Assert.Equal(64, BinaryPrimitives.ReadInt64LittleEndian(bytes));
        Assert.Equal("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}", Encoding.UTF8.GetString(bytes, 8, 64));
        Assert.Equal(Float32Bytes(0, 1, 2, 3, 4, 5), bytes[72..]);
    }

    [Fact]
    public void Header_is_padded_with_spaces_to_a_multiple_of_8_like_the_reference()
    {
        // safetensors/src/tensor.rs test_empty: no tensors gives "{}" plus 6 spaces; metadata framework=pt gives
        // 35 bytes of JSON plus 5 spaces.
        using var empty = new MemoryStream();
        SafetensorsFile.Write(empty, new Dictionary<string, FloatTensor>());
        Assert.Equal(new byte[] { 8, 0, 0, 0, 0, 0, 0, 0 }.Concat("{}      "u8.ToArray()), empty.ToArray());

        using var meta = new MemoryStream();
        SafetensorsFile.Write(meta, new Dictionary<string, FloatTensor>(), new Dictionary<string, string> { ["framework"] = "pt" });
        Assert.Equal(new byte[] { 40, 0, 0, 0, 0, 0, 0, 0 }.Concat("{\"__metadata__\":{\"framework\":\"pt\"}}     "u8.ToArray()), meta.ToArray());
        Assert.Empty(SafetensorsFile.Read(new MemoryStream(meta.ToArray())).Names);
    }

    [Fact]
    public void Output_is_byte_identical_to_the_fixture_written_like_the_reference()
    {
        var content = SafetensorsFile.Read(PathOf("f32_pair.safetensors"));
        Assert.Equal(new[] { "a", "b" }, content.Names);
        using var ms = new MemoryStream();
        SafetensorsFile.Write(ms, new Dictionary<string, FloatTensor> { ["b"] = content.GetTensor("b"), ["a"] = content.GetTensor("a") }, content.Metadata);
        Assert.Equal(Bytes("f32_pair.safetensors"), ms.ToArray());
    }

    [Fact]
    public void Mixed_dtype_fixture_reads_every_dtype()
    {
        var path = PathOf("mixed.safetensors");
        var bytes = Bytes("mixed.safetensors");
        var content = SafetensorsFile.Read(path);
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt", ["source"] = "make_formats.py" }, content.Metadata);
        // Reference order: descending dtype alignment (I64, F64, F32, I32, BF16, F16), then name.
        Assert.Equal(new[] { "ids64", "double", "embeddings.weight", "empty", "scalar", "ids32", "brain", "half" }, content.Names);
        var dataStart = 8 + BinaryPrimitives.ReadInt64LittleEndian(bytes);

        var emb = content.GetInfo("embeddings.weight");
        Assert.Equal(new long[] { 4, 3 }, emb.Shape);
        var embT = content.GetTensor("embeddings.weight");
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(dataStart + emb.Begin + (i * 4)))), embT[i]);
        }

        var dbl = content.GetInfo("double");
        Assert.Equal(SafetensorsDType.Float64, dbl.DType);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal((float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan((int)(dataStart + dbl.Begin + (i * 8)))), content.GetTensor("double")[i]);
        }

        Assert.Equal(new long[] { 1, -2, int.MaxValue, int.MinValue }, content.GetIndexTensor("ids32").AsSpan().ToArray());
        Assert.Equal(new long[] { 2, 2 }, content.GetIndexTensor("ids32").Shape.ToArray());
        Assert.Equal(new long[] { 5, long.MinValue, long.MaxValue }, content.GetIndexTensor("ids64").AsSpan().ToArray());
        Assert.Equal(new[] { 1f, -2f, 2147483648f, -2147483648f }, content.GetTensor("ids32").ToArray());
        Assert.Equal(new[] { 1.5f, -0.25f, 65504f, (float)(Half)6.1e-5f }, content.GetTensor("half").ToArray());
        AssertBitEqual(NpyFile.ReadTensor(PathOf("mixed_brain_f32.npy")), content.GetTensor("brain"));
        Assert.Equal(SafetensorsDType.BFloat16, content.GetInfo("brain").DType);
        var scalar = content.GetTensor("scalar");
        Assert.Equal(0, scalar.Rank);
        Assert.Equal(2.5f, scalar[0]);
        Assert.Equal(new long[] { 0, 3 }, content.GetTensor("empty").Shape.ToArray());
        Assert.Throws<InvalidOperationException>(() => content.GetIndexTensor("double"));
        Assert.Throws<KeyNotFoundException>(() => content.GetTensor("missing"));
        Assert.False(content.Contains("missing"));
    }

    [Fact]
    public void Unconverted_dtype_is_listed_and_refused_only_when_asked_for()
    {
        var json = "{\"flags\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[3,7]}}";
        var content = SafetensorsFile.Read(new MemoryStream(St(json, [1, 2, 3, .. Float32Bytes(4.5f)])));
        Assert.Equal(new[] { "flags", "w" }, content.Names);
        Assert.Equal(SafetensorsDType.UInt8, content.GetInfo("flags").DType);
        Assert.Equal(4.5f, content.GetTensor("w")[0]);
        var e = Assert.Throws<TensorFormatException>(() => content.GetTensor("flags"));
        Assert.Contains("U8", e.Message, StringComparison.Ordinal);
        Assert.Throws<TensorFormatException>(() => content.GetIndexTensor("flags"));
    }

    [Fact]
    public void Names_needing_json_escapes_round_trip()
    {
        var names = new[] { "quote\"d", "back\\slash", "new\nline", "tab\t", "ctl\u0001", "ünï", "x😀", "x\uE000" };
        var tensors = names.ToDictionary(n => n, _ => Sample(2));
        using var ms = new MemoryStream();
        SafetensorsFile.Write(ms, tensors);
        var header = Encoding.UTF8.GetString(ms.ToArray(), 8, (int)BinaryPrimitives.ReadInt64LittleEndian(ms.ToArray()));
        Assert.Contains("ctl\\u0001", header, StringComparison.Ordinal);
        Assert.Contains("ünï", header, StringComparison.Ordinal);
        Assert.True(header.IndexOf("x\uE000", StringComparison.Ordinal) < header.IndexOf("x😀", StringComparison.Ordinal), "UTF-8 byte order puts U+E000 before U+1F600.");
        ms.Position = 0;
        var content = SafetensorsFile.Read(ms);
        Assert.Equal(names.Order(StringComparer.Ordinal).ToHashSet(), content.Names.ToHashSet());
    }

    [Fact]
    public void Reserved_name_and_null_values_are_refused_by_the_writer()
    {
        Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(new MemoryStream(), new Dictionary<string, FloatTensor> { ["__metadata__"] = Sample(1) }));
        Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(new MemoryStream(), new Dictionary<string, FloatTensor> { ["x"] = null! }));
        Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(new MemoryStream(), new Dictionary<string, FloatTensor>(), new Dictionary<string, string> { ["k"] = null! }));
        Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(new MemoryStream(), new Dictionary<string, FloatTensor> { ["bad\uD800"] = Sample(1) }));
    }

    [Fact]
    public void Absurd_header_length_is_refused_before_allocating()
    {
        var bytes = St("{}", [], headerLength: 100_000_001);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<TensorFormatException>(() => SafetensorsFile.Read(new FormatFixtures.ForwardOnlyStream(bytes)));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("100000000", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, e.ByteOffset);
        Refused(St("{}", [], headerLength: long.MaxValue));
    }

    [Fact]
    public void Header_length_beyond_the_file_is_refused()
    {
        var e = Refused(St("{}", [], headerLength: 5000));
        Assert.Contains("larger than the rest of the file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void File_shorter_than_the_length_prefix_is_refused()
    {
        Assert.Contains("ends early", Refused([8, 0, 0]).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"a\":", "not valid JSON")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}", "not valid JSON")]
    [InlineData(" {}", "does not start with")]
    [InlineData("[1]", "does not start with")]
    [InlineData("{\"a\":[1]}", "is not a JSON object")]
    [InlineData("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "'dtype'")]
    [InlineData("{\"a\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", "'dtype'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "'shape'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", "'data_offsets'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", "'data_offsets'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", "shape entry")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", "shape entry")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,\"4\"]}}", "data offset")]
    [InlineData("{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", "unknown dtype 'F33'")]
    [InlineData("{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "unknown dtype 'f32'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", "appears twice")]
    [InlineData("{\"__metadata__\":{},\"__metadata__\":{}}", "appears twice")]
    [InlineData("{\"__metadata__\":{\"k\":1}}", "not a string")]
    [InlineData("{\"__metadata__\":[\"k\"]}", "not a JSON object")]
    public void Malformed_header_is_refused(string json, string reason)
    {
        var e = Refused(St(json, new byte[8]));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Equal(8, e.ByteOffset);
    }

    [Fact]
    public void A_header_that_is_not_utf8_is_refused_naming_the_byte()
    {
        var bytes = St("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"xx\":1}", new byte[8]);
        var at = Array.IndexOf(bytes, (byte)'x');
        bytes[at] = 0xFF; // a byte no UTF-8 character starts with
        var e = Refused(bytes);
        Assert.Contains("not valid UTF-8", e.Message, StringComparison.Ordinal);
        Assert.Contains($"file offset {at}", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("transcode", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[0,4]", "[2,6]", "overlaps")]
    [InlineData("[0,4]", "[6,10]", "gap")]
    [InlineData("[2,6]", "[6,10]", "gap")]
    [InlineData("[0,4]", "[8,4]", "ends before it begins")]
    [InlineData("[0,4]", "[4,12]", "needs 4")]
    public void Offsets_that_do_not_tile_the_buffer_are_refused(string a, string b, string reason)
    {
        var json = $"{{\"a\":{{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{a}}},\"b\":{{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{b}}}}}";
        Assert.Contains(reason, Refused(St(json, new byte[8])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Offsets_beyond_the_file_are_refused_as_truncation()
    {
        var json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        Assert.Contains("truncated", Refused(St(json, new byte[12])).Message, StringComparison.Ordinal);
        var e = Assert.Throws<TensorFormatException>(() => SafetensorsFile.Read(new FormatFixtures.ForwardOnlyStream(St(json, new byte[12]))));
        Assert.Contains("ends early", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_bytes_after_the_last_tensor_are_refused()
    {
        var json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        Assert.Contains("longer than its tensors", Refused(St(json, new byte[8])).Message, StringComparison.Ordinal);
        var e = Assert.Throws<TensorFormatException>(() => SafetensorsFile.Read(new FormatFixtures.ForwardOnlyStream(St(json, new byte[8]))));
        Assert.Contains("trailing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shape_whose_byte_count_overflows_is_refused_before_allocating()
    {
        var json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}";
        Assert.Contains("overflows", Refused(St(json, new byte[4])).Message, StringComparison.Ordinal);
        json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1099511627776,4],\"data_offsets\":[0,17592186044416]}}";
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Contains("truncated", Refused(St(json, new byte[4])).Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void Errors_name_the_file()
    {
        var dir = Directory.CreateTempSubdirectory("st-test-");
        try
        {
            var path = Path.Combine(dir.FullName, "bad.safetensors");
            File.WriteAllBytes(path, St("{\"a\":{\"dtype\":\"X\",\"shape\":[],\"data_offsets\":[0,0]}}", []));
            var e = Assert.Throws<TensorFormatException>(() => SafetensorsFile.Read(path));
            Assert.Equal(path, e.FilePath);
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_lying_header_length_in_a_pipe_is_refused_having_held_only_what_the_pipe_held()
    {
        var bytes = St("{}", [], headerLength: 90_000_000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<TensorFormatException>(() => SafetensorsFile.Read(new FormatFixtures.ForwardOnlyStream(bytes)));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20);
        Assert.Contains("ends early", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lying_tensor_size_in_a_pipe_is_refused_having_held_only_what_the_pipe_held()
    {
        var bytes = St("{\"w\":{\"dtype\":\"F32\",\"shape\":[100000,1000],\"data_offsets\":[0,400000000]}}", new byte[64]);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<TensorFormatException>(() => SafetensorsFile.Read(new FormatFixtures.ForwardOnlyStream(bytes)));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20);
        Assert.Contains("tensor 'w' needs 400000000 bytes but only 64 follow", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pipe_holding_tensors_larger_than_one_read_ahead_chunk_reads_the_same_values()
    {
        var tensors = new Dictionary<string, FloatTensor> { ["a"] = Sample(600, 1000), ["b"] = Sample(3) };
        using var buffer = new MemoryStream();
        SafetensorsFile.Write(buffer, tensors);
        var read = SafetensorsFile.Read(new FormatFixtures.ForwardOnlyStream(buffer.ToArray()));
        AssertBitEqual(tensors["a"], read.GetTensor("a"));
        AssertBitEqual(tensors["b"], read.GetTensor("b"));
    }

    [Fact]
    public void A_name_holding_a_line_break_keeps_the_message_on_one_line()
    {
        var e = Refused(St("{\"a\\nb\":{\"dtype\":\"X\",\"shape\":[],\"data_offsets\":[0,0]}}", []));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("'a\\nb'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fifo_is_refused_at_once_naming_it()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var dir = Directory.CreateTempSubdirectory("embedsharp-st-fifo-");
        try
        {
            var fifo = Path.Combine(dir.FullName, "in.safetensors");
            using (var mk = System.Diagnostics.Process.Start("mkfifo", fifo))
            {
                await mk.WaitForExitAsync();
            }

            // No writer: the refusal comes before the open, which would wait for one.
            var e = Assert.Throws<IOException>(() => SafetensorsFile.Read(fifo));
            Assert.Contains($"'{fifo}' is a pipe or FIFO", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
