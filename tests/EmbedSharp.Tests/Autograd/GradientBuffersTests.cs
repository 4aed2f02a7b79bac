using EmbedSharp.Autograd;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Autograd;

/// <summary>The engine's gradient storage pool (<see cref="GradientBuffers"/>): recycled storage never changes a gradient,
/// whatever the graph shares (the same tensor to both inputs, pass-through, views, retained graphs, a failed run), and a
/// warmed-up backward allocates only small objects.</summary>
public sealed class GradientBuffersTests
{
    private const int Rows = 64, Cols = 96; // 6,144 elements: above the pooling threshold

    private static Variable Random(Generator g, bool requiresGrad, params long[] shape) => TestVariables.Uniform(g, requiresGrad, shape);

    [Theory]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(5000)]
    [InlineData(6144)]
    [InlineData(1 << 20)]
    [InlineData((1 << 20) + 1)]
    [InlineData(4_096_000)]
    public void Bucket_covers_the_length_with_at_most_a_quarter_unused(int length)
    {
        var bucket = GradientBuffers.Bucket(length);
        Assert.InRange(bucket, length, length + (length / 4) + 1);
        Assert.Equal(bucket, GradientBuffers.Bucket(bucket)); // a bucket length is its own bucket
    }

    /// <summary>A graph that shares: x·x (one tensor twice), x + x (the gradient passed through to both inputs), a
    /// reshape (a view of the gradient), a broadcast add (summed down), and a subexpression used three times.</summary>
    private static Variable Loss(Variable x, Variable w, Variable bias)
    {
        var h = Ops.Mul(x, x) + Ops.Add(x, x);
        var r = Ops.Reshape(Ops.Tanh(h), Cols, Rows);
        var u = Ops.MatMul(Ops.Reshape(r, Rows, Cols), w) + bias; // (Rows, Cols) · (Cols, Cols) + (Cols)
        var v = u * u - Ops.Sigmoid(u) + Ops.Exp(Ops.Mul(u, 0.1f));
        return Ops.Sum(v);
    }

    [Fact]
    public void Repeated_runs_over_recycled_storage_give_the_first_run_bits()
    {
        var g = new Generator(5);
        var x = Random(g, true, Rows, Cols);
        var w = Random(g, true, Cols, Cols);
        var bias = Random(g, true, Cols);
        float[][] first = [];
        for (var run = 0; run < 4; run++)
        {
            x.ZeroGrad();
            w.ZeroGrad();
            bias.ZeroGrad();
            Loss(x, w, bias).Backward();
            float[][] now = [x.Grad!.ToArray(), w.Grad!.ToArray(), bias.Grad!.ToArray()];
            if (run == 0)
            {
                first = now;
                continue;
            }

            for (var i = 0; i < now.Length; i++)
            {
                Assert.Equal(first[i], now[i]);
            }
        }
    }

    [Fact]
    public void Pooled_gradients_match_an_unpooled_reference_computed_from_the_same_graph_on_small_tensors()
    {
        // The same function on tensors below the pooling threshold, tiled: the small run allocates plainly, the large
        // one recycles, and the elementwise parts of the gradient must agree where the tiling makes them comparable.
        var g = new Generator(9);
        var small = Random(g, true, 8, 8);
        var large = new Variable(Tile(small.Data, 64), requiresGrad: true); // (512, 8) = 4,096 elements: pooled
        for (var run = 0; run < 3; run++)
        {
            small.ZeroGrad();
            large.ZeroGrad();
            Ops.Sum(Ops.Tanh(Ops.Mul(small, small) + Ops.Add(small, small))).Backward();
            Ops.Sum(Ops.Tanh(Ops.Mul(large, large) + Ops.Add(large, large))).Backward();
            var expected = small.Grad!.ToArray();
            var got = large.Grad!.ToArray();
            for (var i = 0; i < got.Length; i++)
            {
                Assert.Equal(expected[i % expected.Length], got[i]);
            }
        }
    }

    private static FloatTensor Tile(FloatTensor t, int times)
    {
        var result = new FloatTensor(t.Shape[0] * times, t.Shape[1]);
        for (var i = 0; i < times; i++)
        {
            t.AsSpan().CopyTo(result.AsSpan()[(int)(i * t.Length)..]);
        }

        return result;
    }

    [Fact]
    public void A_retained_graph_run_twice_accumulates_twice_the_gradient()
    {
        var g = new Generator(11);
        var x = Random(g, true, Rows, Cols);
        var w = Random(g, true, Cols, Cols);
        var bias = Random(g, true, Cols);
        Loss(x, w, bias).Backward();
        var once = x.Grad!.ToArray();
        x.ZeroGrad();
        var loss = Loss(x, w, bias);
        loss.Backward(retainGraph: true);
        loss.Backward();
        var twice = x.Grad!.ToArray();
        for (var i = 0; i < once.Length; i++)
        {
            Assert.Equal(once[i] + once[i], twice[i]);
        }
    }

    [Fact]
    public void A_run_stopped_by_an_error_leaves_later_runs_exact()
    {
        var g = new Generator(13);
        var x = Random(g, true, Rows, Cols);
        var w = Random(g, true, Cols, Cols);
        var bias = Random(g, true, Cols);
        Loss(x, w, bias).Backward();
        var expected = x.Grad!.ToArray();

        // A parameter changed in place between forward and backward: the run throws part-way.
        var p = new Parameter(Random(g, false, Cols, Cols).Data);
        var broken = Ops.Sum(Ops.MatMul(Ops.Tanh(x), p));
        p.Data.BumpVersion();
        x.ZeroGrad();
        Assert.Throws<InvalidOperationException>(() => broken.Backward());

        x.ZeroGrad();
        Loss(x, w, bias).Backward();
        Assert.Equal(expected, x.Grad!.ToArray());
    }

    [Fact]
    public void A_warmed_up_backward_allocates_only_small_objects()
    {
        // Each gradient here is 24 KiB to 256 KiB; a backward without recycling allocates well over 1 MB.
        var g = new Generator(17);
        var x = Random(g, true, 256, Cols);
        var w1 = new Parameter(Random(g, false, 256, Cols).Data);
        var w2 = new Parameter(Random(g, false, Cols, 256).Data);
        Variable Forward() => Ops.Sum(Ops.Tanh(F.Linear(Ops.Relu(F.Linear(x, w1)), w2)) * x);
        for (var i = 0; i < 3; i++)
        {
            var warm = Forward();
            warm.Backward();
        }

        var loss = Forward();
        var before = GC.GetAllocatedBytesForCurrentThread();
        loss.Backward();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 * 1024, $"backward allocated {allocated} bytes");
    }
}
