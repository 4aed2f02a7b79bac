using EmbedSharp.Autograd;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Positional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Tests.Autograd;

namespace EmbedSharp.Tests.Nn;

/// <summary><see cref="MultiheadAttention.Rotary"/>: queries and keys of every head are rotated by their position before
/// the scores. Checked against an independent double-precision attention written out here, by finite differences, and
/// by the property RoPE exists for (scores depend on positions only through their difference).</summary>
public sealed class RotaryAttentionTests
{
    [Theory]
    [InlineData(true, false, RotaryLayout.Interleaved)]
    [InlineData(true, true, RotaryLayout.HalfSplit)]
    [InlineData(false, true, RotaryLayout.Interleaved)]
    public void Output_equals_a_reference_attention_with_rotated_queries_and_keys(bool batchFirst, bool causal, RotaryLayout layout)
    {
        const int E = 16;
        const int H = 2;
        const int B = 2;
        const int L = 7;
        var mha = new MultiheadAttention(E, H, new Generator(5), batchFirst: batchFirst) { Rotary = new RotaryEmbedding(E / H, 10000, layout) };
        var x = Random(new Generator(9), batchFirst ? B : L, batchFirst ? L : B, E);
        var mask = causal ? MultiheadAttention.CausalMask(L) : null;
        var y = mha.Forward(new Variable(x), mask).Data;
        var expected = Reference(mha, x, batchFirst, causal, layout);
        var worst = 0.0;
        for (long i = 0; i < y.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(y[i] - expected[i]));
        }

        Assert.True(worst < 2e-6, $"largest difference to the double reference {worst:G3}");
    }

    [Theory]
    [InlineData(true, true, RotaryLayout.Interleaved, 2, 9, 4)]
    [InlineData(true, false, RotaryLayout.HalfSplit, 3, 6, 2)]
    [InlineData(false, true, RotaryLayout.Interleaved, 2, 70, 2)]
    public void The_fused_node_with_rotated_packed_columns_gives_the_composed_bits(bool batchFirst, bool causal, RotaryLayout layout, int batch, int length, int heads)
    {
        const int E = 16;
        (float[] Out, float[] GradX, float[] GradW) Run(bool fused)
        {
            var mha = new MultiheadAttention(E, heads, new Generator(3), batchFirst: batchFirst) { FusedSelfAttentionEnabled = fused, Rotary = new RotaryEmbedding(E / heads, 10000, layout) };
            var x = new Variable(Random(new Generator(7), batchFirst ? batch : length, batchFirst ? length : batch, E), requiresGrad: true);
            var y = mha.Forward(x, causal ? MultiheadAttention.CausalMask(length) : null);
            Ops.Sum(Ops.Mul(y, new Variable(Random(new Generator(8), y.Shape.ToArray())))).Backward();
            return (y.Data.AsSpan().ToArray(), x.Grad!.AsSpan().ToArray(), mha.InProjWeight.Grad!.AsSpan().ToArray());
        }

        var fusedRun = Run(fused: true);
        var composedRun = Run(fused: false);
        Assert.Equal(composedRun.Out, fusedRun.Out);
        Assert.Equal(composedRun.GradX.Select(v => v + 0f), fusedRun.GradX.Select(v => v + 0f)); // ±0 alike
        Assert.Equal(composedRun.GradW.Select(v => v + 0f), fusedRun.GradW.Select(v => v + 0f));
    }

    [Fact]
    public void Gradients_match_finite_differences()
    {
        const int E = 8;
        var mha = new MultiheadAttention(E, 2, new Generator(1)) { Rotary = new RotaryEmbedding(4) };
        var x = Random(new Generator(2), 2, 5, E);
        var weights = Random(new Generator(3), 2, 5, E);
        var input = new Variable(x, requiresGrad: true);
        var mask = MultiheadAttention.CausalMask(5);
        var loss = Ops.Sum(Ops.Mul(mha.Forward(input, mask), new Variable(weights)));
        loss.Backward();
        double F() => GradCheck.Dot(mha.Forward(new Variable(x), mask).Data, weights);
        GradCheck.Check(F, x, input.Grad!, 1e-2, 2e-3, "input");
        GradCheck.Check(F, mha.InProjWeight.Value, mha.InProjWeight.Grad!, 1e-2, 2e-3, "in_proj_weight");
    }

    [Fact]
    public void Scores_depend_on_positions_only_through_their_difference()
    {
        // Every token the same vector: without positions all outputs are equal. With RoPE and no mask, position m sees
        // scores that depend on m − n, so outputs differ by position, yet shifting a constant sequence's window keeps the
        // relative pattern: the first output of a length-6 sequence equals that of the same sequence read at any offset,
        // which we check through the rotation directly: <R(m)q, R(n)k> = <R(m+s)q, R(n+s)k>.
        var rope = new RotaryEmbedding(8);
        var g = new Generator(4);
        var q = Random(g, 1, 8);
        var k = Random(g, 1, 8);
        for (var (m, n, s) = (3, 1, 0); s < 20; s += 7)
        {
            var a = Dot(Rotate(rope, q, m), Rotate(rope, k, n));
            var b = Dot(Rotate(rope, q, m + s), Rotate(rope, k, n + s));
            Assert.Equal(a, b, 1e-5);
        }

        var mha = new MultiheadAttention(8, 1, new Generator(6)) { Rotary = new RotaryEmbedding(8) };
        var same = new FloatTensor(1, 6, 8);
        var row = Random(new Generator(8), 8).AsSpan();
        for (var t = 0; t < 6; t++)
        {
            row.CopyTo(same.AsSpan().Slice(t * 8, 8));
        }

        var withRope = mha.Forward(new Variable(same), MultiheadAttention.CausalMask(6)).Data;
        // Causal and identical tokens: every value row is equal, so any weighting gives the same output everywhere.
        for (var t = 1; t < 6; t++)
        {
            for (var j = 0; j < 8; j++)
            {
                Assert.Equal(withRope[j], withRope[(t * 8) + j], 1e-5);
            }
        }
    }

    [Fact]
    public void A_rotary_of_another_head_width_is_refused_and_null_restores_the_fused_path()
    {
        var mha = new MultiheadAttention(16, 4, new Generator(1));
        var e = Assert.Throws<ArgumentException>(() => mha.Rotary = new RotaryEmbedding(8));
        Assert.Contains("4 wide", e.Message, StringComparison.Ordinal);
        var x = Random(new Generator(2), 2, 5, 16);
        var plain = mha.Forward(new Variable(x)).Data.AsSpan().ToArray();
        mha.Rotary = new RotaryEmbedding(4);
        var rotated = mha.Forward(new Variable(x)).Data.AsSpan().ToArray();
        Assert.NotEqual(plain, rotated);
        mha.Rotary = null;
        Assert.Equal(plain, mha.Forward(new Variable(x)).Data.AsSpan().ToArray());
    }

    private static FloatTensor Random(Generator g, params long[] shape) => TestVariables.Uniform(g, false, shape).Data;

    private static double[] Rotate(RotaryEmbedding rope, FloatTensor v, int position)
    {
        var d = rope.HeadDim;
        var r = new double[d];
        var src = v.AsSpan();
        for (var i = 0; i < d / 2; i++)
        {
            var angle = position * rope.Theta[i];
            var (c, s) = (Math.Cos(angle), Math.Sin(angle));
            var (a, b) = rope.Layout == RotaryLayout.Interleaved ? (2 * i, (2 * i) + 1) : (i, i + (d / 2));
            r[a] = (src[a] * c) - (src[b] * s);
            r[b] = (src[a] * s) + (src[b] * c);
        }

        return r;
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();

    /// <summary>Attention written out in double: project, split heads, rotate q and k by position, softmax(q·k/√d) over
    /// the allowed keys, weighted sum of v, output projection.</summary>
    private static double[] Reference(MultiheadAttention mha, FloatTensor x, bool batchFirst, bool causal, RotaryLayout layout)
    {
        var e = mha.EmbedDim;
        var h = mha.NumHeads;
        var d = e / h;
        var (bsz, len) = batchFirst ? ((int)x.Shape[0], (int)x.Shape[1]) : ((int)x.Shape[1], (int)x.Shape[0]);
        var w = mha.InProjWeight.Value.AsSpan().ToArray();
        var bias = mha.InProjBias.Value.AsSpan().ToArray();
        var ow = mha.OutProj.Weight.Value.AsSpan().ToArray();
        var ob = mha.OutProj.Bias!.Value.AsSpan().ToArray();
        var xs = x.AsSpan().ToArray();
        double X(int b, int t, int j) => xs[batchFirst ? (((b * len) + t) * e) + j : (((t * bsz) + b) * e) + j];
        var output = new double[bsz * len * e];
        var theta = mha.Rotary!.Theta.ToArray();
        for (var b = 0; b < bsz; b++)
        {
            // projections (len, 3e)
            var p = new double[len, 3 * e];
            for (var t = 0; t < len; t++)
            {
                for (var o = 0; o < 3 * e; o++)
                {
                    var acc = (double)bias[o];
                    for (var j = 0; j < e; j++)
                    {
                        acc += w[(o * e) + j] * X(b, t, j);
                    }

                    p[t, o] = acc;
                }
            }

            var attended = new double[len, e];
            for (var head = 0; head < h; head++)
            {
                double[] Head(int t, int part)
                {
                    var v = new double[d];
                    for (var i = 0; i < d; i++)
                    {
                        v[i] = p[t, (part * e) + (head * d) + i];
                    }

                    if (part == 2)
                    {
                        return v;
                    }

                    var r = new double[d];
                    for (var i = 0; i < d / 2; i++)
                    {
                        var angle = t * theta[i];
                        var (c, s) = (Math.Cos(angle), Math.Sin(angle));
                        var (ia, ib) = layout == RotaryLayout.Interleaved ? (2 * i, (2 * i) + 1) : (i, i + (d / 2));
                        r[ia] = (v[ia] * c) - (v[ib] * s);
                        r[ib] = (v[ia] * s) + (v[ib] * c);
                    }

                    return r;
                }

                for (var t = 0; t < len; t++)
                {
                    var q = Head(t, 0);
                    var allowed = causal ? t + 1 : len;
                    var scores = new double[allowed];
                    for (var n = 0; n < allowed; n++)
                    {
                        scores[n] = Dot(q, Head(n, 1)) / Math.Sqrt(d);
                    }

                    var max = scores.Max();
                    var z = scores.Sum(s => Math.Exp(s - max));
                    for (var n = 0; n < allowed; n++)
                    {
                        var weight = Math.Exp(scores[n] - max) / z;
                        var v = Head(n, 2);
                        for (var i = 0; i < d; i++)
                        {
                            attended[t, (head * d) + i] += weight * v[i];
                        }
                    }
                }
            }

            for (var t = 0; t < len; t++)
            {
                for (var o = 0; o < e; o++)
                {
                    var acc = (double)ob[o];
                    for (var j = 0; j < e; j++)
                    {
                        acc += ow[(o * e) + j] * attended[t, j];
                    }

                    output[batchFirst ? (((b * len) + t) * e) + o : (((t * bsz) + b) * e) + o] = acc;
                }
            }
        }

        return output;
    }
}
