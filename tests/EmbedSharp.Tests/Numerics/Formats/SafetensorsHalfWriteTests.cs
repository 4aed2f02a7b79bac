using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats.Safetensors;
using EmbedSharp.Vectors;
using EmbedSharp.Vectors.Formats.SafetensorsVocab;
using static EmbedSharp.Tests.Numerics.Formats.FormatFixtures;

namespace EmbedSharp.Tests.Numerics.Formats;

/// <summary>Writing float32 tensors as F16 / BF16 safetensors, against tensors converted by PyTorch 1.13
/// (tests/data/formats/variants/half.safetensors, made by tools/goldens/make_format_variants.py).</summary>
public class SafetensorsHalfWriteTests
{
    private static Dictionary<string, FloatTensor> Tensors()
    {
        var edges = NpyVariantsTests.EdgeTensor();
        var grid = new FloatTensor(2, 3);
        for (var i = 0; i < 6; i++)
        {
            grid[i] = i / 7f; // torch.arange(6).reshape(2, 3).div(7) in float32
        }

        return new() { ["edges_f16"] = edges, ["edges_bf16"] = edges, ["edges_f32"] = edges, ["grid_bf16"] = grid };
    }

    private static SafetensorsWriteOptions PerTensor() => new()
    {
        TensorDTypes = new Dictionary<string, SafetensorsDType>
        {
            ["edges_f16"] = SafetensorsDType.Float16,
            ["edges_bf16"] = SafetensorsDType.BFloat16,
            ["grid_bf16"] = SafetensorsDType.BFloat16,
        },
    };

    [Fact]
    public void F16_and_BF16_tensors_are_byte_identical_to_torch_conversions_in_the_reference_layout()
    {
        using var ms = new MemoryStream();
        SafetensorsFile.Write(ms, Tensors(), new Dictionary<string, string> { ["format"] = "pt" }, PerTensor());
        Assert.Equal(File.ReadAllBytes(NpyVariantsTests.VariantPath("half.safetensors")), ms.ToArray());
    }

    [Fact]
    public void Written_half_tensors_read_back_as_the_rounded_values()
    {
        var dir = Directory.CreateTempSubdirectory("st-half-");
        try
        {
            var path = Path.Combine(dir.FullName, "h.safetensors");
            SafetensorsFile.Write(path, Tensors(), null, PerTensor());
            var content = SafetensorsFile.Read(path);
            var reference = SafetensorsFile.Read(NpyVariantsTests.VariantPath("half.safetensors"));
            Assert.Equal(reference.Names, content.Names);
            foreach (var name in content.Names)
            {
                Assert.Equal(reference.GetInfo(name).DType, content.GetInfo(name).DType);
                AssertBitEqual(reference.GetTensor(name), content.GetTensor(name));
            }

            Assert.Equal(SafetensorsDType.Float32, content.GetInfo("edges_f32").DType);
            Assert.Equal(SafetensorsDType.BFloat16, content.GetInfo("grid_bf16").DType);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(SafetensorsDType.Float16, 2)]
    [InlineData(SafetensorsDType.BFloat16, 2)]
    [InlineData(SafetensorsDType.Float64, 8)]
    [InlineData(SafetensorsDType.Float32, 4)]
    public void File_wide_dtype_applies_to_every_tensor(SafetensorsDType dtype, int size)
    {
        using var ms = new MemoryStream();
        var tensors = new Dictionary<string, FloatTensor> { ["a"] = Sample(3, 4), ["b"] = Sample(5) };
        SafetensorsFile.Write(ms, tensors, null, new SafetensorsWriteOptions { DType = dtype });
        ms.Position = 0;
        var content = SafetensorsFile.Read(ms);
        foreach (var name in tensors.Keys)
        {
            var info = content.GetInfo(name);
            Assert.Equal(dtype, info.DType);
            Assert.Equal(tensors[name].Length * size, info.End - info.Begin);
        }
    }

    [Fact]
    public void Larger_dtypes_come_first_as_the_reference_serializer_sorts_them()
    {
        using var ms = new MemoryStream();
        var tensors = new Dictionary<string, FloatTensor> { ["a"] = Sample(2), ["b"] = Sample(2), ["c"] = Sample(2) };
        var options = new SafetensorsWriteOptions
        {
            DType = SafetensorsDType.Float16,
            TensorDTypes = new Dictionary<string, SafetensorsDType> { ["c"] = SafetensorsDType.Float32, ["b"] = SafetensorsDType.BFloat16 },
        };
        SafetensorsFile.Write(ms, tensors, null, options);
        ms.Position = 0;
        Assert.Equal(["c", "b", "a"], SafetensorsFile.Read(ms).Names);
    }

    [Theory]
    [InlineData(SafetensorsDType.Int32)]
    [InlineData(SafetensorsDType.UInt8)]
    [InlineData(SafetensorsDType.Float8E4M3)]
    public void Non_float_dtypes_are_refused_before_writing(SafetensorsDType dtype)
    {
        var dir = Directory.CreateTempSubdirectory("st-half-");
        try
        {
            var path = Path.Combine(dir.FullName, "x.safetensors");
            var tensors = new Dictionary<string, FloatTensor> { ["a"] = Sample(2) };
            Assert.Throws<ArgumentOutOfRangeException>(() => SafetensorsFile.Write(path, tensors, null, new SafetensorsWriteOptions { DType = dtype }));
            Assert.Throws<ArgumentOutOfRangeException>(() => SafetensorsFile.Write(path, tensors, null,
                new SafetensorsWriteOptions { TensorDTypes = new Dictionary<string, SafetensorsDType> { ["a"] = dtype } }));
            Assert.False(File.Exists(path));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Per_tensor_dtype_for_an_unknown_name_is_refused()
    {
        var tensors = new Dictionary<string, FloatTensor> { ["a"] = Sample(2) };
        var options = new SafetensorsWriteOptions { TensorDTypes = new Dictionary<string, SafetensorsDType> { ["typo"] = SafetensorsDType.Float16 } };
        var e = Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(new MemoryStream(), tensors, null, options));
        Assert.Contains("typo", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Word_vectors_can_be_stored_as_bf16()
    {
        var dir = Directory.CreateTempSubdirectory("st-half-");
        try
        {
            var path = Path.Combine(dir.FullName, "v.safetensors");
            var matrix = new FloatTensor(2, 3);
            for (var i = 0; i < 6; i++)
            {
                matrix[i] = (i - 2.5f) / 3f;
            }

            using var vectors = new WordVectors(["x", "y"], matrix);
            SafetensorsVocabFile.Write(path, vectors, new SafetensorsVocabWriteOptions { DType = SafetensorsDType.BFloat16 });
            var back = SafetensorsVocabFile.Read(path);
            Assert.Equal(SafetensorsDType.BFloat16, SafetensorsFile.Read(path).GetInfo(SafetensorsVocabFile.DefaultTensorName).DType);
            for (var i = 0; i < 6; i++)
            {
                var bits = (uint)EmbedSharp.Numerics.Formats.HalfRounding.ToBFloat16(matrix[i]) << 16;
                Assert.Equal(BitConverter.UInt32BitsToSingle(bits), back.Vectors[i]);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
