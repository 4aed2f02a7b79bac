using System.Runtime.InteropServices;
using System.Text.Json;
using EmbedSharp.Autograd;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Parity;

/// <summary>
/// Replays tests/data/autograd/cases.json (tools/goldens/make_autograd.py, torch 1.13, netlib BLAS, one thread) for
/// the operations the autograd core has so far: forward values and the gradients of every input for the upstream
/// gradient g (torch: (out * g).sum().backward()). Elementwise results are IEEE operations, and a 2-D matmul on the
/// reference BLAS is the in-order float sum over k, so forward values and matmul gradients are compared bit for bit; a
/// gradient of a broadcast input is a sum whose order torch's reduction chooses, so it is compared within 1e-6
/// relative (exact where nothing was broadcast).
/// </summary>
public sealed class AutogradParityTests
{
    private static readonly Lazy<JsonElement> Ops = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "autograd", "cases.json"))).RootElement.GetProperty("ops"));

    [Theory]
    [InlineData("add_3x4_4")]
    [InlineData("sub_2x1x5_3x1")]
    [InlineData("mul_2x1x5_3x1")]
    [InlineData("div_3x4_4")]
    [InlineData("div_2x1x5_3x1")]
    [InlineData("mul_0d_tensor")]
    [InlineData("matmul_2d")]
    [InlineData("matmul_2d_16x40x12")]
    public void Elementwise_ops_and_matmul_match_torch(string name)
    {
        var c = Ops.Value.EnumerateArray().Single(o => o.GetProperty("name").GetString() == name);
        var inputs = c.GetProperty("inputs");
        var a = new Variable(Decode(inputs.GetProperty("a")), requiresGrad: true);
        var b = new Variable(Decode(inputs.GetProperty("b")), requiresGrad: true);
        var y = c.GetProperty("expr").GetString() switch
        {
            "a + b" => EmbedSharp.Autograd.Ops.Add(a, b),
            "a - b" => EmbedSharp.Autograd.Ops.Sub(a, b),
            "a * b" => EmbedSharp.Autograd.Ops.Mul(a, b),
            "a / b" => EmbedSharp.Autograd.Ops.Div(a, b),
            "a @ b" => EmbedSharp.Autograd.Ops.MatMul(a, b),
            var e => throw new InvalidOperationException($"expression {e} not replayed"),
        };

        var expected = Decode(c.GetProperty("outs")[0]);
        Assert.Equal(expected.Shape.ToArray(), y.Shape.ToArray());
        Assert.Equal(expected.ToArray(), y.Data.ToArray());
        y.Backward(Decode(c.GetProperty("g")[0]));
        foreach (var (key, variable) in new[] { ("a", a), ("b", b) })
        {
            var want = Decode(c.GetProperty("grads").GetProperty(key));
            var got = variable.Grad!;
            Assert.Equal(want.Shape.ToArray(), got.Shape.ToArray());
            var broadcast = want.Length != y.Data.Length && !name.StartsWith("matmul", StringComparison.Ordinal);
            var w = want.AsSpan();
            var g = got.AsSpan();
            for (var i = 0; i < w.Length; i++)
            {
                var tolerance = broadcast ? 1e-6 * Math.Max(1, Math.Abs(w[i])) : 0;
                Assert.True(Math.Abs(w[i] - g[i]) <= tolerance, $"{name}: grad {key}[{i}] is {g[i]:R}, torch {w[i]:R}");
            }
        }
    }

    private static FloatTensor Decode(JsonElement e)
    {
        long[] shape = [.. e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64())];
        var bytes = Convert.FromBase64String(e.GetProperty("b64").GetString()!);
        var t = new FloatTensor(shape);
        MemoryMarshal.Cast<byte, float>(bytes).CopyTo(t.AsSpan());
        return t;
    }
}
