using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Parity;

/// <summary>
/// Replays tests/data/embedding/cases.json (made by tools/goldens/make_embedding.py with PyTorch 1.13, AVX2): builds
/// each Embedding / EmbeddingBag from the same seed (or pretrained table), runs forward and backward with PyTorch's
/// gradOutput and compares, bit for bit: the initial table, the output, the table after the forward (max_norm), the
/// dense gradient or the sparse (indices, values), Max mode's arg-max rows, and the gradient w.r.t. per-sample weights.
/// Cases where PyTorch raised at backward must raise here too.
/// </summary>
public sealed class EmbeddingParityTests
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "data", "embedding");
    private static readonly Lazy<JsonDocument> Doc = new(() => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "cases.json"))));
    private static readonly Lazy<byte[]> Blob = new(() => File.ReadAllBytes(Path.Combine(Dir, "data.bin")));

    public static TheoryData<int, string> Cases()
    {
        var data = new TheoryData<int, string>();
        var i = 0;
        foreach (var c in Doc.Value.RootElement.GetProperty("cases").EnumerateArray())
        {
            data.Add(i++, $"{c.GetProperty("kind").GetString()}: {c.GetProperty("name").GetString()} seed={c.GetProperty("seed").GetInt64()}");
        }

        return data;
    }

    [Fact]
    public void Fixture_covers_every_option()
    {
        var names = Doc.Value.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
        Assert.True(names.Count > 250, $"only {names.Count} cases");
        foreach (var word in new[] { "padding -1", "max_norm p=3", "max_norm p=inf dim=300", "sparse", "from_pretrained", "include_last_offset", "psw=True", "max pad=1", "many duplicates" })
        {
            Assert.Contains(names, n => n.Contains(word, StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_matches_pytorch(int index, string name)
    {
        var c = Doc.Value.RootElement.GetProperty("cases")[index];
        if (c.GetProperty("kind").GetString() == "embedding")
        {
            RunEmbedding(c, name);
        }
        else
        {
            RunBag(c, name);
        }
    }

    private static void RunEmbedding(JsonElement c, string name)
    {
        var o = c.GetProperty("options");
        var options = new EmbeddingOptions
        {
            PaddingIdx = OptLong(o, "padding_idx"),
            MaxNorm = OptDouble(o, "max_norm"),
            NormType = OptDouble(o, "norm_type") ?? 2.0,
            ScaleGradByFreq = OptBool(o, "scale_grad_by_freq"),
            Sparse = OptBool(o, "sparse"),
        };
        Embedding m;
        if (c.TryGetProperty("pretrained", out var pre))
        {
            var table = F32Tensor(pre);
            m = Embedding.FromPretrained(table, c.GetProperty("freeze").GetBoolean(), options);
            Assert.Same(table, m.Weight.Value);
        }
        else
        {
            m = new Embedding(c.GetProperty("num").GetInt64(), c.GetProperty("dim").GetInt64(), new Generator(c.GetProperty("seed").GetInt64()), options);
            Assert.Equal(c.GetProperty("initial_weight_sha256").GetString(), Sha(m.Weight.Value.ToArray()));
        }

        var indices = Indices(c.GetProperty("indices"));
        var output = m.Forward(indices).Data;
        AssertShape(c.GetProperty("output"), output.Shape, name);
        AssertBits(F32(c.GetProperty("output")), output.ToArray(), $"{name}: output");
        AssertBits(F32(c.GetProperty("weight_after")), m.Weight.Value.ToArray(), $"{name}: weight after forward");
        if (!c.TryGetProperty("grad_output", out var go))
        {
            return;
        }

        var grad = F32Tensor(go);
        if (c.TryGetProperty("backward_error", out var err))
        {
            var ex = Assert.Throws<NotSupportedException>(() => m.Backward(indices, grad));
            Assert.Contains("scale_grad_by_freq", ex.Message, StringComparison.Ordinal);
            Assert.Contains("scale_grad_by_freq", err.GetString(), StringComparison.Ordinal);
            Assert.Null(m.Weight.Grad);
            Assert.Null(m.Weight.SparseGrad);
            return;
        }

        m.Backward(indices, grad);
        CheckGrad(c, m.Weight, name);
    }

    private static void RunBag(JsonElement c, string name)
    {
        var o = c.GetProperty("options");
        var options = new EmbeddingBagOptions
        {
            Mode = o.GetProperty("mode").GetString() switch
            {
                "sum" => EmbeddingBagMode.Sum,
                "mean" => EmbeddingBagMode.Mean,
                "max" => EmbeddingBagMode.Max,
                var s => throw new InvalidOperationException(s),
            },
            PaddingIdx = OptLong(o, "padding_idx"),
            MaxNorm = OptDouble(o, "max_norm"),
            NormType = OptDouble(o, "norm_type") ?? 2.0,
            ScaleGradByFreq = OptBool(o, "scale_grad_by_freq"),
            Sparse = OptBool(o, "sparse"),
            IncludeLastOffset = c.GetProperty("include_last_offset").GetBoolean(),
        };
        var m = new EmbeddingBag(c.GetProperty("num").GetInt64(), c.GetProperty("dim").GetInt64(), new Generator(c.GetProperty("seed").GetInt64()), options);
        Assert.Equal(c.GetProperty("initial_weight_sha256").GetString(), Sha(m.Weight.Value.ToArray()));
        var indices = Indices(c.GetProperty("indices"));
        var offsets = c.TryGetProperty("offsets", out var off) ? Indices(off) : null;
        var psw = c.TryGetProperty("per_sample_weights", out var w) ? F32Tensor(w) : null;
        var result = m.ForwardResult(indices, offsets, psw);
        AssertShape(c.GetProperty("output"), result.Output.Shape, name);
        AssertBits(F32(c.GetProperty("output")), result.Output.ToArray(), $"{name}: output");
        AssertBits(F32(c.GetProperty("weight_after")), m.Weight.Value.ToArray(), $"{name}: weight after forward");
        if (c.TryGetProperty("max_indices", out var mi))
        {
            var expected = I64(mi);
            var sizes = I64(c.GetProperty("bag_size"));
            var dim = (int)m.EmbeddingDim;
            for (var b = 0; b < sizes.Length; b++)
            {
                Assert.Equal(sizes[b], result.BagSizes[b]);
                if (sizes[b] > 0)
                {
                    Assert.Equal(expected.AsSpan(b * dim, dim).ToArray(), result.MaxIndices.Slice(b * dim, dim).ToArray());
                }
            }
        }

        var grad = F32Tensor(c.GetProperty("grad_output"));
        if (c.TryGetProperty("backward_error", out _))
        {
            Assert.Throws<NotSupportedException>(() => m.Backward(result, grad));
            Assert.Null(m.Weight.Grad);
            Assert.Null(m.Weight.SparseGrad);
            return;
        }

        var pswGrad = m.Backward(result, grad);
        CheckGrad(c, m.Weight, name);
        if (c.TryGetProperty("grad_per_sample_weights", out var gp))
        {
            Assert.NotNull(pswGrad);
            AssertShape(gp, pswGrad.Shape, name);
            AssertBits(F32(gp), pswGrad.ToArray(), $"{name}: grad per_sample_weights");
        }
        else
        {
            Assert.Null(pswGrad);
        }
    }

    private static void CheckGrad(JsonElement c, Parameter weight, string name)
    {
        if (c.TryGetProperty("grad", out var g))
        {
            Assert.NotNull(weight.Grad);
            AssertBits(F32(g), weight.Grad.ToArray(), $"{name}: weight grad");
        }
        else if (c.TryGetProperty("grad_sparse_indices", out var gi))
        {
            var sparse = weight.SparseGrad;
            Assert.NotNull(sparse);
            Assert.Equal(I64(gi), sparse.Indices.ToArray());
            AssertBits(F32(c.GetProperty("grad_sparse_values")), sparse.Values.ToArray(), $"{name}: sparse grad values");
        }
        else
        {
            Assert.False(weight.RequiresGrad);
            Assert.Null(weight.Grad);
        }
    }

    internal static void AssertBits(float[] expected, float[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        var first = -1;
        var mismatches = 0;
        var maxDiff = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                mismatches++;
                first = first < 0 ? i : first;
                maxDiff = Math.Max(maxDiff, Math.Abs((double)expected[i] - actual[i]));
            }
        }

        Assert.True(mismatches == 0,
            $"{what}: {mismatches}/{expected.Length} values differ, max |diff| {maxDiff:G9}; first at {first}: expected {(first < 0 ? 0 : expected[first]):G9}, got {(first < 0 ? 0 : actual[first]):G9}");
    }

    private static void AssertShape(JsonElement array, ReadOnlySpan<long> shape, string name)
    {
        var expected = array.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Assert.True(expected.AsSpan().SequenceEqual(shape), $"{name}: shape {FloatTensor.FormatShape(shape)}, expected {FloatTensor.FormatShape(expected)}");
    }

    private static long? OptLong(JsonElement o, string key) =>
        o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;

    private static double? OptDouble(JsonElement o, string key) =>
        !o.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.String && v.GetString() == "inf" ? double.PositiveInfinity
        : v.GetDouble();

    private static bool OptBool(JsonElement o, string key) => o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.True;

    private static float[] F32(JsonElement a)
    {
        Assert.Equal("f32", a.GetProperty("dtype").GetString());
        var off = a.GetProperty("off").GetInt32();
        var n = a.GetProperty("n").GetInt32();
        var result = new float[n];
        for (var i = 0; i < n; i++)
        {
            result[i] = BinaryPrimitives.ReadSingleLittleEndian(Blob.Value.AsSpan(off + (4 * i), 4));
        }

        return result;
    }

    private static long[] I64(JsonElement a)
    {
        Assert.Equal("i64", a.GetProperty("dtype").GetString());
        var off = a.GetProperty("off").GetInt32();
        var n = a.GetProperty("n").GetInt32();
        var result = new long[n];
        for (var i = 0; i < n; i++)
        {
            result[i] = BinaryPrimitives.ReadInt64LittleEndian(Blob.Value.AsSpan(off + (8 * i), 8));
        }

        return result;
    }

    private static long[] Shape(JsonElement a) => a.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();

    private static FloatTensor F32Tensor(JsonElement a) => FloatTensor.FromArray(F32(a), Shape(a));

    private static IndexTensor Indices(JsonElement a) => new(I64(a), Shape(a));

    private static string Sha(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        }

        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
