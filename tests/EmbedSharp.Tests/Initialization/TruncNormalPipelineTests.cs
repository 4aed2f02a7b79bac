using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Initialization;

/// <summary>trunc_normal_ with a torch generator draws the next block while the current one is transformed; the result
/// must be the one of drawing everything first (the one-thread path) for every length around the block edges, both
/// erfinv builds, chunked storage, and leave the generator in the same state.</summary>
public sealed class TruncNormalPipelineTests
{
    public static TheoryData<int, PyTorchBuild> Cases()
    {
        var data = new TheoryData<int, PyTorchBuild>();
        foreach (var n in new[] { 1, 4095, 4097, 65535, 65536, 65537, 131072, 200003 })
        {
            data.Add(n, PyTorchBuild.Mkl);
        }

        data.Add(200003, PyTorchBuild.NoMkl);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Pipelined_equals_drawing_first(int n, PyTorchBuild build)
    {
        var (expected, expectedState) = Run(n, build, threads: 1, chunk: null);
        var (actual, actualState) = Run(n, build, threads: 2, chunk: null);
        Assert.Equal(expected, actual);
        Assert.Equal(expectedState, actualState);
    }

    [Fact]
    public void Pipelined_equals_drawing_first_on_chunked_storage()
    {
        var (expected, _) = Run(150_001, PyTorchBuild.Mkl, threads: 1, chunk: null);
        var (actual, _) = Run(150_001, PyTorchBuild.Mkl, threads: 2, chunk: 70_000);
        Assert.Equal(expected, actual);
    }

    private static (float[] Values, byte[] State) Run(int n, PyTorchBuild build, int threads, long? chunk)
    {
        var g = new Generator(20261207UL) { Build = build };
        var t = chunk is { } c ? new FloatTensor([n], c) : new FloatTensor(n);
        using (KernelThreads.Limit(threads))
        {
            Init.TruncNormal(t, g, 0.1, 0.7, -1.5, 2.0);
        }

        var values = new float[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = t[i];
        }

        return (values, g.GetState());
    }
}
