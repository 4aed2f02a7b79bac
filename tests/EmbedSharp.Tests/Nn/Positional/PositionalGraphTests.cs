using EmbedSharp.Autograd;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Positional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Nn.Positional;

/// <summary>
/// The Variable forwards of the positional layers and of Dropout against their explicit Forward/Backward on random
/// inputs: both run the same kernels in the same order, so outputs and gradients are compared bit for bit (gradients
/// with +0 and −0 equal). The rotary node also gets a central-difference check.
/// </summary>
public sealed class PositionalGraphTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Learned_positions_through_the_graph_equal_the_explicit_path(long offset)
    {
        var m = new LearnedPositionalEmbedding(9, 4, new Generator(7UL));
        var x = Random(11UL, 2, 5, 4);
        var g = Random(12UL, 2, 5, 4);
        var xv = new Variable(x.Clone(), requiresGrad: true);
        var y = m.Forward(xv, offset);
        Same(m.Forward(x, offset), y.Data, "forward");
        y.Backward(g);
        var graphGrad = m.Weight.Grad!.Clone();
        m.Weight.ZeroGrad();
        var dx = m.Backward(g, offset);
        Same(m.Weight.Grad!, graphGrad, "dW");
        Same(dx, xv.Grad!, "dx");
    }

    [Fact]
    public void Sinusoidal_positions_through_the_graph_equal_the_explicit_path()
    {
        var m = new SinusoidalPositionalEncoding(12, 6);
        var x = Random(21UL, 3, 4, 6);
        var g = Random(22UL, 3, 4, 6);
        var xv = new Variable(x.Clone(), requiresGrad: true);
        var y = m.Forward(xv, 5);
        Same(m.Forward(x, 5), y.Data, "forward");
        y.Backward(g);
        Same(m.Backward(g), xv.Grad!, "dx");
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Forward(xv, 9));
        Assert.Throws<ArgumentException>(() => m.Forward(new Variable(new FloatTensor(4, 5)), 0));
    }

    [Theory]
    [InlineData(RotaryLayout.Interleaved)]
    [InlineData(RotaryLayout.HalfSplit)]
    public void Rotary_through_the_graph_equals_the_explicit_path(RotaryLayout layout)
    {
        var rope = new RotaryEmbedding(8, layout: layout);
        var x = Random(31UL, 2, 3, 5, 8);
        var g = Random(32UL, 2, 3, 5, 8);
        var xv = new Variable(x.Clone(), requiresGrad: true);
        var y = rope.Forward(xv, 4);
        Same(rope.Forward(x, 4), y.Data, "forward");
        y.Backward(g);
        Same(rope.Backward(g, 4), xv.Grad!, "dx");
        Assert.Throws<ArgumentException>(() => rope.Forward(new Variable(new FloatTensor(2, 6)), 0));
    }

    /// <summary>Central differences, h = 1e-2: the rotation is linear in x, so the quotient has only rounding error
    /// (inputs and g of order 1, about 1e-5); tolerance 2e-3 absolute.</summary>
    [Fact]
    public void Rotary_gradient_matches_central_differences()
    {
        var rope = new RotaryEmbedding(4);
        var x = new Variable(Random(41UL, 3, 4), requiresGrad: true);
        var g = Random(42UL, 3, 4);
        rope.Forward(x, 2).Backward(g);
        var data = x.Data.AsSpan();
        for (var i = 0; i < data.Length; i++)
        {
            var keep = data[i];
            data[i] = keep + 1e-2f;
            var up = Dot(rope.Forward(x.Detach(), 2).Data, g);
            data[i] = keep - 1e-2f;
            var down = Dot(rope.Forward(x.Detach(), 2).Data, g);
            data[i] = keep;
            Assert.True(Math.Abs(((up - down) / 2e-2) - x.Grad!.AsSpan()[i]) <= 2e-3, $"dx[{i}]");
        }
    }

    [Theory]
    [InlineData(PositionEncodingKind.Learned, true)]
    [InlineData(PositionEncodingKind.Learned, false)]
    [InlineData(PositionEncodingKind.Sinusoidal, true)]
    public void Token_and_position_through_the_graph_equals_the_explicit_path(PositionEncodingKind kind, bool scale)
    {
        var m = new TokenAndPositionEmbedding(10, 4, 8, kind, new Generator(51UL), scaleBySqrtDim: scale);
        var ids = new IndexTensor([1, 4, 4, 9, 0, 2], 2, 3);
        var g = Random(52UL, 2, 3, 4);
        var y = m.Forward(ids, 2);
        Same(m.ForwardTensor(ids, 2), y.Data, "forward");
        y.Backward(g);
        var tokenGrad = m.TokenWeight.Grad!.Clone();
        var posGrad = m.LearnedPosition?.Weight.Grad!.Clone();
        m.ZeroGrad();
        m.Backward(g, ids, 2);
        Same(m.TokenWeight.Grad!, tokenGrad, "dE");
        if (posGrad is not null)
        {
            Same(m.LearnedPosition!.Weight.Grad!, posGrad, "dP");
        }
    }

    [Fact]
    public void Dropout_through_the_graph_equals_the_explicit_path_and_is_the_identity_in_eval()
    {
        var x = Random(61UL, 4, 7);
        var g = Random(62UL, 4, 7);
        var graph = new Dropout(new Generator(5UL), 0.3);
        var explicitLayer = new Dropout(new Generator(5UL), 0.3);
        var xv = new Variable(x.Clone(), requiresGrad: true);
        ILayer layer = graph;
        var y = layer.Forward(xv);
        var (output, mask) = explicitLayer.Forward(x);
        Same(output, y.Data, "forward");
        y.Backward(g);
        Same(Dropout.Backward(g, mask), xv.Grad!, "dx");
        graph.Eval();
        Assert.Same(xv, graph.Forward(xv));
    }

    private static double Dot(FloatTensor a, FloatTensor b)
    {
        var s = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            s += (double)a.AsSpan()[i] * b.AsSpan()[i];
        }

        return s;
    }

    private static FloatTensor Random(ulong seed, params long[] shape)
    {
        var t = new FloatTensor(shape);
        var r = new Generator(seed);
        var s = t.AsSpan();
        for (var i = 0; i < s.Length; i++)
        {
            s[i] = (float)((r.NextDouble() * 2) - 1);
        }

        return t;
    }

    private static void Same(FloatTensor want, FloatTensor got, string what)
    {
        Assert.Equal(want.Shape.ToArray(), got.Shape.ToArray());
        var w = want.AsSpan();
        var g = got.AsSpan();
        for (var i = 0; i < w.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(w[i]) == BitConverter.SingleToInt32Bits(g[i]) || (w[i] == 0 && g[i] == 0), $"{what}[{i}]: {g[i]:R} vs {w[i]:R}");
        }
    }
}
