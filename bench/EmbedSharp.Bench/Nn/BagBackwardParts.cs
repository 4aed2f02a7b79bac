using System.Globalization;
using EmbedSharp.Bench.Peers;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;

namespace EmbedSharp.Bench.Nn;

/// <summary>
/// `bag-backward-parts`: where the EmbeddingBag mean dense backward of the peer benchmark's bag case (100k × 128,
/// 4096 bags of 50 random rows) spends its time: the libstdc++-order sort of the 204,800 (index, position) pairs
/// alone, then the whole backward into a stale gradient (sort plus the pass that zeroes the table and adds the rows).
/// Prints medians in ms (the peer protocol).
/// </summary>
internal static class BagBackwardParts
{
    public static void Run(string[] args)
    {
        const int rows = 100_000, dim = 128, bags = 4096, per = 50;
        var indices = new long[bags * per];
        var rng = new Random(1234);
        for (var i = 0; i < indices.Length; i++)
        {
            indices[i] = rng.NextInt64(rows);
        }

        var offsets = Enumerable.Range(0, bags).Select(b => (long)b * per).ToArray();
        var sizes = Enumerable.Repeat(per, bags).ToArray();
        var gradOutput = new float[bags * dim];
        gradOutput.AsSpan().Fill(0.01f);
        var grad = new FloatTensor(rows, dim);
        var keys = new long[indices.Length];
        var order = new int[indices.Length];
        var sort = EmbeddingPeerTimings.Median(() =>
        {
            indices.CopyTo(keys, 0);
            for (var j = 0; j < order.Length; j++)
            {
                order[j] = j;
            }

            LibstdcxxSort.Sort(keys, order);
        });
        var whole = EmbeddingPeerTimings.Median(() =>
            EmbeddingFunctions.BagDenseBackward(indices, offsets, false, EmbeddingBagMode.Mean, default, null, false, sizes, default,
                gradOutput, grad, gradWeightIsStale: true));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sort {sort * 1e3:F3} ms, whole backward {whole * 1e3:F3} ms, rest {(whole - sort) * 1e3:F3} ms"));
    }
}
