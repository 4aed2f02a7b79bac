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

    /// <summary>Unary ops: neg and relu are exact; exp, log, sqrt, tanh and sigmoid come from TensorPrimitives, whose
    /// results may differ from torch's by an ulp, so values and gradients are compared within 2e-7 absolute plus
    /// 1e-6 relative (tanh's gradient 1 − y² cancels near |y| = 1, hence the absolute part).</summary>
    [Theory]
    [InlineData("neg", true)]
    [InlineData("relu", true)]
    [InlineData("relu_zeros", true)]
    [InlineData("exp", false)]
    [InlineData("log", false)]
    [InlineData("sqrt", false)]
    [InlineData("tanh", false)]
    [InlineData("sigmoid", false)]
    public void Unary_ops_match_torch(string name, bool exact)
    {
        var c = Ops.Value.EnumerateArray().Single(o => o.GetProperty("name").GetString() == name);
        var a = new Variable(Decode(c.GetProperty("inputs").GetProperty("a")), requiresGrad: true);
        var y = name switch
        {
            "neg" => EmbedSharp.Autograd.Ops.Neg(a),
            "relu" or "relu_zeros" => EmbedSharp.Autograd.Ops.Relu(a),
            "exp" => EmbedSharp.Autograd.Ops.Exp(a),
            "log" => EmbedSharp.Autograd.Ops.Log(a),
            "sqrt" => EmbedSharp.Autograd.Ops.Sqrt(a),
            "tanh" => EmbedSharp.Autograd.Ops.Tanh(a),
            _ => EmbedSharp.Autograd.Ops.Sigmoid(a),
        };
        Close(Decode(c.GetProperty("outs")[0]), y.Data, exact, $"{name} forward", signedZeros: true);
        y.Backward(Decode(c.GetProperty("g")[0]));
        Close(Decode(c.GetProperty("grads").GetProperty("a")), a.Grad!, exact, $"{name} gradient", signedZeros: false);
    }

    /// <summary>With <paramref name="signedZeros"/> false, +0 and −0 count as equal (torch's backward kernels leave −0
    /// in some zero gradients where ours give +0, or the reverse).</summary>
    private static void Close(FloatTensor want, FloatTensor got, bool exact, string what, bool signedZeros)
    {
        Assert.Equal(want.Shape.ToArray(), got.Shape.ToArray());
        var w = want.AsSpan();
        var g = got.AsSpan();
        for (var i = 0; i < w.Length; i++)
        {
            if (exact)
            {
                Assert.True(BitConverter.SingleToInt32Bits(w[i]) == BitConverter.SingleToInt32Bits(g[i]) || (!signedZeros && w[i] == 0 && g[i] == 0), $"{what}[{i}] is {g[i]:R}, torch {w[i]:R}");
            }
            else
            {
                Assert.True(Math.Abs(w[i] - g[i]) <= 2e-7 + (1e-6 * Math.Abs(w[i])), $"{what}[{i}] is {g[i]:R}, torch {w[i]:R}");
            }
        }
    }

    private static FloatTensor Decode(JsonElement e) => AutogradGolden.Floats(e);
}
