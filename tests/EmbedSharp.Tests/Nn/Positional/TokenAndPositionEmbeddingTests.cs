using EmbedSharp.Initialization;
using EmbedSharp.Nn.Positional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Nn.Positional;

public sealed class TokenAndPositionEmbeddingTests
{
    [Fact]
    public void State_dict_names_match_pytorch()
    {
        var learned = new TokenAndPositionEmbedding(10, 4, 8, PositionEncodingKind.Learned, new Generator(1));
        Assert.Equal(["position.weight", "token.weight"], learned.StateDict().Keys.Order(StringComparer.Ordinal));
        var fixedPe = new TokenAndPositionEmbedding(10, 4, 8, PositionEncodingKind.Sinusoidal, new Generator(1));
        Assert.Equal(["position.pe", "token.weight"], fixedPe.StateDict().Keys.Order(StringComparer.Ordinal));
        Assert.Single(fixedPe.Parameters());
    }

    [Fact]
    public void Token_table_is_drawn_before_the_position_table()
    {
        var m = new TokenAndPositionEmbedding(10, 4, 8, PositionEncodingKind.Learned, new Generator(5));
        var g = new Generator(5);
        Assert.Equal(Init.Normal(new FloatTensor(10, 4), g).ToArray(), m.TokenWeight.Value.ToArray());
        Assert.Equal(Init.Normal(new FloatTensor(8, 4), g).ToArray(), m.LearnedPosition!.Weight.Value.ToArray());
    }

    [Fact]
    public void Forward_scales_tokens_by_sqrt_d_then_adds_positions()
    {
        var m = new TokenAndPositionEmbedding(5, 4, 6, PositionEncodingKind.Sinusoidal, new Generator(2), scaleBySqrtDim: true);
        Assert.Equal(2f, m.Scale);
        var y = m.ForwardTensor(IndexTensor.Vector(3, 1), 2);
        for (var s = 0; s < 2; s++)
        {
            for (var j = 0; j < 4; j++)
            {
                var id = s == 0 ? 3 : 1;
                Assert.Equal((m.TokenWeight.Value[id, j] * 2f) + m.SinusoidalPosition!.Pe[2 + s, j], y[s, j]);
            }
        }
    }

    [Fact]
    public void Backward_reaches_token_rows_and_learned_positions()
    {
        var m = new TokenAndPositionEmbedding(4, 2, 5, PositionEncodingKind.Learned, new Generator(3), scaleBySqrtDim: true);
        var ids = new IndexTensor([1, 1, 2, 1], 2, 2);
        var y = m.ForwardTensor(ids, 1);
        Assert.Equal([2L, 2, 2], y.Shape.ToArray());
        var g = FloatTensor.FromArray([1, 1, 1, 1, 1, 1, 1, 1], 2, 2, 2);
        m.Backward(g, ids, 1);
        var s = (float)Math.Sqrt(2);
        Assert.Equal([0, 0, 3 * s, 3 * s, s, s, 0, 0], m.TokenWeight.Grad!.ToArray(), new ToleranceComparer(1e-6f));
        Assert.Equal([0, 0, 2, 2, 2, 2, 0, 0, 0, 0], m.LearnedPosition!.Weight.Grad!.ToArray());
    }

    [Fact]
    public void Bad_ids_and_positions_are_rejected_before_any_gradient_changes()
    {
        var m = new TokenAndPositionEmbedding(4, 2, 3, PositionEncodingKind.Learned, new Generator(3));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => m.ForwardTensor(IndexTensor.Vector(0, 4)));
        Assert.Contains("Index 4", ex.Message, StringComparison.Ordinal);
        Assert.Contains("4 rows", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.ForwardTensor(IndexTensor.Vector(0, 1), 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Backward(new FloatTensor(2, 2), IndexTensor.Vector(0, -1)));
        Assert.Throws<ArgumentException>(() => m.Backward(new FloatTensor(3, 2), IndexTensor.Vector(0, 1)));
        Assert.Null(m.TokenWeight.Grad);
        Assert.Null(m.LearnedPosition!.Weight.Grad);
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
