using System.Runtime.InteropServices;
using System.Text.Json;
using EmbedSharp.Autograd;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Parity;

/// <summary>
/// Replays the embedding and embedding-bag cases of tests/data/autograd/cases.json (torch 1.13, one thread) through
/// <see cref="F.Embedding"/> and <see cref="F.EmbeddingBag"/>: the forward, the table after max_norm's in-place
/// renormalisation, and the gradients of the weight and of the per-sample weights for the recorded upstream gradient.
/// The kernels reproduce PyTorch's operation order (sequential bag sums, libstdc++'s sort for the dense backward, the
/// sdot order for the per-sample weights), so everything is compared bit for bit (gradients: +0 and −0 equal).
/// </summary>
public sealed class AutogradEmbeddingParityTests
{
    private static readonly Lazy<JsonElement> Cases = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "autograd", "cases.json"))).RootElement.GetProperty("ops"));

    [Theory]
    [InlineData("embedding")]
    [InlineData("embedding_padding0")]
    [InlineData("embedding_max_norm1")]
    [InlineData("embedding_max_norm1_p1_pad0")]
    public void Embedding_matches_torch_bit_for_bit(string name)
    {
        var c = Case(name);
        var w = Input(c, "w");
        var i = DecodeIndex(c.GetProperty("consts").GetProperty("i"));
        var (pad, maxNorm, normType) = name switch
        {
            "embedding" => ((long?)null, (double?)null, 2.0),
            "embedding_padding0" => (0L, null, 2.0),
            "embedding_max_norm1" => (null, 1.0, 2.0),
            _ => (0L, 1.0, 1.0),
        };

        var y = F.Embedding(i, w, pad, maxNorm, normType);
        Check(c, y, [("w", w)]);
    }

    [Theory]
    [InlineData("embedding_bag_sum", EmbeddingBagMode.Sum, null)]
    [InlineData("embedding_bag_sum_pad3", EmbeddingBagMode.Sum, 3L)]
    [InlineData("embedding_bag_mean", EmbeddingBagMode.Mean, null)]
    [InlineData("embedding_bag_mean_pad3", EmbeddingBagMode.Mean, 3L)]
    [InlineData("embedding_bag_max", EmbeddingBagMode.Max, null)]
    [InlineData("embedding_bag_max_pad3", EmbeddingBagMode.Max, 3L)]
    [InlineData("embedding_bag_2d_mean", EmbeddingBagMode.Mean, null)]
    [InlineData("embedding_bag_psw_sum", EmbeddingBagMode.Sum, null)]
    [InlineData("embedding_bag_psw_sum_pad3", EmbeddingBagMode.Sum, 3L)]
    public void Embedding_bag_matches_torch_bit_for_bit(string name, EmbeddingBagMode mode, long? pad)
    {
        var c = Case(name);
        var consts = c.GetProperty("consts");
        var w = Input(c, "w");
        var i = DecodeIndex(consts.GetProperty("i"));
        var o = consts.TryGetProperty("o", out var oe) ? DecodeIndex(oe) : null;
        var p = c.GetProperty("inputs").TryGetProperty("p", out _) ? Input(c, "p") : null;
        var y = F.EmbeddingBag(i, w, o, mode: mode, perSampleWeights: p, paddingIdx: pad);
        Assert.Equal("EmbeddingBagBackward0", y.GradFn!.Name);
        Check(c, y, p is null ? [("w", w)] : [("w", w), ("p", p)]);
    }

    /// <summary>The module front records the same node: its output and gradients equal the functional ones, for a
    /// parameter (dense path straight into the parameter's gradient) and with sparse rows.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Module_forward_equals_the_functional_front(bool sparse)
    {
        var c = Case("embedding_bag_psw_sum_pad3");
        var table = Decode(c.GetProperty("inputs").GetProperty("w"));
        var i = DecodeIndex(c.GetProperty("consts").GetProperty("i"));
        var o = DecodeIndex(c.GetProperty("consts").GetProperty("o"));
        var bag = EmbeddingBag.FromPretrained(table.Clone(), freeze: false, new EmbeddingBagOptions { Mode = EmbeddingBagMode.Sum, PaddingIdx = 3, Sparse = sparse });
        var p = Input(c, "p");
        var y = bag.Forward(i, o, p);
        y.Backward(Decode(c.GetProperty("g")[0]));
        Assert.Equal(Decode(c.GetProperty("outs")[0]).ToArray(), y.Data.ToArray());
        var want = Decode(c.GetProperty("grads").GetProperty("w"));
        var got = sparse ? bag.Weight.SparseGrad!.ToDense(table.Shape) : bag.Weight.Grad!;
        AssertBits(want, got, "w", signedZeros: false);
        AssertBits(Decode(c.GetProperty("grads").GetProperty("p")), p.Grad!, "p", signedZeros: false);
    }

    private static void Check(JsonElement c, Variable y, (string Key, Variable Variable)[] inputs)
    {
        var name = c.GetProperty("name").GetString()!;
        AssertBits(Decode(c.GetProperty("outs")[0]), y.Data, $"{name}: out", signedZeros: true);
        if (c.TryGetProperty("inputs_after_forward", out var after))
        {
            AssertBits(Decode(after.GetProperty("w")), inputs[0].Variable.Data, $"{name}: w after max_norm", signedZeros: true);
        }

        y.Backward(Decode(c.GetProperty("g")[0]));
        foreach (var (key, variable) in inputs)
        {
            AssertBits(Decode(c.GetProperty("grads").GetProperty(key)), variable.Grad!, $"{name}: grad {key}", signedZeros: false);
        }
    }

    private static void AssertBits(FloatTensor want, FloatTensor got, string what, bool signedZeros)
    {
        Assert.Equal(want.Shape.ToArray(), got.Shape.ToArray());
        var w = want.AsSpan();
        var g = got.AsSpan();
        for (var k = 0; k < w.Length; k++)
        {
            var same = BitConverter.SingleToInt32Bits(w[k]) == BitConverter.SingleToInt32Bits(g[k]) || (!signedZeros && w[k] == 0 && g[k] == 0);
            Assert.True(same, $"{what}[{k}] is {g[k]:R}, torch {w[k]:R}");
        }
    }

    private static JsonElement Case(string name) => Cases.Value.EnumerateArray().Single(o => o.GetProperty("name").GetString() == name);

    private static Variable Input(JsonElement c, string key) => new(Decode(c.GetProperty("inputs").GetProperty(key)), requiresGrad: true);

    private static FloatTensor Decode(JsonElement e)
    {
        long[] shape = [.. e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64())];
        var bytes = Convert.FromBase64String(e.GetProperty("b64").GetString()!);
        var t = new FloatTensor(shape);
        MemoryMarshal.Cast<byte, float>(bytes).CopyTo(t.AsSpan());
        return t;
    }

    private static IndexTensor DecodeIndex(JsonElement e)
    {
        long[] shape = [.. e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64())];
        long[] data = [.. e.GetProperty("ints").EnumerateArray().Select(v => v.GetInt64())];
        return new IndexTensor(data, shape);
    }
}
