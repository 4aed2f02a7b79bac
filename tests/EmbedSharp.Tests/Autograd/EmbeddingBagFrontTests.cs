using EmbedSharp.Autograd;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Autograd;

/// <summary>Finite differences and misuse for <see cref="F.EmbeddingBag"/>.</summary>
public sealed class EmbeddingBagFrontTests
{
    private static readonly IndexTensor Indices = IndexTensor.Vector(1, 3, 3, 0, 4, 2, 2);
    private static readonly IndexTensor Offsets = IndexTensor.Vector(0, 3, 3);

    /// <summary>Central differences in float with h = 1e-2 on a loss linear in each input (sum mode: the output is
    /// bilinear in weight and per-sample weights, so the difference quotient has no truncation error; only rounding,
    /// about 1e-5 relative for values near 1): tolerance 2e-3 absolute.</summary>
    [Theory]
    [InlineData(EmbeddingBagMode.Sum, true)]
    [InlineData(EmbeddingBagMode.Sum, false)]
    [InlineData(EmbeddingBagMode.Mean, false)]
    [InlineData(EmbeddingBagMode.Max, false)]
    public void Gradients_match_central_differences(EmbeddingBagMode mode, bool weighted)
    {
        var w = new Variable(Fill(new FloatTensor(5, 3), 0.37f), requiresGrad: true);
        var p = weighted ? new Variable(Fill(new FloatTensor(7), 0.61f), requiresGrad: true) : null;
        var g = Fill(new FloatTensor(3, 3), 0.83f);
        float Loss()
        {
            using var _ = Grad.Disable();
            var y = F.EmbeddingBag(Indices, w, Offsets, mode: mode, perSampleWeights: p, paddingIdx: 2).Data.AsSpan();
            var s = 0.0;
            for (var i = 0; i < y.Length; i++)
            {
                s += (double)y[i] * g.AsSpan()[i];
            }

            return (float)s;
        }

        F.EmbeddingBag(Indices, w, Offsets, mode: mode, perSampleWeights: p, paddingIdx: 2).Backward(g);
        foreach (var v in p is null ? new[] { w } : [w, p])
        {
            var data = v.Data.AsSpan();
            var grad = v.Grad!.AsSpan();
            for (var i = 0; i < data.Length; i++)
            {
                var keep = data[i];
                const float h = 1e-2f;
                data[i] = keep + h;
                var up = Loss();
                data[i] = keep - h;
                var down = Loss();
                data[i] = keep;
                Assert.True(Math.Abs(((up - down) / (2 * h)) - grad[i]) <= 2e-3, $"{mode}: grad[{i}] is {grad[i]}, numeric {(up - down) / (2 * h)}");
            }
        }
    }

    [Fact]
    public void Misuse_names_the_op_and_the_shapes()
    {
        var w = new Variable(new FloatTensor(5, 3), requiresGrad: true);
        var psw = Assert.Throws<ArgumentException>(() => F.EmbeddingBag(Indices, w, Offsets, mode: EmbeddingBagMode.Sum, perSampleWeights: new Variable(new FloatTensor(6))));
        Assert.Contains("embedding_bag", psw.Message, StringComparison.Ordinal);
        Assert.Contains("(6,)", psw.Message, StringComparison.Ordinal);
        Assert.Contains("(7,)", psw.Message, StringComparison.Ordinal);
        var mean = Assert.Throws<ArgumentException>(() => F.EmbeddingBag(Indices, w, Offsets, perSampleWeights: new Variable(new FloatTensor(7))));
        Assert.Contains("Sum", mean.Message, StringComparison.Ordinal);
        var rank = Assert.Throws<ArgumentException>(() => F.EmbeddingBag(Indices, new Variable(new FloatTensor(5, 3, 1)), Offsets));
        Assert.Contains("(5, 3, 1)", rank.Message, StringComparison.Ordinal);
        var input = Assert.Throws<ArgumentException>(() => F.EmbeddingBag(new IndexTensor(new long[8], 2, 2, 2), w));
        Assert.Contains("(2, 2, 2)", input.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => F.EmbeddingBag(IndexTensor.Vector(5), w, IndexTensor.Vector(0)));
        Assert.Throws<NotSupportedException>(() => F.EmbeddingBag(Indices, w, Offsets, sparse: true));
        Assert.Throws<ArgumentException>(() => F.EmbeddingBag(Indices, w, Offsets, mode: EmbeddingBagMode.Max, scaleGradByFreq: true));
    }

    [Fact]
    public void Max_norm_bumps_the_version_and_a_later_change_to_the_table_is_refused_when_read()
    {
        var w = new Variable(Fill(new FloatTensor(5, 3), 3f), requiresGrad: true);
        var p = new Variable(Fill(new FloatTensor(7), 0.5f), requiresGrad: true);
        var y = F.EmbeddingBag(Indices, w, Offsets, maxNorm: 1.0, mode: EmbeddingBagMode.Sum, perSampleWeights: p);
        Assert.True(w.Data.Version > 0);
        w.Data.BumpVersion();
        Assert.Throws<InvalidOperationException>(() => y.Backward(new FloatTensor(3, 3)));
    }

    private static FloatTensor Fill(FloatTensor t, float scale)
    {
        var s = t.AsSpan();
        for (var i = 0; i < s.Length; i++)
        {
            s[i] = scale * MathF.Sin((i * 1.7f) + 0.3f);
        }

        return t;
    }
}
