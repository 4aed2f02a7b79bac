using System.Text.Json;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Numerics.Formats.Npy;
using EmbedSharp.Vectors.Formats.NpyVocab;
using static EmbedSharp.Tests.Numerics.Formats.FormatFixtures;

namespace EmbedSharp.Tests.Numerics.Formats;

/// <summary>.npy files in every layout numpy writes (C and Fortran order, little- and big-endian, float16 to int64), made
/// by tools/goldens/make_format_variants.py, against numpy's own <c>np.ascontiguousarray(np.load(f))</c>.</summary>
public class NpyVariantsTests
{
    private static readonly Lazy<Dictionary<string, JsonElement>> Expected = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(VariantPath("npy_expected.json")));
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    });

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var name in Expected.Value.Keys.Order(StringComparer.Ordinal))
        {
            data.Add(name);
        }

        return data;
    }

    internal static string VariantPath(string name) => PathOf(Path.Combine("variants", name));

    private static string NpyPath(string name) => VariantPath(Path.Combine("npy", name));

    [Fact]
    public void Every_layout_and_dtype_is_covered()
    {
        var names = Expected.Value.Keys.ToList();
        Assert.Equal(90, names.Count);
        Assert.Contains(names, n => Expected.Value[n].GetProperty("fortran_order").GetBoolean() && n.Contains("_be_", StringComparison.Ordinal));
        foreach (var code in new[] { "f2", "f4", "f8", "i1", "u1", "i2", "u2", "i4", "u4", "i8" })
        {
            Assert.Contains(names, n => n.StartsWith(code + "_", StringComparison.Ordinal) && n.Contains("_F_", StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void File_reads_as_numpy_loads_it(string name)
    {
        var expected = Expected.Value[name];
        var array = NpyFile.Read(NpyPath(name));
        AssertMatches(name, expected, array);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Pipe_reads_the_same_as_the_file(string name)
    {
        var array = NpyFile.Read(new ForwardOnlyStream(File.ReadAllBytes(NpyPath(name))));
        AssertMatches(name, Expected.Value[name], array);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_truncation_is_refused_with_a_format_error(string name)
    {
        var bytes = File.ReadAllBytes(NpyPath(name));
        for (var n = 0; n < bytes.Length; n++)
        {
            var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new MemoryStream(bytes, 0, n)));
            Assert.False(e.Message.Contains('\n', StringComparison.Ordinal), e.Message);
        }
    }

    [Theory]
    [InlineData("f4_be_F_2x3x4.npy", "(2, 3, 5)")]
    [InlineData("f2_le_F_2x3.npy", "(3, 3)")]
    [InlineData("i8_be_F_2x3x4.npy", "(2, 3, 3)")]
    [InlineData("u1_na_F_2x3x4.npy", "(2, 4, 4)")]
    [InlineData("f8_be_C_2x3x4.npy", "(2, 3)")]
    public void Header_lying_about_the_shape_is_refused(string name, string shape)
    {
        var bytes = File.ReadAllBytes(NpyPath(name));
        var headerEnd = Array.IndexOf(bytes, (byte)'\n');
        var text = System.Text.Encoding.Latin1.GetString(bytes, 10, headerEnd - 10);
        var start = text.IndexOf("'shape': ", StringComparison.Ordinal) + 9;
        var end = text.IndexOf(')', start) + 1;
        var dict = text[..start] + shape + text[end..].TrimEnd();
        var data = bytes.AsSpan(headerEnd + 1).ToArray();
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new MemoryStream(Npy(dict, data))));
        Assert.Contains(data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        Assert.Throws<TensorFormatException>(() => NpyFile.Read(new ForwardOnlyStream(Npy(dict, data))));
    }

    [Theory]
    [InlineData("<f2", "(4611686018427387904, 2)", true)] // element count fits, byte count overflows
    [InlineData(">f8", "(4294967296, 4294967296)", true)]
    [InlineData("|u1", "(3037000500, 3037000500, 2)", false)]
    [InlineData(">i2", "(4611686018427387904, 2)", true)]
    public void Shape_whose_size_overflows_is_refused_in_either_order(string descr, string shape, bool fortran)
    {
        var dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new MemoryStream(Npy(dict, new byte[24]))));
        Assert.Contains("2^63", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Huge_fortran_shape_is_compared_to_the_file_length_before_allocating()
    {
        var dict = "{'descr': '>f2', 'fortran_order': True, 'shape': (100000, 100000), }";
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<TensorFormatException>(() => NpyFile.Read(new MemoryStream(Npy(dict, new byte[64]))));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void Fortran_order_matrix_of_word_vectors_reads_in_row_order_and_honours_the_limit()
    {
        var dir = Directory.CreateTempSubdirectory("npy-variants-");
        try
        {
            var matrix = Path.Combine(dir.FullName, "m.npy");
            File.Copy(NpyPath("f4_be_F_2x3.npy"), matrix);
            var words = Path.Combine(dir.FullName, "m.words.txt");
            File.WriteAllText(words, "a\nb\n");
            var expected = Expected.Value["f4_be_F_2x3.npy"].GetProperty("f32_bits").EnumerateArray().Select(b => b.GetUInt32()).ToArray();
            var options = new NpyVocabReadOptions { AllowNonFinite = true };
            var vectors = NpyVocabFile.Read(matrix, words, options);
            Assert.Equal(expected, vectors.Vectors.ToArray().Select(BitConverter.SingleToUInt32Bits).ToArray());
            var first = NpyVocabFile.Read(matrix, words, options with { Limit = 1 });
            Assert.Equal(expected[..3], first.Vectors.ToArray().Select(BitConverter.SingleToUInt32Bits).ToArray());

            var half = Path.Combine(dir.FullName, "h.npy");
            File.Copy(NpyPath("f2_be_C_2x3.npy"), half);
            var halfExpected = Expected.Value["f2_be_C_2x3.npy"].GetProperty("f32_bits").EnumerateArray().Select(b => b.GetUInt32()).ToArray();
            Assert.Equal(halfExpected, NpyVocabFile.Read(half, words, options).Vectors.ToArray().Select(BitConverter.SingleToUInt32Bits).ToArray());
            var e = Assert.Throws<TensorFormatException>(() => NpyVocabFile.Read(matrix, words, options with { MemoryMap = true }));
            Assert.Contains("Fortran", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Float16_write_is_byte_identical_to_numpy_astype_float16()
    {
        var edges = EdgeTensor();
        using var ms = new MemoryStream();
        NpyFile.Write(ms, edges, NpyDType.Float16);
        Assert.Equal(File.ReadAllBytes(VariantPath("f2_edges.npy")), ms.ToArray());
    }

    [Theory]
    [InlineData(NpyDType.Float16)]
    [InlineData(NpyDType.Float32)]
    [InlineData(NpyDType.Float64)]
    public void Float_tensor_written_as_each_float_type_reads_back_rounded_once(NpyDType dtype)
    {
        var dir = Directory.CreateTempSubdirectory("npy-variants-");
        try
        {
            var path = Path.Combine(dir.FullName, "t.npy");
            var t = Sample(3, 7);
            NpyFile.Write(path, t, dtype);
            var back = NpyFile.Read(path);
            Assert.Equal(dtype, back.DType);
            for (long i = 0; i < t.Length; i++)
            {
                var want = dtype == NpyDType.Float16 ? (float)(Half)t[i] : t[i];
                Assert.Equal(float.IsNaN(want), float.IsNaN(back.ToTensor()[i]));
                if (!float.IsNaN(want))
                {
                    Assert.Equal(BitConverter.SingleToInt32Bits(want), BitConverter.SingleToInt32Bits(back.ToTensor()[i]));
                }
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(NpyDType.Int32)]
    [InlineData(NpyDType.Int8)]
    public void A_float_tensor_is_not_written_as_an_integer_type(NpyDType dtype)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NpyFile.Write(new MemoryStream(), Sample(2), dtype));
    }

    [Fact]
    public void Float16_rounding_matches_numpy_and_torch_on_every_edge_value()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(VariantPath("rounding.json")));
        var root = doc.RootElement;
        var inputs = root.GetProperty("f32_bits").EnumerateArray().Select(e => BitConverter.UInt32BitsToSingle(e.GetUInt32())).ToArray();
        var numpy = Ushorts(root, "numpy_float16");
        var numpyOne = Ushorts(root, "numpy_float16_one_by_one");
        var torchHalf = Ushorts(root, "torch_float16");
        var torchBf = Ushorts(root, "torch_bfloat16");
        var torchBfOne = Ushorts(root, "torch_bfloat16_one_by_one");
        var got = new ushort[inputs.Length];
        HalfRounding.Convert(HalfRounding.Rule.NumpyHalf, inputs, got);
        AssertBits(inputs, numpy, got, "numpy float16");
        AssertBits(inputs, numpyOne, [.. inputs.Select(v => HalfRounding.ToHalf(v, HalfRounding.Rule.NumpyHalf))], "numpy float16, one value");
        HalfRounding.Convert(HalfRounding.Rule.TorchHalf, inputs, got);
        AssertBits(inputs, torchHalf, got, "torch float16");
        HalfRounding.Convert(HalfRounding.Rule.TorchBFloat16, inputs, got);
        AssertBits(inputs, torchBf, got, "torch bfloat16");
        AssertBits(inputs, torchBfOne, [.. inputs.Select(HalfRounding.ToBFloat16)], "torch bfloat16, one value");
    }

    internal static FloatTensor EdgeTensor()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(VariantPath("rounding.json")));
        var values = doc.RootElement.GetProperty("f32_bits").EnumerateArray().Select(e => BitConverter.UInt32BitsToSingle(e.GetUInt32())).ToArray();
        return FloatTensor.FromArray(values, values.Length);
    }

    private static ushort[] Ushorts(JsonElement root, string name) => [.. root.GetProperty(name).EnumerateArray().Select(e => (ushort)e.GetUInt32())];

    private static void AssertBits(float[] inputs, ushort[] expected, ushort[] actual, string what)
    {
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i] == actual[i],
                $"{what}: input 0x{BitConverter.SingleToUInt32Bits(inputs[i]):x8} ({inputs[i]:R}) should give 0x{expected[i]:x4}, got 0x{actual[i]:x4}.");
        }
    }

    private static void AssertMatches(string name, JsonElement expected, NpyArray array)
    {
        var shape = expected.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Assert.Equal(shape, array.Shape.ToArray());
        var descr = expected.GetProperty("descr").GetString()!;
        // The header's own dtype → code map; a wrong dtype would also show in the values compared below.
        Assert.Equal(descr[1..], NpyHeader.CodeOf(array.DType));
        if (expected.TryGetProperty("f32_bits", out var bits))
        {
            Assert.False(array.IsInteger);
            var want = bits.EnumerateArray().Select(e => e.GetUInt32()).ToArray();
            var got = array.ToTensor();
            Assert.Equal(shape, got.Shape.ToArray());
            for (var i = 0; i < want.Length; i++)
            {
                var g = BitConverter.SingleToUInt32Bits(got[i]);
                Assert.True(want[i] == g, $"{name} element {i}: numpy gives 0x{want[i]:x8}, read 0x{g:x8}.");
            }
        }
        else
        {
            Assert.True(array.IsInteger);
            var want = expected.GetProperty("ints").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.Equal(want, array.ToIndexTensor().AsSpan().ToArray());
            var floats = array.ToTensor();
            for (var i = 0; i < want.Length; i++)
            {
                Assert.Equal((float)want[i], floats[i]);
            }
        }
    }
}
