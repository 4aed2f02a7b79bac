using System.Text.Json;
using EmbedSharp.Autograd;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using Xunit.Abstractions;
using F = EmbedSharp.Nn.Functional.F;
using Reduction = EmbedSharp.Nn.Functional.Reduction;

namespace EmbedSharp.Tests.Parity;

/// <summary>
/// Replays tests/data/autograd/cases.json (tools/goldens/make_autograd.py: torch 1.13, netlib BLAS, one thread) for
/// softmax, log_softmax, layer_norm, the general matmul and bmm, attention, dropout and the losses: the forward values
/// and the gradient of every float input for the recorded upstream gradient g. Each theory states its tolerance and
/// why; the maximum differences observed are written to the test output.
/// </summary>
public sealed partial class AutogradOpsBParityTests(ITestOutputHelper output)
{
    private static readonly Lazy<JsonElement> Cases = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "autograd", "cases.json"))).RootElement.GetProperty("ops"));

    /// <summary>softmax / log_softmax: ATen's summation order and fused multiply-adds are reproduced, and most values
    /// are bit-equal, but the exponential is a correctly rounded one where torch's is SLEEF's (1-ulp) exp, so an
    /// occasional exp differs by an ulp and moves its row: compared within 2e-7 absolute + 1e-6 relative (the
    /// TensorPrimitives convention of the other parity tests; torch's own float32 error here is up to 4e-7).</summary>
    [Theory]
    [InlineData("softmax_dim0", 0, false)]
    [InlineData("softmax_dim1", 1, false)]
    [InlineData("softmax_dim-1", -1, false)]
    [InlineData("log_softmax_dim0", 0, true)]
    [InlineData("log_softmax_dim1", 1, true)]
    [InlineData("log_softmax_dim-1", -1, true)]
    [InlineData("softmax_large_logits", -1, false)]
    public void Softmax_and_log_softmax_match_torch(string name, int dim, bool log)
    {
        var c = Case(name);
        var a = Input(c, "a");
        var y = log ? Ops.LogSoftmax(a, dim) : Ops.Softmax(a, dim);
        Check(c, [y], [("a", a)], Tolerance.Of(2e-7, 1e-6), Tolerance.Of(2e-7, 1e-6));
    }

    /// <summary>layer_norm: ATen's Welford moments, its normalisation steps and the multiply-adds GCC fused in torch's
    /// build are replayed in float with a fixed order and no transcendental function, so forward values and all three
    /// gradients are compared bit for bit (±0 equal for gradients).</summary>
    [Theory]
    [InlineData("layer_norm_noaffine")]
    [InlineData("layer_norm_affine")]
    [InlineData("layer_norm_2d_affine")]
    [InlineData("layer_norm_offset")]
    public void Layer_norm_matches_torch(string name)
    {
        var c = Case(name);
        var x = Input(c, "x");
        var inputs = c.GetProperty("inputs");
        var w = inputs.TryGetProperty("w", out _) ? Input(c, "w") : null;
        var b = inputs.TryGetProperty("b", out _) ? Input(c, "b") : null;
        long[] normalized = name == "layer_norm_2d_affine" ? [3, 5] : [x.Shape[^1]];
        var source = name == "layer_norm_offset" ? Ops.Add(x, new Variable(FloatTensor.FromArray([100f]))) : x;
        var y = Ops.LayerNorm(source, normalized, w, b);
        var tolerance = Tolerance.Bits;
        List<(string, Variable)> all = [("x", x)];
        if (w is not null)
        {
            all.Add(("w", w));
            all.Add(("b", b!));
        }

        Check(c, [y], [.. all], tolerance, tolerance);
    }

    /// <summary>The matmul family: every product is the in-order float sum over k without fused multiply-add, which is
    /// what torch computes on the reference BLAS, and a broadcast batch operand's gradient is a sum of 2 or 3 per-batch
    /// gradients in batch order, as torch's reduction adds them: forward and gradients are compared bit for bit.</summary>
    [Theory]
    [InlineData("matmul_3d_bcast_batch")]
    [InlineData("matmul_3d")]
    [InlineData("matmul_4d_3d_bcast")]
    [InlineData("matmul_vec_mat")]
    [InlineData("matmul_mat_vec")]
    [InlineData("matmul_dot")]
    [InlineData("matmul_3d_vec")]
    [InlineData("matmul_vec_3d")]
    [InlineData("bmm")]
    [InlineData("bmm_larger")]
    public void Matmul_family_matches_torch_bit_for_bit(string name)
    {
        var c = Case(name);
        var a = Input(c, "a");
        var b = Input(c, "b");
        var y = name.StartsWith("bmm", StringComparison.Ordinal) ? Ops.Bmm(a, b) : Ops.MatMul(a, b);
        Check(c, [y], [("a", a), ("b", b)], Tolerance.Bits, Tolerance.Bits);
    }

    /// <summary>Attention, replayed as the goldens' explicit expression: the two matmuls are bit-exact, the division
    /// and the mask addition are IEEE operations, and only softmax's exp may differ from torch's by an ulp, so the
    /// comparison allows 2e-7 absolute + 1e-6 relative (torch's own float32 error here is up to 2.7e-7).</summary>
    [Theory]
    [InlineData("attention_causal")]
    [InlineData("attention_key_padding")]
    [InlineData("attention_causal_and_padding")]
    [InlineData("attention_nomask")]
    public void Attention_matches_torch(string name)
    {
        var c = Case(name);
        Variable q = Input(c, "q"), k = Input(c, "k"), v = Input(c, "v");
        var padding = AttentionMask.KeyPadding([false, false, false, false, false, false, false, false, true, true], 2);
        var y = name switch
        {
            "attention_causal" => Ops.ScaledDotProductAttention(q, k, v, isCausal: true),
            "attention_key_padding" => Ops.ScaledDotProductAttention(q, k, v, padding),
            "attention_causal_and_padding" => Ops.ScaledDotProductAttention(q, k, v, padding, isCausal: true),
            _ => Ops.ScaledDotProductAttention(q, k, v),
        };
        if (c.GetProperty("consts").TryGetProperty("mask", out var mask))
        {
            var want = Decode(mask);
            var built = name switch
            {
                "attention_causal" => AttentionMask.Causal(5),
                "attention_key_padding" => padding,
                _ => null,
            };
            if (built is not null)
            {
                Assert.Equal(want.ToArray(), built.ToArray()); // the helpers build the goldens' masks
            }
        }

        Check(c, [y], [("q", q), ("k", k), ("v", v)], Tolerance.Of(2e-7, 1e-6), Tolerance.Of(2e-7, 1e-6));
    }

    /// <summary>Dropout: the golden drew torch's mask right after torch.manual_seed(7); a Generator seeded 7 draws the
    /// same numbers, and x·mask is one IEEE product: compared bit for bit.</summary>
    [Fact]
    public void Dropout_matches_torch_bit_for_bit()
    {
        var c = Case("dropout_p0.5_seed7");
        var a = Input(c, "a");
        var y = F.Dropout(a, 0.5, training: true, new Generator(7));
        Check(c, [y], [("a", a)], Tolerance.Bits, Tolerance.Bits);
    }

    /// <summary>The losses. mse: squares, torch.sum's order and the gradient's roundings are replayed: bit for bit.
    /// cross_entropy and bce_with_logits go through exp/log (double-rounded here, SLEEF in torch), so they are compared
    /// within 2e-7 absolute + 1e-6 relative (the convention of the other transcendental ops; torch's own float32
    /// error on these cases is of the same order).</summary>
    [Theory]
    [InlineData("mse_mean")]
    [InlineData("mse_sum")]
    [InlineData("mse_none")]
    [InlineData("cross_entropy_mean")]
    [InlineData("cross_entropy_sum")]
    [InlineData("cross_entropy_none")]
    [InlineData("cross_entropy_ignore_mean")]
    [InlineData("cross_entropy_ignore_sum")]
    [InlineData("cross_entropy_ignore_none")]
    [InlineData("cross_entropy_ls0.1_mean")]
    [InlineData("cross_entropy_ls0.1_sum")]
    [InlineData("cross_entropy_ls0.1_none")]
    [InlineData("cross_entropy_ignore_index2")]
    [InlineData("cross_entropy_ls0.1_ignore2")]
    [InlineData("cross_entropy_NCd")]
    [InlineData("bce_logits_mean")]
    [InlineData("bce_logits_sum")]
    [InlineData("bce_logits_none")]
    [InlineData("bce_logits_posw_mean")]
    [InlineData("bce_logits_posw_sum")]
    [InlineData("bce_logits_posw_none")]
    public void Losses_match_torch(string name)
    {
        var c = Case(name);
        var expr = c.GetProperty("expr").GetString()!;
        var reduction = expr.Contains("'sum'", StringComparison.Ordinal) ? Reduction.Sum : expr.Contains("'none'", StringComparison.Ordinal) ? Reduction.None : Reduction.Mean;
        var x = Input(c, "x");
        if (name.StartsWith("mse", StringComparison.Ordinal))
        {
            var target = Input(c, "y");
            Check(c, [F.MseLoss(x, target, reduction)], [("x", x), ("y", target)], Tolerance.Bits, Tolerance.Bits);
            return;
        }

        if (name.StartsWith("bce", StringComparison.Ordinal))
        {
            var target = Input(c, "y");
            FloatTensor? pw = c.GetProperty("consts").TryGetProperty("pw", out var w) ? Decode(w) : null;
            Check(c, [F.BinaryCrossEntropyWithLogits(x, target, pw, reduction)], [("x", x)], Tolerance.Of(2e-7, 1e-6), Tolerance.Of(2e-7, 1e-6));
            return;
        }

        var t = DecodeIndex(c.GetProperty("consts").GetProperty("t"));
        var ignore = expr.Contains("ignore_index=2", StringComparison.Ordinal) ? 2 : -100;
        var smoothing = expr.Contains("label_smoothing=0.1", StringComparison.Ordinal) ? 0.1 : 0;
        Check(c, [F.CrossEntropy(x, t, ignore, smoothing, reduction)], [("x", x)], Tolerance.Of(2e-7, 1e-6), Tolerance.Of(2e-7, 1e-6));
    }

    private static JsonElement Case(string name) => Cases.Value.EnumerateArray().Single(o => o.GetProperty("name").GetString() == name);

    private static Variable Input(JsonElement c, string key) => new(Decode(c.GetProperty("inputs").GetProperty(key)), requiresGrad: true);

    /// <summary>Compares the outputs, runs backward with the recorded upstream gradients (summed over the outputs, as
    /// the generator's loss), and compares each named input's gradient. Writes the maximum differences.</summary>
    private void Check(JsonElement c, Variable[] outs, (string Key, Variable Input)[] inputs, Tolerance outTolerance, Tolerance gradTolerance)
    {
        var name = c.GetProperty("name").GetString()!;
        var maxOut = 0.0;
        var (equal, total) = (0, 0);
        Variable? loss = null;
        for (var i = 0; i < outs.Length; i++)
        {
            var want = Decode(c.GetProperty("outs")[i]);
            maxOut = Math.Max(maxOut, Compare(want, outs[i].Data, outTolerance, $"{name} out[{i}]", signedZeros: true));
            equal += CountEqual(want, outs[i].Data);
            total += (int)want.Length;
            var g = c.GetProperty("g")[i];
            if (g.ValueKind == JsonValueKind.Null || !outs[i].RequiresGrad)
            {
                continue;
            }

            var term = Ops.Sum(Ops.Mul(outs[i], new Variable(Decode(g))));
            loss = loss is null ? term : Ops.Add(loss, term);
        }

        var maxGrad = 0.0;
        if (outs.Length == 1 && outs[0].RequiresGrad)
        {
            outs[0].Backward(Decode(c.GetProperty("g")[0])); // the gradient enters as given, with no extra rounding
        }
        else
        {
            loss?.Backward();
        }

        foreach (var (key, input) in inputs)
        {
            var want = c.GetProperty("grads").GetProperty(key);
            if (want.ValueKind == JsonValueKind.Null)
            {
                Assert.Null(input.Grad);
                continue;
            }

            Assert.NotNull(input.Grad);
            maxGrad = Math.Max(maxGrad, Compare(Decode(want), input.Grad!, gradTolerance, $"{name} grad {key}", signedZeros: false));
            equal += CountEqual(Decode(want), input.Grad!);
            total += (int)input.Grad!.Length;
        }

        output.WriteLine($"{name}: max |out − torch| = {maxOut:G3}, max |grad − torch| = {maxGrad:G3}, {equal} of {total} values bit-equal");
    }

    private static int CountEqual(FloatTensor want, FloatTensor got)
    {
        var n = 0;
        for (var i = 0; i < want.Length; i++)
        {
            n += want.AsSpan()[i] == got.AsSpan()[i] || (float.IsNaN(want.AsSpan()[i]) && float.IsNaN(got.AsSpan()[i])) ? 1 : 0;
        }

        return n;
    }

    /// <summary>Returns the largest absolute difference (0 for bit-equal values); NaN must match NaN.</summary>
    private static double Compare(FloatTensor want, FloatTensor got, Tolerance tolerance, string what, bool signedZeros)
    {
        Assert.Equal(want.Shape.ToArray(), got.Shape.ToArray());
        var w = want.AsSpan();
        var g = got.AsSpan();
        var max = 0.0;
        for (var i = 0; i < w.Length; i++)
        {
            if (float.IsNaN(w[i]) || float.IsNaN(g[i]))
            {
                Assert.True(float.IsNaN(w[i]) && float.IsNaN(g[i]), $"{what}[{i}] is {g[i]:R}, torch {w[i]:R}");
                continue;
            }

            if (tolerance.Exact)
            {
                var same = BitConverter.SingleToInt32Bits(w[i]) == BitConverter.SingleToInt32Bits(g[i]) || (!signedZeros && w[i] == 0 && g[i] == 0);
                Assert.True(same, $"{what}[{i}] is {g[i]:R}, torch {w[i]:R} (bit-exact expected)");
                continue;
            }

            var d = w[i] == g[i] ? 0 : Math.Abs((double)w[i] - g[i]);
            max = Math.Max(max, d);
            Assert.True(d <= tolerance.Absolute + (tolerance.Relative * Math.Abs(w[i])), $"{what}[{i}] is {g[i]:R}, torch {w[i]:R}");
        }

        return max;
    }

    private static FloatTensor Decode(JsonElement e) => AutogradGolden.Floats(e);

    private static IndexTensor DecodeIndex(JsonElement e) => AutogradGolden.Indices(e);

    private readonly record struct Tolerance(bool Exact, double Absolute, double Relative)
    {
        public static Tolerance Bits => new(true, 0, 0);

        public static Tolerance Of(double absolute, double relative) => new(false, absolute, relative);
    }
}
