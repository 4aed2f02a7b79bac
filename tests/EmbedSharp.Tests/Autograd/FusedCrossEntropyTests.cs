using EmbedSharp.Autograd;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Autograd;

/// <summary>
/// F.CrossEntropy is one fused node whose backward writes d logits directly. Its loss and gradient must have exactly the
/// bits of the composition it replaced: <c>Ops.LogSoftmax</c>, then nll_loss (and, with label smoothing, the smoothing
/// term, each scaled and added), with the gradient of the log-probabilities formed as those nodes formed it and passed
/// through log_softmax's backward. The composition is rebuilt here from <c>Ops.LogSoftmax</c> and an explicit upstream
/// gradient; log_softmax itself is checked against a scalar reference of ATen's order (max, exp in double rounded once,
/// the 8-lane sum, log, two subtractions; backward fma(exp y, −Σg, g)).
/// </summary>
public sealed class FusedCrossEntropyTests
{
    public static TheoryData<int[], long, double, Reduction> Cases()
    {
        var data = new TheoryData<int[], long, double, Reduction>();
        int[][] shapes = [[6, 1], [5, 3], [4, 8], [7, 13], [3, 4000], [17, 4000], [3, 5, 4], [2, 7, 2, 3], [2, 1, 3], [4, 9, 1]];
        foreach (var shape in shapes)
        {
            foreach (var reduction in new[] { Reduction.None, Reduction.Mean, Reduction.Sum })
            {
                foreach (var smoothing in new[] { 0, 0.1, 1.0 })
                {
                    data.Add(shape, -100, smoothing, reduction);
                }

                data.Add(shape, 0, 0.25, reduction);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Loss_and_gradient_have_the_bits_of_the_log_softmax_and_nll_composition(int[] dims, long ignore, double smoothing, Reduction reduction)
    {
        var rng = new Random((dims.Sum() * 31) + (int)reduction + (int)(smoothing * 100) + (int)ignore);
        long[] shape = [.. dims.Select(d => (long)d)];
        var logits = RandomLogits(rng, shape);
        var targets = RandomTargets(rng, shape, ignore);
        foreach (var upstreamKind in new[] { "random", "one", "zero", "negzero" })
        {
            foreach (var retain in new[] { false, true })
            {
                var x = new Variable(Copy(logits), requiresGrad: true);
                var loss = F.CrossEntropy(x, targets, ignore, smoothing, reduction);
                var (wantLoss, wantGrad) = Composition(logits, targets, ignore, smoothing, reduction, Upstream(rng, loss.Shape, upstreamKind), retain, out var upstream);
                AssertBits(wantLoss, loss.Data, $"loss {upstreamKind}");
                loss.Backward(upstream, retainGraph: retain);
                if (retain)
                {
                    loss.Backward(upstream); // a second run through the retained graph: the saved log-probabilities are intact
                }

                AssertBits(wantGrad, x.Grad!, $"grad {upstreamKind} retain={retain}");
            }
        }
    }

    [Fact]
    public void Logits_with_infinite_and_large_entries_keep_the_bits()
    {
        var rng = new Random(5);
        long[] shape = [4, 11];
        var logits = RandomLogits(rng, shape);
        var l = logits.AsSpan();
        l[3] = float.NegativeInfinity;
        l[12] = 80f;
        l[13] = -80f;
        l[30] = 1e4f;
        var targets = new IndexTensor([3, 1, 5, 10], 4);
        var x = new Variable(Copy(logits), requiresGrad: true);
        var loss = F.CrossEntropy(x, targets, labelSmoothing: 0.2);
        var (wantLoss, wantGrad) = Composition(logits, targets, -100, 0.2, Reduction.Mean, Upstream(rng, loss.Shape, "one"), false, out var upstream);
        AssertBits(wantLoss, loss.Data, "loss");
        loss.Backward(upstream);
        AssertBits(wantGrad, x.Grad!, "grad");
    }

    [Fact]
    public void The_node_is_named_as_torch_names_the_loss()
    {
        var rng = new Random(6);
        var x = new Variable(RandomLogits(rng, [3, 4]), requiresGrad: true);
        var t = new IndexTensor([0, 1, 2], 3);
        Assert.Equal("NllLossBackward0", F.CrossEntropy(x, t).GradFn!.Name);
        Assert.Equal("AddBackward0", F.CrossEntropy(x, t, labelSmoothing: 0.1).GradFn!.Name);
        var y = new Variable(RandomLogits(rng, [2, 3, 2]), requiresGrad: true);
        Assert.Equal("NllLoss2DBackward0", F.CrossEntropy(y, new IndexTensor([0, 1, 2, 0], 2, 2)).GradFn!.Name);
        using (Grad.Disable())
        {
            Assert.Null(F.CrossEntropy(x, t).GradFn);
        }
    }

    [Fact]
    public void A_second_backward_without_retaining_the_graph_is_refused()
    {
        var rng = new Random(7);
        var x = new Variable(RandomLogits(rng, [3, 4]), requiresGrad: true);
        var loss = F.CrossEntropy(x, new IndexTensor([0, 1, 2], 3));
        loss.Backward();
        Assert.Throws<InvalidOperationException>(() => loss.Backward());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(17)]
    [InlineData(255)]
    [InlineData(4000)]
    public void Log_softmax_and_softmax_rows_match_the_scalar_reference_bit_for_bit(int width)
    {
        var rng = new Random(width);
        long[] shape = [3, width];
        CheckRows(RandomLogits(rng, shape), RandomLogits(rng, shape));
    }

    /// <summary>Rows whose maximum is −0 or +0 (IEEE orders −0 below +0), or that hold NaN or ±∞, as the fast row
    /// maximum hands them to TensorPrimitives.Max.</summary>
    [Fact]
    public void Rows_with_signed_zero_maxima_nan_and_infinities_match_the_scalar_reference()
    {
        const int Width = 21;
        var rng = new Random(11);
        var logits = RandomLogits(rng, [6, Width]);
        var l = logits.AsSpan();
        for (var i = 0; i < Width; i++)
        {
            l[i] = -Math.Abs(l[i]) - 1f; // row 0: all negative but −0 and +0
            l[Width + i] = -Math.Abs(l[Width + i]) - 1f; // row 1: all negative but −0
        }

        l[3] = -0f;
        l[17] = 0f;
        l[Width + 18] = -0f;
        l[(2 * Width) + 19] = float.NaN; // row 2: a NaN in the tail
        l[(3 * Width) + 4] = float.NaN; // row 3: a NaN in a full vector
        l[(4 * Width) + 9] = float.PositiveInfinity;
        l[(5 * Width) + 2] = float.NegativeInfinity;
        CheckRows(logits, RandomLogits(rng, [6, Width]));
    }

    private static void CheckRows(FloatTensor logits, FloatTensor upstream)
    {
        var rows = (int)logits.Shape[0];
        var width = (int)logits.Shape[1];
        var x = new Variable(Copy(logits), requiresGrad: true);
        var y = Ops.LogSoftmax(x, -1);
        y.Backward(upstream);
        var p = Ops.Softmax(new Variable(Copy(logits)), -1);
        ReadOnlySpan<float> xs = logits.AsSpan(), g = upstream.AsSpan();
        for (var r = 0; r < rows; r++)
        {
            var row = xs.Slice(r * width, width);
            var max = float.NegativeInfinity;
            foreach (var v in row)
            {
                max = Math.Max(max, v);
            }

            var e = new float[width];
            for (var i = 0; i < width; i++)
            {
                e[i] = (float)Math.Exp(row[i] - max);
            }

            var sum = ScalarLaneSum(e);
            var logSum = (float)Math.Log(sum);
            var gs = ScalarLaneSum(g.Slice(r * width, width));
            for (var i = 0; i < width; i++)
            {
                var at = (r * width) + i;
                var want = (row[i] - max) - logSum;
                Assert.Equal(BitConverter.SingleToInt32Bits(want), BitConverter.SingleToInt32Bits(y.Data.AsSpan()[at]));
                var dx = MathF.FusedMultiplyAdd((float)Math.Exp(want), -gs, g[at]);
                Assert.Equal(BitConverter.SingleToInt32Bits(dx), BitConverter.SingleToInt32Bits(x.Grad!.AsSpan()[at]));
                Assert.Equal(BitConverter.SingleToInt32Bits(e[i] * (1f / sum)), BitConverter.SingleToInt32Bits(p.Data.AsSpan()[at]));
            }
        }
    }

    /// <summary>The loss and the logits' gradient as the unfused graph computed them.</summary>
    private static (FloatTensor Loss, FloatTensor Grad) Composition(FloatTensor logits, IndexTensor targets, long ignore, double smoothing, Reduction reduction, FloatTensor upstream, bool twice, out FloatTensor upstreamOut)
    {
        upstreamOut = upstream;
        var x = new Variable(Copy(logits), requiresGrad: true);
        var logp = Ops.LogSoftmax(x, 1);
        var lp = logp.Data.ToArray();
        var shape = logits.Shape;
        int n = (int)shape[0], c = (int)shape[1], inner = (int)(logits.Length / (shape[0] * shape[1]));
        var t = targets.AsSpan().ToArray();
        long count = 0;
        foreach (var v in t)
        {
            count += v == ignore ? 0 : 1;
        }

        float At(int linear) => lp[(int)(((((linear / inner) * c) + t[linear]) * inner) + (linear % inner))];

        // forward: nll (cascade sum for Mean/Sum), the smoothing term, (1 − ε)·nll + ε/C·smooth
        FloatTensor nll;
        if (reduction == Reduction.None)
        {
            nll = new FloatTensor(targets.Shape);
            for (var i = 0; i < t.Length; i++)
            {
                nll.AsSpan()[i] = t[i] == ignore ? 0f : -At(i);
            }
        }
        else
        {
            var iterations = n * inner;
            var ceil = 0;
            while ((1L << ceil) < iterations)
            {
                ceil++;
            }

            var power = Math.Max(4, ceil / 8);
            var mask = (1L << power) - 1;
            var sums = new float[8];
            for (var linear = 0; linear < iterations; linear++)
            {
                if (t[linear] == ignore)
                {
                    continue;
                }

                sums[0] -= At(linear);
                for (var j = 0; j + 1 < 8 && (linear & (mask << (j * power))) == 0; j++)
                {
                    sums[j + 1] += sums[j];
                    sums[j] = 0;
                }
            }

            var value = 0f;
            foreach (var part in sums)
            {
                value += part;
            }

            nll = new FloatTensor(ReadOnlySpan<long>.Empty);
            nll.AsSpan()[0] = reduction == Reduction.Mean ? value / count : value;
        }

        var keep = (float)(1 - smoothing);
        var spread = (float)(smoothing / c);
        var loss = nll;
        if (smoothing != 0)
        {
            var smooth = new float[t.Length];
            var column = new float[inner];
            for (var b = 0; b < n; b++)
            {
                var block = lp.AsSpan(b * c * inner, c * inner);
                if (inner == 1)
                {
                    column[0] = TorchSum.All(block);
                }
                else
                {
                    TorchSum.Columns(block, c, inner, column);
                }

                for (var i = 0; i < inner; i++)
                {
                    smooth[(b * inner) + i] = t[(b * inner) + i] == ignore ? 0f : -column[i];
                }
            }

            float[] term;
            if (reduction == Reduction.None)
            {
                term = smooth;
            }
            else
            {
                var total = TorchSum.All(smooth);
                term = [reduction == Reduction.Sum ? total : total / count];
            }

            loss = new FloatTensor(nll.Shape);
            for (var i = 0; i < term.Length; i++)
            {
                loss.AsSpan()[i] = (nll.AsSpan()[i] * keep) + (term[i] * spread);
            }
        }

        // backward: the gradient of the log-probabilities as nll's (and the smoothing term's) node formed it, the
        // smoothing term's arriving first and the two summed, then log_softmax's backward
        var gradLogp = new FloatTensor(shape);
        var d = gradLogp.AsSpan();
        var g = upstream.AsSpan();
        for (var linear = 0; linear < n * inner; linear++)
        {
            if (t[linear] == ignore)
            {
                continue;
            }

            var raw = reduction == Reduction.None ? g[linear] : g[0];
            int b = linear / inner, i = linear % inner;
            if (smoothing == 0)
            {
                var un = reduction == Reduction.Mean ? raw / count : raw;
                d[(int)((((b * c) + t[linear]) * inner) + i)] = -un;
                continue;
            }

            float gn = raw * keep, gs = raw * spread;
            var upN = reduction == Reduction.Mean ? gn / count : gn;
            var upS = reduction == Reduction.Mean ? gs / count : gs;
            for (var k = 0; k < c; k++)
            {
                d[(((b * c) + k) * inner) + i] = -upS + (k == t[linear] ? -upN : 0f);
            }
        }

        logp.Backward(gradLogp, retainGraph: twice);
        if (twice)
        {
            logp.Backward(gradLogp);
        }

        return (loss, x.Grad!);
    }

    private static float ScalarLaneSum(ReadOnlySpan<float> v)
    {
        if (v.Length < 8)
        {
            var s = v.Length == 0 ? 0f : v[0];
            for (var i = 1; i < v.Length; i++)
            {
                s += v[i];
            }

            return s;
        }

        var lane = new float[8];
        for (var i = 0; i < v.Length; i++)
        {
            lane[i % 8] = i < 8 ? v[i] : lane[i % 8] + v[i];
        }

        return ((lane[0] + lane[4]) + (lane[2] + lane[6])) + ((lane[1] + lane[5]) + (lane[3] + lane[7]));
    }

    private static FloatTensor Upstream(Random rng, ReadOnlySpan<long> shape, string kind)
    {
        var u = new FloatTensor(shape);
        var s = u.AsSpan();
        for (var i = 0; i < s.Length; i++)
        {
            s[i] = kind switch
            {
                "one" => 1f,
                "zero" => 0f,
                "negzero" => -0f,
                _ => (float)((rng.NextDouble() * 2) - 1),
            };
        }

        return u;
    }

    private static FloatTensor RandomLogits(Random rng, long[] shape)
    {
        var t = new FloatTensor(shape);
        var s = t.AsSpan();
        for (var i = 0; i < s.Length; i++)
        {
            s[i] = (float)((rng.NextDouble() * 12) - 6);
        }

        return t;
    }

    private static IndexTensor RandomTargets(Random rng, long[] shape, long ignore)
    {
        long[] tshape = [shape[0], .. shape[2..]];
        var count = tshape.Aggregate(1L, (a, b) => a * b);
        var values = new long[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = rng.Next(5) == 0 ? ignore : rng.Next((int)shape[1]);
        }

        return new IndexTensor(values, tshape);
    }

    private static FloatTensor Copy(FloatTensor t) => FloatTensor.FromArray(t.ToArray(), [.. t.Shape]);

    private static void AssertBits(FloatTensor want, FloatTensor got, string what)
    {
        Assert.Equal(want.Shape.ToArray(), got.Shape.ToArray());
        ReadOnlySpan<float> w = want.AsSpan(), g = got.AsSpan();
        for (var i = 0; i < w.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(w[i]) == BitConverter.SingleToInt32Bits(g[i]), $"{what}[{i}]: {g[i]:R}, composition {w[i]:R}");
        }
    }
}
