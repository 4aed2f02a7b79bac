using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Nn;

/// <summary>
/// The EmbeddingBag sparse backward writes its per-entry values on all cores into uncleared storage. Checked against
/// the plain loop (one entry per non-padding index of each bag, in input order: Mean g·(1/size), Sum with weights g·w,
/// else g), with padding, per-sample weights, empty bags and include_last_offset.
/// </summary>
public sealed class BagSparseValuesTests
{
    [Theory]
    [InlineData(EmbeddingBagMode.Mean, false, false)]
    [InlineData(EmbeddingBagMode.Sum, true, false)]
    [InlineData(EmbeddingBagMode.Sum, false, true)]
    [InlineData(EmbeddingBagMode.Mean, false, true)]
    [InlineData(EmbeddingBagMode.Sum, true, true)]
    public void Values_match_the_plain_loop(EmbeddingBagMode mode, bool weighted, bool includeLast)
    {
        const int rows = 500, dim = 16, n = 30_000; // 480K floats of values: split over the cores
        const long pad = 7;
        var rng = new Random(3);
        var indices = new long[n];
        for (var i = 0; i < n; i++)
        {
            indices[i] = i % 11 == 0 ? pad : rng.Next(rows);
        }

        var offsets = new List<long> { 0, 0 }; // an empty bag first
        while (offsets[^1] < n - 100)
        {
            offsets.Add(offsets[^1] + rng.Next(1, 20));
        }

        if (includeLast)
        {
            offsets.Add(n); // the end of the last bag
        }

        var bags = includeLast ? offsets.Count - 1 : offsets.Count;
        var sizes = new int[bags];
        var weights = weighted ? Enumerable.Range(0, n).Select(i => (float)((i % 13) - 6) / 7f).ToArray() : [];
        var g = Enumerable.Range(0, bags * dim).Select(i => (float)Math.Sin(i)).ToArray();
        var expectedRows = new List<long>();
        var expectedValues = new List<float>();
        for (var b = 0; b < bags; b++)
        {
            var start = (int)offsets[b];
            var end = b + 1 < offsets.Count ? (int)offsets[b + 1] : n;
            sizes[b] = Enumerable.Range(start, end - start).Count(j => indices[j] != pad);
            for (var j = start; j < end; j++)
            {
                if (indices[j] == pad)
                {
                    continue;
                }

                expectedRows.Add(indices[j]);
                for (var d = 0; d < dim; d++)
                {
                    var x = g[(b * dim) + d];
                    expectedValues.Add(mode == EmbeddingBagMode.Mean ? x * (1f / sizes[b]) : weighted ? x * weights[j] : x);
                }
            }
        }

        var grad = new SparseGradient(rows, dim);
        grad.Append(3).Fill(9f); // an entry already there stays first
        EmbeddingFunctions.BagSparseBackward(indices, [.. offsets], includeLast, mode, weights, pad, false, sizes, g, grad);
        Assert.Equal(expectedRows.Count + 1, grad.Count);
        Assert.Equal(3, grad.Index(0));
        Assert.All(grad.Value(0).ToArray(), v => Assert.Equal(9f, v));
        for (var k = 0; k < expectedRows.Count; k++)
        {
            Assert.Equal(expectedRows[k], grad.Index(k + 1));
            var actual = grad.Value(k + 1);
            for (var d = 0; d < dim; d++)
            {
                Assert.Equal(BitConverter.SingleToUInt32Bits(expectedValues[(k * dim) + d]), BitConverter.SingleToUInt32Bits(actual[d]));
            }
        }
    }
}
