using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Randomness;

/// <summary>normal_ with a torch generator draws the next block of uniforms while the current one is transformed; the
/// values must be those of drawing everything first (the serial path) for every length around the block edges, with a
/// tail that is not a multiple of 16, on one thread or two, and leave the generator in the same state.</summary>
public sealed class NormalPipelineTests
{
    public static TheoryData<int> Lengths() =>
    [
        (2 * Distributions.PipelineBlock) - 16, // below the pipeline's threshold
        2 * Distributions.PipelineBlock,
        (2 * Distributions.PipelineBlock) + 5,
        (2 * Distributions.PipelineBlock) + 16,
        (3 * Distributions.PipelineBlock) - 1,
        90_000,
        200_003,
    ];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Pipelined_equals_drawing_first(int n)
    {
        var (expected, expectedState) = Run(n, pipelined: false, threads: 2);
        var (actual, actualState) = Run(n, pipelined: true, threads: 2);
        Assert.Equal(expected, actual);
        Assert.Equal(expectedState, actualState);
        var (oneThread, oneThreadState) = Run(n, pipelined: true, threads: 1); // both parts on the calling thread
        Assert.Equal(expected, oneThread);
        Assert.Equal(expectedState, oneThreadState);
    }

    [Fact]
    public void The_public_fill_gives_the_same_values_on_one_thread_and_on_all()
    {
        float[] Fill(int threads)
        {
            var t = new FloatTensor(300, 300);
            using (KernelThreads.Limit(threads))
            {
                new Generator(7UL).Normal(t, 0.5, 0.02);
            }

            return t.ToArray();
        }

        Assert.Equal(Fill(1), Fill(Environment.ProcessorCount));
    }

    private static (float[] Values, byte[] State) Run(int n, bool pipelined, int threads)
    {
        var g = new Generator(20261208UL);
        Distributions.Uniform(g, new float[3], 0.0, 1.0); // start mid-stream
        var values = new float[n];
        using (KernelThreads.Limit(threads))
        {
            Distributions.Normal(g, values, -0.25, 1.5, pipelined);
        }

        return (values, g.GetState());
    }
}
