using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Nn;

/// <summary>The embedding kernels on inputs large enough to be split over cores give the bits of plain serial loops.</summary>
public sealed class EmbeddingKernelParallelTests
{
    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var first = -1;
        var mismatches = 0;
        var maxDiff = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToUInt32Bits(expected[i]) != BitConverter.SingleToUInt32Bits(actual[i]))
            {
                mismatches++;
                first = first < 0 ? i : first;
                maxDiff = Math.Max(maxDiff, Math.Abs((double)expected[i] - actual[i]));
            }
        }

        Assert.True(mismatches == 0, $"{what}: {mismatches} values differ, max difference {maxDiff:r}, first at {first}: serial {(first < 0 ? 0 : expected[first]):r}, ours {(first < 0 ? 0 : actual[first]):r}");
    }

    [Theory]
    [InlineData(EmbeddingBagMode.Mean, 128, false)] // two 64-column register blocks
    [InlineData(EmbeddingBagMode.Mean, 200, true)] // three blocks and an 8-column tail, with a padding row
    [InlineData(EmbeddingBagMode.Sum, 37, true)] // tail only
    [InlineData(EmbeddingBagMode.Sum, 300, false)]
    public void Bag_forward_split_over_bags_matches_the_serial_sum_and_division(EmbeddingBagMode mode, int dim, bool padding)
    {
        const long Rows = 3000;
        const int Bags = 700;
        var weight = SparseEmbeddingGradientTests.RandomTensor(5, Rows, dim);
        weight.AsSpan()[7] = -0f; // 0 + (−0) = +0 in the serial sum: the register sum must start from +0 as well
        var lengths = SparseEmbeddingGradientTests.RandomRows(Bags, 30, 6); // 0..29 per bag: empty bags included
        var offsets = new long[Bags];
        for (var b = 1; b < Bags; b++)
        {
            offsets[b] = offsets[b - 1] + lengths[b - 1];
        }

        var n = (int)(offsets[^1] + lengths[^1]);
        var indices = SparseEmbeddingGradientTests.RandomRows(n, Rows, 7);
        long? pad = padding ? 11 : null;
        if (padding)
        {
            for (var j = 0; j < n; j += 5)
            {
                indices[j] = 11;
            }

            indices.AsSpan((int)offsets[3], (int)lengths[3]).Fill(11); // a bag of padding only: count 0, divided by 1
        }

        var destination = new float[Bags * dim];
        var sizes = new int[Bags];
        EmbeddingFunctions.BagForward(weight, indices, offsets, false, mode, default, pad, destination, default, sizes);

        var expected = new float[Bags * dim];
        var w = weight.AsSpan();
        for (var b = 0; b < Bags; b++)
        {
            var acc = expected.AsSpan(b * dim, dim);
            var count = 0;
            for (var j = (int)offsets[b]; j < offsets[b] + lengths[b]; j++)
            {
                if (indices[j] == pad)
                {
                    continue;
                }

                for (var d = 0; d < dim; d++)
                {
                    acc[d] += w[(int)(indices[j] * dim) + d];
                }

                count++;
            }

            Assert.Equal(count, sizes[b]);
            if (mode == EmbeddingBagMode.Mean)
            {
                for (var d = 0; d < dim; d++)
                {
                    acc[d] /= Math.Max(count, 1);
                }
            }
        }

        AssertSameBits(expected, destination, $"{mode} bags of dim {dim}");
    }

    [Theory]
    [InlineData(300)] // 16-float vectors and an overlapping last one
    [InlineData(13)]
    [InlineData(1)] // element by element
    [InlineData(7)]
    [InlineData(8)] // one 8-float vector
    [InlineData(12)] // 8-float vectors with the overlapping last one
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(128)]
    public void Lookup_split_over_indices_matches_a_serial_row_copy(int dim)
    {
        var weight = SparseEmbeddingGradientTests.RandomTensor(8, 5000, dim);
        var indices = SparseEmbeddingGradientTests.RandomRows(9000, 5000, 9);
        var destination = new float[indices.Length * dim];
        EmbeddingFunctions.Lookup(weight, indices, destination);
        var expected = new float[indices.Length * dim];
        for (var i = 0; i < indices.Length; i++)
        {
            weight.Row(indices[i]).CopyTo(expected.AsSpan(i * dim, dim));
        }

        AssertSameBits(expected, destination, $"lookup of dim {dim}");
    }

    [Fact]
    public void A_lookup_large_enough_for_streaming_stores_writes_the_same_rows()
    {
        const int dim = 128, n = 33_000; // 16.9 MB out, into an aligned tensor: the non-temporal path
        var weight = SparseEmbeddingGradientTests.RandomTensor(10, 3000, dim);
        var indices = SparseEmbeddingGradientTests.RandomRows(n, 3000, 11);
        var destination = new FloatTensor(n, dim);
        destination.Fill(float.NaN);
        EmbeddingFunctions.Lookup(weight, indices, destination.AsSpan());
        var expected = new float[n * dim];
        for (var i = 0; i < n; i++)
        {
            weight.Row(indices[i]).CopyTo(expected.AsSpan(i * dim, dim));
        }

        AssertSameBits(expected, destination.ToArray(), "streaming lookup");
    }
}
