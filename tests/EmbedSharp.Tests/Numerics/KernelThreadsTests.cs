using EmbedSharp.Autograd;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Tests.Autograd;

namespace EmbedSharp.Tests.Numerics;

/// <summary><see cref="KernelThreads"/>: a per-thread limit that nests and restores, is refused when disposed elsewhere,
/// and changes no result bit.</summary>
public sealed class KernelThreadsTests
{
    [Fact]
    public void Scopes_nest_and_restore_the_previous_limit()
    {
        var all = Environment.ProcessorCount;
        Assert.Equal(all, KernelThreads.Current);
        using (KernelThreads.Limit(1))
        {
            Assert.Equal(1, KernelThreads.Current);
            using (KernelThreads.Limit(64))
            {
                Assert.Equal(all, KernelThreads.Current); // never above the core count
            }

            Assert.Equal(1, KernelThreads.Current);
            var other = 0;
            var thread = new Thread(() => other = KernelThreads.Current);
            thread.Start();
            thread.Join();
            Assert.Equal(all, other); // other threads keep theirs
        }

        Assert.Equal(all, KernelThreads.Current);
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelThreads.Limit(0));
    }

    [Fact]
    public void A_scope_disposed_on_another_thread_is_refused()
    {
        var scope = KernelThreads.Limit(1);
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                scope.Dispose();
            }
            catch (InvalidOperationException e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        Assert.IsType<InvalidOperationException>(error);
        scope.Dispose();
        Assert.Equal(Environment.ProcessorCount, KernelThreads.Current);
    }

    [Fact]
    public void A_matrix_product_gives_the_same_bits_under_a_limit_of_one()
    {
        var g = new Generator(5);
        var a = Random(g, 3, 150, 200);
        var b = Random(g, 3, 200, 170);
        var free = Ops.MatMul(new Variable(a), new Variable(b)).Data.AsSpan().ToArray();
        float[] limited;
        using (KernelThreads.Limit(1))
        {
            limited = Ops.MatMul(new Variable(a), new Variable(b)).Data.AsSpan().ToArray();
        }

        Assert.Equal(free, limited);
    }

    private static FloatTensor Random(Generator g, params long[] shape) => TestVariables.Uniform(g, false, shape).Data;
}
