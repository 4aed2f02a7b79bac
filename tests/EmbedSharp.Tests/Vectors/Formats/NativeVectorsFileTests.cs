using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Vectors;
using EmbedSharp.Vectors.Formats;
using EmbedSharp.Vectors.Formats.Native;
using Xunit.Abstractions;

namespace EmbedSharp.Tests.Vectors.Formats;

public sealed class NativeVectorsFileTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("esvec-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    internal static WordVectors Sample(int count = 5, int dim = 3)
    {
        string[] basis = ["the", "Straße", "naïve", "東京", "😀", "", "a b", "x\ty"];
        var words = Enumerable.Range(0, count).Select(i => i < basis.Length ? basis[i] : "w" + i).ToArray();
        var t = new FloatTensor(count, dim);
        for (long i = 0; i < t.Length; i++)
        {
            t[i] = i % 7 == 3 ? -0f : (i * 0.37f) - 2.5f;
        }

        if (t.Length > 1)
        {
            t[1] = float.Epsilon; // subnormal survives
        }

        return new WordVectors(words, t);
    }

    private string WriteSample(string name, int count = 5, int dim = 3)
    {
        var path = PathOf(name);
        NativeVectorsFile.Write(path, Sample(count, dim));
        return path;
    }

    [Fact]
    public void Written_vectors_open_mapped_with_the_same_words_and_bits()
    {
        var expected = Sample(8, 3);
        var path = PathOf("a.esvec");
        NativeVectorsFile.Write(path, expected);
        using var wv = NativeVectorsFile.Open(path);
        Assert.True(wv.Vectors.IsExternal);
        Assert.Equal(expected.Words, wv.Words);
        Assert.Equal(3, wv.Dimension);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(i, wv.IndexOf(expected.Words[i]));
            Assert.Equal(Bits(expected.GetVector(i)), Bits(wv.GetVector(i)));
        }

        Assert.Equal(-1, wv.IndexOf("missing"));
        Assert.Equal(-1, wv.IndexOf("\ud800")); // an unpaired surrogate cannot be stored
        Assert.False(wv.Contains("THE"));
        NativeVectorsFile.Verify(path);
    }

    [Fact]
    public void Writing_is_deterministic_and_matches_the_documented_layout()
    {
        var a = WriteSample("a.esvec");
        var b = WriteSample("b.esvec");
        var bytes = File.ReadAllBytes(a);
        Assert.Equal(bytes, File.ReadAllBytes(b));
        byte[] magic = [0x89, .. "ESVEC\r\n"u8];
        Assert.Equal(magic, bytes[..8]);
        Assert.Equal(5, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(24)));
        Assert.Equal(3, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(32)));
        Assert.Equal(4096, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(40)));
        Assert.Equal(Crc32C.Compute(bytes.AsSpan(0, 124)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(124)));
    }

    [Fact]
    public void A_file_written_by_the_python_reference_writer_is_byte_identical_and_reads_back()
    {
        var golden = Path.Combine(AppContext.BaseDirectory, "data", "native", "small.esvec");
        var words = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "data", "native", "small.words.txt"), Encoding.UTF8);
        var matrix = EmbedSharp.Numerics.Formats.Npy.NpyFile.ReadTensor(Path.Combine(AppContext.BaseDirectory, "data", "native", "small.npy"));
        using var wv = NativeVectorsFile.Open(golden);
        Assert.Equal(words, wv.Words);
        FormatAssert.BitEqual(matrix, wv.Vectors);
        var mine = PathOf("mine.esvec");
        NativeVectorsFile.Write(mine, new WordVectors(words, matrix));
        Assert.Equal(File.ReadAllBytes(golden), File.ReadAllBytes(mine));
        NativeVectorsFile.Verify(golden);
    }

    [Fact]
    public void Empty_tables_and_zero_dimensions_round_trip()
    {
        foreach (var (v, d) in new[] { (0, 0), (0, 4), (3, 0) })
        {
            var path = PathOf($"e{v}x{d}.esvec");
            NativeVectorsFile.Write(path, new WordVectors(Enumerable.Range(0, v).Select(i => "w" + i).ToArray(), new FloatTensor(v, d)));
            using var wv = NativeVectorsFile.Open(path);
            Assert.Equal(v, wv.Count);
            Assert.Equal(d, wv.Dimension);
            Assert.Equal(v > 0 ? 2 : -1, wv.IndexOf("w2"));
            NativeVectorsFile.Verify(path);
        }
    }

    [Fact]
    public void Limit_keeps_the_first_words_and_hides_the_rest()
    {
        var path = WriteSample("a.esvec", 8, 3);
        using var wv = NativeVectorsFile.Open(path, new NativeVectorsReadOptions { Limit = 3 });
        Assert.Equal(3, wv.Count);
        Assert.Equal((3L, 3L), (wv.Vectors.Shape[0], wv.Vectors.Shape[1]));
        Assert.Equal(2, wv.IndexOf("naïve"));
        Assert.Equal(-1, wv.IndexOf("東京"));
        Assert.Throws<ArgumentOutOfRangeException>(() => NativeVectorsFile.Open(path, new NativeVectorsReadOptions { Limit = -1 }));
    }

    [Fact]
    public void Two_readers_share_a_file_and_a_replaced_file_leaves_an_open_mapping_on_the_old_contents()
    {
        var path = WriteSample("a.esvec", 8, 3);
        using var first = NativeVectorsFile.Open(path, new NativeVectorsReadOptions { Access = MappedAccess.ReadOnly });
        using var second = NativeVectorsFile.Open(path);
        Assert.Equal(Bits(first.GetVector(5)), Bits(second.GetVector(5)));
        var old = Bits(first.GetVector(5));

        var replacement = new WordVectors(["new", "words"], FloatTensor.FromArray([9f, 8f, 7f, 6f, 5f, 4f], 2, 3));
        NativeVectorsFile.Write(path, replacement); // atomic rename over the mapped file
        using var third = NativeVectorsFile.Open(path);
        Assert.Equal(["new", "words"], third.Words);
        Assert.Equal(old, Bits(first.GetVector(5)));
        Assert.Equal(3, first.IndexOf("東京"));
        Assert.Equal(8, second.Count);
    }

    [Fact]
    public void Copy_on_write_mappings_accept_writes_without_changing_the_file()
    {
        var path = WriteSample("a.esvec");
        var before = File.ReadAllBytes(path);
        using (var wv = NativeVectorsFile.Open(path))
        {
            wv.Vectors.Row(2).Fill(42f);
            Assert.Equal(42f, wv.GetVector(2)[0]);
        }

        Assert.Equal(before, File.ReadAllBytes(path));
        using var again = NativeVectorsFile.Open(path);
        Assert.NotEqual(42f, again.GetVector(2)[0]);
    }

    [Fact]
    public void Non_finite_values_are_refused_unless_allowed_on_both_sides()
    {
        var t = FloatTensor.FromArray([1f, float.NaN, 3f, float.PositiveInfinity], 2, 2);
        var wv = new WordVectors(["a", "b"], t);
        var path = PathOf("nan.esvec");
        var e = Assert.Throws<ArgumentException>(() => NativeVectorsFile.Write(path, wv));
        Assert.Contains("'a' (row 0)", e.Message, StringComparison.Ordinal);
        Assert.Contains("column 1", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
        NativeVectorsFile.Write(path, wv, new NativeVectorsWriteOptions { AllowNonFinite = true });
        Assert.Contains("AllowNonFinite", Assert.Throws<TensorFormatException>(() => NativeVectorsFile.Open(path)).Message, StringComparison.Ordinal);
        using var ok = NativeVectorsFile.Open(path, new NativeVectorsReadOptions { AllowNonFinite = true });
        Assert.True(float.IsNaN(ok.GetVector(0)[1]));
        NativeVectorsFile.Verify(path);
    }

    [Fact]
    public void A_wrong_magic_is_refused_at_offset_zero()
    {
        var path = WriteSample("a.esvec");
        var bytes = File.ReadAllBytes(path);
        bytes[1] = (byte)'X';
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<TensorFormatException>(() => NativeVectorsFile.Open(path));
        Assert.Equal(0, e.ByteOffset);
        Assert.Contains("magic", e.Message, StringComparison.Ordinal);
        Assert.Equal(path, e.FilePath);
    }

    [Fact]
    public void Truncated_files_are_refused_wherever_they_end()
    {
        var path = WriteSample("a.esvec");
        var bytes = File.ReadAllBytes(path);
        foreach (var length in new[] { 0, 7, 8, 100, 127, 128, 4096, 4100, bytes.Length - 1 })
        {
            var cut = PathOf($"cut{length}.esvec");
            File.WriteAllBytes(cut, bytes[..length]);
            var e = Assert.Throws<TensorFormatException>(() => NativeVectorsFile.Open(cut));
            Assert.Equal(cut, e.FilePath);
        }

        var longer = PathOf("longer.esvec");
        File.WriteAllBytes(longer, [.. bytes, 0]);
        Assert.Contains("trailing bytes", Assert.Throws<TensorFormatException>(() => NativeVectorsFile.Open(longer)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_checksum_mismatch_is_refused()
    {
        var path = WriteSample("a.esvec");
        var bytes = File.ReadAllBytes(path);
        bytes[24] ^= 1; // V: 5 -> 4, checksum not updated
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<TensorFormatException>(() => NativeVectorsFile.Open(path));
        Assert.Contains("checksum", e.Message, StringComparison.Ordinal);
        Assert.Equal(124, e.ByteOffset);
    }

    [Theory]
    [InlineData(24, 1_000_000_000_000L, "words")] // V = 10^12
    [InlineData(32, 1L << 31, "dimension")] // D = 2^31
    [InlineData(32, 1L << 20, "matrix")] // D that the file cannot hold
    [InlineData(24, -1L, "words")]
    [InlineData(40, 4097L, "matrix")] // misaligned matrix
    [InlineData(80, 6L, "power of two")] // index slots
    [InlineData(64, 1L << 40, "word bytes")]
    public void Absurd_or_inconsistent_header_fields_are_refused_before_mapping(int field, long value, string expected)
    {
        var path = WriteSample("a.esvec");
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(field), value);
        Reseal(bytes);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<TensorFormatException>(() => NativeVectorsFile.Open(path));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8, 2, "version 2.0")]
    [InlineData(16, 2, "element type")]
    [InlineData(20, 4, "flag")]
    [InlineData(88, 7, "hash")]
    [InlineData(100, 1, "Reserved")]
    public void Unknown_versions_codes_and_reserved_bytes_are_refused(int field, byte value, string expected)
    {
        var path = WriteSample("a.esvec");
        var bytes = File.ReadAllBytes(path);
        bytes[field] = value;
        Reseal(bytes);
        File.WriteAllBytes(path, bytes);
        Assert.Contains(expected, Assert.Throws<TensorFormatException>(() => NativeVectorsFile.Open(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Word_offsets_out_of_order_or_range_and_invalid_utf8_are_refused()
    {
        var path = WriteSample("a.esvec");
        var good = File.ReadAllBytes(path);
        var offsets = (int)BinaryPrimitives.ReadInt64LittleEndian(good.AsSpan(48));
        var strings = (int)BinaryPrimitives.ReadInt64LittleEndian(good.AsSpan(56));

        var bytes = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offsets + 16), 1); // word 2 starts before word 1 ends
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<TensorFormatException>(() => NativeVectorsFile.Open(path));
        Assert.Contains("Word 1", e.Message, StringComparison.Ordinal);
        Assert.Equal(offsets + 8, e.ByteOffset);

        bytes = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offsets + 40), 1000); // last offset past the bytes
        File.WriteAllBytes(path, bytes);
        Assert.Contains("word bytes", Assert.Throws<TensorFormatException>(() => NativeVectorsFile.Open(path)).Message, StringComparison.Ordinal);

        bytes = (byte[])good.Clone();
        bytes[strings + 5] = 0xFF; // inside "Straße"
        File.WriteAllBytes(path, bytes);
        e = Assert.Throws<TensorFormatException>(() => NativeVectorsFile.Open(path));
        Assert.Contains("UTF-8", e.Message, StringComparison.Ordinal);
        Assert.Equal(strings + 5, e.ByteOffset);

        bytes = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offsets + 16), 8); // "Straße" split inside "ß"
        File.WriteAllBytes(path, bytes);
        Assert.Contains("UTF-8", Assert.Throws<TensorFormatException>(() => NativeVectorsFile.Open(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_finds_corrupt_matrix_and_vocabulary_bytes_that_open_trusts()
    {
        var path = WriteSample("a.esvec");
        var good = File.ReadAllBytes(path);
        var bytes = (byte[])good.Clone();
        bytes[4096 + 5] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        using (NativeVectorsFile.Open(path))
        {
        }

        Assert.Contains("matrix checksum", Assert.Throws<TensorFormatException>(() => NativeVectorsFile.Verify(path)).Message, StringComparison.Ordinal);
        bytes = (byte[])good.Clone();
        bytes[^1] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("vocabulary checksum", Assert.Throws<TensorFormatException>(() => NativeVectorsFile.Verify(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Opening_400k_words_builds_no_dictionary_and_lookups_allocate_nothing()
    {
        const int count = 400_000;
        var words = new string[count];
        for (var i = 0; i < count; i++)
        {
            words[i] = "word" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var path = PathOf("big.esvec");
        NativeVectorsFile.Write(path, new WordVectors(words, new FloatTensor(count, 2)));
        using (NativeVectorsFile.Open(path))
        {
        }

        var watch = Stopwatch.StartNew();
        using var wv = NativeVectorsFile.Open(path);
        var elapsed = watch.Elapsed.TotalMilliseconds;
        output.WriteLine($"open 400k words: {elapsed:F2} ms");
        Assert.Equal(399_999, wv.IndexOf("word399999"));
        Assert.Equal(123_456, wv.IndexOf("word123456"));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var sum = 0;
        for (var i = 0; i < 1000; i++)
        {
            sum += wv.IndexOf(words[i * 400]);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum > 0);
    }

    [Fact]
    public void Crc32c_matches_the_check_value_and_the_table_form()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        var data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 31)).ToArray();
        Assert.Equal(Crc32C.Finish(Crc32C.AppendSoftware(Crc32C.Start, data)), Crc32C.Compute(data));
    }

    private static void Reseal(byte[] bytes) =>
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(124), Crc32C.Compute(bytes.AsSpan(0, 124)));

    private static int[] Bits(ReadOnlySpan<float> values) => values.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
}
