using System.Globalization;
using System.Runtime.InteropServices;
using EmbedSharp.Bench.Peers;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Bench.Nn;

/// <summary>
/// `bag-alignment [ROUNDS]`: the EmbeddingBag mean forward of the peer benchmark's bag case (100k × 128, 4096 bags of
/// 50 random rows) on the same values stored twice: once as a <see cref="FloatTensor"/> allocates it (data on a 64-byte
/// boundary) and once 16 bytes past a boundary (as a managed array's data may start), so each 512-byte row spans 9
/// cache lines instead of 8. The two alternate ROUNDS times (default 5) in one process; prints each round's medians and
/// the median of the rounds, in ms.
/// </summary>
internal static class BagAlignmentTimings
{
    public static unsafe void Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        const int rows = 100_000, dim = 128, bags = 4096, per = 50;
        var aligned = new FloatTensor(rows, dim);
        new Generator(0).Uniform(aligned, -1, 1);

        var bytes = (nuint)((long)rows * dim * sizeof(float));
        var block = (byte*)NativeMemory.AlignedAlloc(bytes + 64, 64);
        try
        {
            var shifted = FloatTensor.FromPointer((nint)(block + 16), null, rows, dim);
            aligned.CopyTo(shifted.AsSpan());

            var indices = new long[bags * per];
            var g = new Generator(1);
            for (var i = 0; i < indices.Length; i++)
            {
                indices[i] = (long)(g.Random() % rows);
            }

            var offsets = Enumerable.Range(0, bags).Select(b => (long)b * per).ToArray();
            var output = new float[bags * dim];
            var sizes = new int[bags];
            void Forward(FloatTensor table) =>
                EmbeddingFunctions.BagForward(table, indices, offsets, false, EmbeddingBagMode.Mean, default, null, output, default, sizes);

            var a = new List<double>();
            var s = new List<double>();
            for (var r = 0; r < rounds; r++)
            {
                a.Add(EmbeddingPeerTimings.Median(() => Forward(aligned)) * 1e3);
                s.Add(EmbeddingPeerTimings.Median(() => Forward(shifted)) * 1e3);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {r + 1}: aligned {a[^1]:F3} ms, 16 bytes off {s[^1]:F3} ms"));
            }

            a.Sort();
            s.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"median of {rounds} rounds: aligned {a[rounds / 2]:F3} ms, 16 bytes off {s[rounds / 2]:F3} ms ({s[rounds / 2] / a[rounds / 2]:F2}x)"));
        }
        finally
        {
            NativeMemory.AlignedFree(block);
        }
    }
}
