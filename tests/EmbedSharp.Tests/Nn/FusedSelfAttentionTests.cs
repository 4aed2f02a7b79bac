using EmbedSharp.Autograd;
using EmbedSharp.Nn;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Nn;

/// <summary>The fused self-attention node gives the composed ops' bits: output, input gradient and every parameter's
/// gradient, in both layouts, with and without masks (a gradient may be −0 where the composed form adds +0 parts).</summary>
public sealed class FusedSelfAttentionTests
{
    public static TheoryData<bool, string, int, int, int> Cases() => new()
    {
        { true, "none", 3, 7, 2 },
        { true, "causal", 2, 9, 4 },
        { true, "padding", 3, 6, 2 },
        { true, "both", 2, 5, 1 },
        { false, "none", 2, 8, 4 },
        { false, "causal", 3, 5, 2 },
        { false, "both", 2, 6, 2 },
        { true, "causal", 2, 70, 4 }, // rows longer than the GEMM's small-size path
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fused_and_composed_attention_agree_bit_for_bit(bool batchFirst, string masks, int batch, int length, int heads)
    {
        const int E = 16;
        var (fusedOut, fusedGrads) = Run(fused: true, batchFirst, masks, batch, length, heads, E);
        var (composedOut, composedGrads) = Run(fused: false, batchFirst, masks, batch, length, heads, E);
        Assert.Equal(composedOut, fusedOut);
        Assert.Equal(composedGrads.Length, fusedGrads.Length);
        for (var i = 0; i < composedGrads.Length; i++)
        {
            for (var j = 0; j < composedGrads[i].Length; j++)
            {
                // ±0 count as equal for gradients (x + 0 = +0 for x = −0 in the composed form's sum of parts)
                if (composedGrads[i][j] != fusedGrads[i][j] || float.IsNaN(composedGrads[i][j]) != float.IsNaN(fusedGrads[i][j]))
                {
                    Assert.Fail($"gradient {i}, element {j}: composed {composedGrads[i][j]:R}, fused {fusedGrads[i][j]:R}");
                }
            }
        }
    }

    private static (float[] Output, float[][] Grads) Run(bool fused, bool batchFirst, string masks, int batch, int length, int heads, int e)
    {
        var mha = new MultiheadAttention(e, heads, new Generator(3), batchFirst: batchFirst) { FusedSelfAttentionEnabled = fused };
        var g = new Generator(7);
        var x = new FloatTensor(batchFirst ? batch : length, batchFirst ? length : batch, e);
        var s = x.AsSpan();
        for (var i = 0; i < s.Length; i++)
        {
            s[i] = (float)((g.NextDouble() * 4) - 2);
        }

        var input = new Variable(x, requiresGrad: true);
        var causal = masks is "causal" or "both" ? MultiheadAttention.CausalMask(length) : null;
        IndexTensor? padding = null;
        if (masks is "padding" or "both")
        {
            var pad = new long[batch * length];
            for (var b = 0; b < batch; b++)
            {
                pad[(b * length) + length - 1 - (b % 2)] = 1; // mask one key per sequence (never a whole row)
            }

            padding = new IndexTensor(pad, batch, length);
        }

        var output = mha.Forward(input, causal, padding);
        var upstream = new FloatTensor(output.Shape);
        var u = upstream.AsSpan();
        for (var i = 0; i < u.Length; i++)
        {
            u[i] = (float)((g.NextDouble() * 2) - 1);
        }

        output.Backward(upstream);
        float[][] grads = [input.Grad!.ToArray(), .. mha.Parameters().Select(p => p.Grad!.ToArray())];
        return (output.Data.ToArray(), grads);
    }

    [Fact]
    public void Saved_buffers_come_back_and_later_steps_keep_their_bits()
    {
        // Three steps on one module: the second and third reuse the pooled buffers of the first.
        var mha = new MultiheadAttention(32, 4, new Generator(1));
        var x = new FloatTensor(4, 40, 32);
        var s = x.AsSpan();
        for (var i = 0; i < s.Length; i++)
        {
            s[i] = MathF.Sin(i * 0.37f);
        }

        float[]? first = null;
        for (var step = 0; step < 3; step++)
        {
            mha.ZeroGrad();
            var input = new Variable(x, requiresGrad: true);
            Ops.Sum(Ops.Tanh(mha.Forward(input, MultiheadAttention.CausalMask(40)))).Backward();
            var grad = input.Grad!.ToArray();
            first ??= grad;
            Assert.Equal(first, grad);
        }
    }
}
