using EmbedSharp.Nn.Positional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Nn.Positional;

public sealed class RotaryEmbeddingTests
{
    public static TheoryData<RotaryLayout> Layouts => new() { RotaryLayout.Interleaved, RotaryLayout.HalfSplit };

    private static FloatTensor Random(Generator g, params long[] shape) => EmbedSharp.Initialization.Init.Normal(new FloatTensor(shape), g);

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++)
        {
            s += (double)a[i] * b[i];
        }

        return s;
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Rotation_preserves_every_head_norm(RotaryLayout layout)
    {
        var rope = new RotaryEmbedding(64, layout: layout);
        var x = Random(new Generator(1), 2, 50, 64);
        var y = rope.Forward(x, 100);
        for (var r = 0; r < 100; r++)
        {
            var a = x.AsSpan().Slice(r * 64, 64);
            var b = y.AsSpan().Slice(r * 64, 64);
            Assert.Equal(Math.Sqrt(Dot(a, a)), Math.Sqrt(Dot(b, b)), 1e-5);
        }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Query_key_product_depends_only_on_the_position_difference(RotaryLayout layout)
    {
        var rope = new RotaryEmbedding(32, layout: layout);
        var g = new Generator(2);
        var q = Random(g, 1, 32);
        var k = Random(g, 1, 32);
        double At(long m, long n)
        {
            var rq = rope.Forward(q, m);
            var rk = rope.Forward(k, n);
            return Dot(rq.AsSpan(), rk.AsSpan());
        }

        foreach (var (m, n) in new (long, long)[] { (3, 0), (10, 7), (503, 500), (2050, 2047) })
        {
            Assert.Equal(At(3, 0), At(m, n), 1e-4);
        }

        Assert.NotEqual(At(3, 0), At(4, 0), 1e-3);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Backward_is_the_transpose_of_forward(RotaryLayout layout)
    {
        var rope = new RotaryEmbedding(16, layout: layout);
        var g = new Generator(3);
        var x = Random(g, 3, 7, 16);
        var dy = Random(g, 3, 7, 16);
        // ⟨R x, dy⟩ = ⟨x, Rᵀ dy⟩
        Assert.Equal(Dot(rope.Forward(x, 5).AsSpan(), dy.AsSpan()), Dot(x.AsSpan(), rope.Backward(dy, 5).AsSpan()), 1e-4);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Inverse_undoes_the_rotation_and_in_place_matches_out_of_place(RotaryLayout layout)
    {
        var rope = new RotaryEmbedding(8, layout: layout);
        var x = Random(new Generator(4), 2, 3, 5, 8);
        var y = rope.Forward(x, 11);
        var z = x.Clone();
        rope.Apply(z, 11);
        Assert.Equal(y.ToArray(), z.ToArray());
        rope.ApplyInverse(z, 11);
        var xs = x.ToArray();
        var zs = z.ToArray();
        for (var i = 0; i < xs.Length; i++)
        {
            Assert.Equal(xs[i], zs[i], 1e-6f);
        }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void An_offset_gives_the_tail_of_a_longer_sequence(RotaryLayout layout)
    {
        var rope = new RotaryEmbedding(4, layout: layout);
        var x = Random(new Generator(5), 6, 4);
        var full = rope.Forward(x, 0).ToArray();
        var tail = rope.Forward(FloatTensor.FromArray(x.ToArray()[8..], 4, 4), 2).ToArray();
        Assert.Equal(full[8..], tail);
    }

    [Fact]
    public void Layouts_are_the_same_rotation_on_permuted_pairs()
    {
        var inter = new RotaryEmbedding(6, layout: RotaryLayout.Interleaved);
        var half = new RotaryEmbedding(6, layout: RotaryLayout.HalfSplit);
        float[] xi = [1, 2, 3, 4, 5, 6]; // pairs (1,2) (3,4) (5,6)
        float[] xh = [1, 3, 5, 2, 4, 6];
        var yi = inter.Forward(FloatTensor.FromArray(xi, 1, 6), 9).ToArray();
        var yh = half.Forward(FloatTensor.FromArray(xh, 1, 6), 9).ToArray();
        Assert.Equal([yi[0], yi[2], yi[4], yi[1], yi[3], yi[5]], yh);
    }

    [Fact]
    public void Position_zero_is_the_identity_and_theta_follows_the_base()
    {
        var rope = new RotaryEmbedding(4, 100.0);
        Assert.Equal([1.0, 0.1], rope.Theta.ToArray());
        float[] x = [1, 2, 3, 4];
        Assert.Equal(x, rope.Forward(FloatTensor.FromArray(x, 1, 4)).ToArray());
        var y = rope.Forward(FloatTensor.FromArray(x, 1, 4), 1).ToArray();
        Assert.Equal((1 * (float)Math.Cos(1)) - (2 * (float)Math.Sin(1)), y[0]);
    }

    [Fact]
    public void Cache_grows_when_a_later_position_is_needed_then_applying_allocates_nothing()
    {
        var rope = new RotaryEmbedding(8);
        Assert.Equal(0, rope.CachedPositions);
        var x = new FloatTensor(1, 3, 8);
        rope.Apply(x, 10);
        Assert.True(rope.CachedPositions >= 13);
        var before = rope.CachedPositions;
        rope.Apply(x, before); // needs before+3 positions
        Assert.True(rope.CachedPositions >= 2 * before);
        var src = new float[2 * 3 * 8];
        var dst = new float[src.Length];
        rope.Apply(src, dst, 3, 4);
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        rope.Apply(src, dst, 3, 4);
        rope.Apply(src.AsSpan(), src.AsSpan(), 3, 4, inverse: true);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - bytes);
    }

    [Fact]
    public void Chunked_unbatched_input_gives_the_same_result()
    {
        var rope = new RotaryEmbedding(8, layout: RotaryLayout.HalfSplit);
        var x = Random(new Generator(6), 20, 8);
        var chunked = new FloatTensor([20, 8], 16);
        chunked.CopyFrom(x.AsSpan());
        Assert.False(chunked.IsSingleChunk);
        Assert.Equal(rope.Forward(x, 3).ToArray(), rope.Forward(chunked, 3).ToArray());
    }

    [Fact]
    public void Odd_head_dim_is_rejected_naming_it()
    {
        var ex = Assert.Throws<ArgumentException>(() => new RotaryEmbedding(7));
        Assert.Contains("7", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RotaryEmbedding(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RotaryEmbedding(8, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RotaryEmbedding(8, double.NaN));
    }

    [Fact]
    public void Mismatched_shapes_are_rejected_and_change_nothing()
    {
        var rope = new RotaryEmbedding(8);
        var x = FloatTensor.FromArray(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 2, 6);
        var ex = Assert.Throws<ArgumentException>(() => rope.Apply(x, 1));
        Assert.Contains("headDim 8", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(2, 6)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (float)i), x.ToArray());
        Assert.Throws<ArgumentException>(() => rope.Apply(new FloatTensor(8)));
        Assert.Throws<ArgumentException>(() => rope.Apply(new FloatTensor(2, 8), new FloatTensor(3, 8)));
        Assert.Throws<ArgumentOutOfRangeException>(() => rope.Apply(new FloatTensor(2, 8), -1));
        Assert.Throws<ArgumentException>(() => rope.Apply(new float[20], new float[20], 2, 0));
        Assert.Throws<ArgumentException>(() => RotaryKernel.Rotate(new float[8], new float[3], new float[4], new float[8], RotaryLayout.Interleaved));
    }
}
