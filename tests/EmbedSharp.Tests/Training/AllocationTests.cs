using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Training.Losses;
using EmbedSharp.Training.Optimizers;

namespace EmbedSharp.Tests.Training;

/// <summary>A warmed-up training step allocates nothing on the training thread (sizes are large enough that the
/// embedding kernels split their work over cores).</summary>
public sealed class AllocationTests
{
    private static IndexTensor RandomIndices(Generator g, long rows, params long[] shape)
    {
        var n = shape.Aggregate(1L, (a, b) => a * b);
        var data = new long[n];
        for (var i = 0; i < n; i++)
        {
            data[i] = (long)(g.Random() % (ulong)rows);
        }

        return new IndexTensor(data, shape);
    }

    private static long Allocated(Action step)
    {
        for (var i = 0; i < 5; i++)
        {
            step();
        }

        // The least of a few 3-step windows: an allocation in every step shows in every window, while a one-off by the
        // runtime (a method moving to its optimised tier, a shared pool refilling under parallel tests) does not.
        var least = long.MaxValue;
        for (var window = 0; window < 4 && least != 0; window++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 3; i++)
            {
                step();
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_embedding_mse_sgd_step_allocates_nothing_once_warmed_up(bool sparse)
    {
        var g = new Generator(11);
        var emb = new Embedding(5000, 64, g, new EmbeddingOptions { Sparse = sparse });
        var indices = RandomIndices(g, 5000, 32, 128);
        var idx = indices.AsSpan().ToArray();
        var output = new FloatTensor(32, 128, 64);
        var target = new FloatTensor(32, 128, 64);
        target.Fill(0.25f);
        var dOut = new FloatTensor(32, 128, 64);
        var loss = new FloatTensor(Array.Empty<long>());
        var mse = new MseLoss();
        var opt = new Sgd([emb.Weight], new SgdOptions { Lr = 0.1 });
        var bytes = Allocated(() =>
        {
            opt.ZeroGrad();
            emb.Forward(idx, output.AsSpan());
            mse.Forward(output, target, loss);
            mse.Backward(output, target, null, dOut);
            emb.Backward(idx, dOut.AsSpan());
            opt.Step();
        });
        Assert.True(bytes == 0, $"A warmed-up Embedding + MSE + SGD step (sparse: {sparse}) allocated {bytes} bytes in 3 steps.");
    }

    [Fact]
    public void An_embedding_bag_linear_cross_entropy_adam_step_allocates_nothing_once_warmed_up()
    {
        var g = new Generator(12);
        var bag = new EmbeddingBag(2000, 64, g, new EmbeddingBagOptions { Mode = EmbeddingBagMode.Mean });
        var linear = new Linear(64, 10, g);
        var input = RandomIndices(g, 2000, 512, 20);
        var targets = RandomIndices(g, 10, 512);
        var result = new EmbeddingBagResult();
        var logits = new FloatTensor(512, 10);
        var dLogits = new FloatTensor(512, 10);
        var dBag = new FloatTensor(512, 64);
        var loss = new FloatTensor(Array.Empty<long>());
        var ce = new CrossEntropyLoss();
        var opt = new Adam([bag.Weight, linear.Weight, linear.Bias!], new AdamOptions { Lr = 0.01 });
        var bytes = Allocated(() =>
        {
            opt.ZeroGrad();
            bag.Forward(input, null, null, result);
            linear.Forward(result.Output, logits);
            ce.Forward(logits, targets, loss);
            ce.Backward(logits, targets, null, dLogits);
            linear.Backward(result.Output, dLogits, dBag);
            bag.Backward(result, dBag);
            opt.Step();
        });
        Assert.True(bytes == 0, $"A warmed-up EmbeddingBag + Linear + CrossEntropy + Adam step allocated {bytes} bytes in 3 steps.");
    }
}
