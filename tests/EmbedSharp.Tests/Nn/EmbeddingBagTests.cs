using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Nn;

public sealed class EmbeddingBagTests
{
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Max_mode_rejects_sparse_and_scale_grad_by_freq(bool sparse, bool scale)
    {
        var ex = Assert.Throws<ArgumentException>(() => new EmbeddingBag(5, 3, new Generator(0),
            new EmbeddingBagOptions { Mode = EmbeddingBagMode.Max, Sparse = sparse, ScaleGradByFreq = scale }));
        Assert.Contains("Max mode", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_mode_is_mean_and_initialisation_matches_embedding()
    {
        var bag = new EmbeddingBag(10, 3, new Generator(4), new EmbeddingBagOptions { PaddingIdx = 0 });
        var emb = new Embedding(10, 3, new Generator(4), new EmbeddingOptions { PaddingIdx = 0 });
        Assert.Equal(EmbeddingBagMode.Mean, bag.Mode);
        Assert.Equal(emb.Weight.Value.ToArray(), bag.Weight.Value.ToArray());
    }

    [Theory]
    [InlineData(new long[] { 1, 2 }, false, "offsets[0] has to be 0")]
    [InlineData(new long[] { 0, 3, 2 }, false, "offsets[2] = 2 is less than offsets[1] = 3")]
    [InlineData(new long[] { 0, 5 }, false, "offsets[1] = 5 is past the end of the input (length 4)")]
    [InlineData(new long[] { 0, 2 }, true, "must equal the input length 4")]
    [InlineData(new long[] { }, true, "at least one entry")]
    public void Bad_offsets_are_refused_with_the_values_named(long[] offsets, bool includeLast, string message)
    {
        var bag = new EmbeddingBag(10, 3, new Generator(0), new EmbeddingBagOptions { IncludeLastOffset = includeLast, MaxNorm = 0.1 });
        var before = bag.Weight.Value.ToArray();
        var ex = Assert.Throws<ArgumentException>(() => bag.ForwardResult(IndexTensor.Vector(1, 2, 3, 4), new IndexTensor(offsets, offsets.Length)));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, bag.Weight.Value.ToArray());
    }

    [Fact]
    public void Input_rank_offsets_and_per_sample_weights_are_checked()
    {
        var bag = new EmbeddingBag(10, 3, new Generator(0));
        Assert.Throws<ArgumentException>(() => bag.ForwardResult(new IndexTensor([1, 2], 1, 2), IndexTensor.Vector(0)));
        Assert.Throws<ArgumentException>(() => bag.ForwardResult(IndexTensor.Vector(1, 2)));
        Assert.Throws<ArgumentException>(() => bag.ForwardResult(new IndexTensor([1, 2], 1, 1, 2)));
        var mean = Assert.Throws<ArgumentException>(() => bag.ForwardResult(IndexTensor.Vector(1, 2), IndexTensor.Vector(0), new FloatTensor(2)));
        Assert.Contains("Sum", mean.Message, StringComparison.Ordinal);
        var sum = new EmbeddingBag(10, 3, new Generator(0), new EmbeddingBagOptions { Mode = EmbeddingBagMode.Sum });
        var shape = Assert.Throws<ArgumentException>(() => sum.ForwardResult(IndexTensor.Vector(1, 2), IndexTensor.Vector(0), new FloatTensor(3)));
        Assert.Contains("(3,)", shape.Message, StringComparison.Ordinal);
        Assert.Contains("(2,)", shape.Message, StringComparison.Ordinal);
        var oob = Assert.Throws<ArgumentOutOfRangeException>(() => sum.ForwardResult(IndexTensor.Vector(1, 20), IndexTensor.Vector(0)));
        Assert.Contains("Index 20 at position 1", oob.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Grad_output_of_the_wrong_shape_names_both_shapes()
    {
        var bag = new EmbeddingBag(10, 3, new Generator(0));
        var r = bag.ForwardResult(new IndexTensor([1, 2, 3, 4], 2, 2));
        var ex = Assert.Throws<ArgumentException>(() => bag.Backward(r, new FloatTensor(3, 3)));
        Assert.Contains("(3, 3)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(2, 3)", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(EmbeddingBagMode.Sum)]
    [InlineData(EmbeddingBagMode.Mean)]
    [InlineData(EmbeddingBagMode.Max)]
    public void Empty_bags_and_bags_of_only_padding_give_zeros(EmbeddingBagMode mode)
    {
        var bag = new EmbeddingBag(6, 4, new Generator(1), new EmbeddingBagOptions { Mode = mode, PaddingIdx = 3 });
        var r = bag.ForwardResult(IndexTensor.Vector(3, 3, 1), IndexTensor.Vector(0, 0, 2, 2));
        Assert.Equal([4L, 4L], r.Output.Shape.ToArray());
        foreach (var b in new[] { 0, 1, 2 })
        {
            Assert.All(r.Output.Row(b).ToArray(), v => Assert.Equal(0f, v));
        }

        Assert.Equal([0, 0, 0, 1], r.BagSizes.ToArray());
        Assert.Equal(bag.Weight.Value.Row(1).ToArray(), r.Output.Row(3).ToArray());
        var grad = new FloatTensor(4, 4);
        grad.Fill(1f);
        bag.Backward(r, grad);
        Assert.All(bag.Weight.Grad!.Row(3).ToArray(), v => Assert.Equal(0f, v));
        Assert.All(bag.Weight.Grad!.Row(1).ToArray(), v => Assert.Equal(1f, v));
    }

    [Theory]
    [InlineData(EmbeddingBagMode.Sum, false)]
    [InlineData(EmbeddingBagMode.Sum, true)]
    [InlineData(EmbeddingBagMode.Mean, false)]
    [InlineData(EmbeddingBagMode.Max, false)]
    public void Gradients_match_central_differences(EmbeddingBagMode mode, bool weighted)
    {
        // The loss Σ output·G is piecewise linear in W and in the per-sample weights, so with a step far smaller than
        // the gaps between competing maxima central differences are exact up to the float rounding of the loss.
        var bag = new EmbeddingBag(7, 5, new Generator(6), new EmbeddingBagOptions { Mode = mode, PaddingIdx = 4 });
        var indices = IndexTensor.Vector(1, 2, 1, 4, 6, 0, 2, 2, 5, 3);
        var offsets = IndexTensor.Vector(0, 3, 3, 8);
        var psw = weighted ? EmbeddingTests.RandomTensor(8, 10) : null;
        var g = EmbeddingTests.RandomTensor(7, 4, 5);
        var r = bag.ForwardResult(indices, offsets, psw);
        var pswGrad = bag.Backward(r, g);
        var analytic = bag.Weight.Grad!.ToArray();
        const float Eps = 1e-3f;
        var w = bag.Weight.Value;
        for (long k = 0; k < w.Length; k++)
        {
            var numeric = Central(() => bag.ForwardResult(indices, offsets, psw).Output, g, v => w[k] = v, w[k], Eps);
            Assert.True(Math.Abs(analytic[k] - numeric) <= 2e-3 * (1 + Math.Abs(numeric)), $"{mode} weight element {k}: analytic {analytic[k]}, numeric {numeric}");
        }

        if (psw is null)
        {
            Assert.Null(pswGrad);
            return;
        }

        for (long j = 0; j < psw.Length; j++)
        {
            var numeric = Central(() => bag.ForwardResult(indices, offsets, psw).Output, g, v => psw[j] = v, psw[j], Eps);
            var expected = indices[(int)j] == 4 ? 0 : numeric;
            Assert.True(Math.Abs(pswGrad![j] - expected) <= 2e-3 * (1 + Math.Abs(expected)), $"per-sample weight {j}: analytic {pswGrad[j]}, numeric {numeric}");
        }
    }

    [Theory]
    [InlineData(EmbeddingBagMode.Mean, false, 7L)]
    [InlineData(EmbeddingBagMode.Sum, false, null)]
    [InlineData(EmbeddingBagMode.Mean, true, 7L)]
    [InlineData(EmbeddingBagMode.Max, false, null)]
    public void A_stale_gradient_buffer_gives_the_bits_of_a_zeroed_one(EmbeddingBagMode mode, bool scaleByFreq, long? padding)
    {
        // Enough indices (3000 x 32 floats) for the dense backward to split over cores; the gradient is also checked on a
        // table stored in chunks, where the kernel zeroes rows one by one.
        const int rows = 500, dim = 32, n = 3000;
        var rng = new Random(5);
        var indices = new long[n];
        for (var i = 0; i < n; i++)
        {
            indices[i] = rng.Next(i % 5 == 0 ? 40 : rows); // many repeats of the first rows
        }

        var offsets = new List<long> { 0, 0 }; // an empty bag first
        while (offsets[^1] < n - 40)
        {
            offsets.Add(offsets[^1] + rng.Next(1, 40));
        }

        var options = new EmbeddingBagOptions { Mode = mode, ScaleGradByFreq = scaleByFreq, PaddingIdx = padding };
        var bag = new EmbeddingBag(rows, dim, new Generator(3), options);
        var input = new IndexTensor(indices, n);
        var offs = new IndexTensor([.. offsets], offsets.Count);
        var r = bag.ForwardResult(input, offs);
        var g = new FloatTensor(offsets.Count, dim);
        new Generator(9).Uniform(g, -1, 1);

        var fresh = new EmbeddingBag(rows, dim, new Generator(3), options);
        fresh.Backward(fresh.ForwardResult(input, offs), g);
        var expected = fresh.Weight.Grad!.ToArray();

        bag.Backward(bag.ForwardResult(new IndexTensor([1, 2, 3, 4], 4), IndexTensor.Vector(0, 2)), new FloatTensor(2, dim));
        bag.Weight.Grad!.Fill(float.NaN); // whatever the buffer holds must not leak into the next gradient
        bag.Weight.ZeroGrad();
        Assert.Null(bag.Weight.Grad);
        bag.Backward(r, g);
        Assert.Equal(expected, bag.Weight.Grad!.ToArray());

        if (mode != EmbeddingBagMode.Max)
        {
            var chunked = new FloatTensor([rows, dim], 16 * dim);
            chunked.Fill(float.NaN);
            EmbeddingFunctions.BagDenseBackward(indices, [.. offsets], false, mode, default, padding, scaleByFreq, r.BagSizes,
                default, g.AsSpan(), chunked, gradWeightIsStale: true);
            Assert.Equal(expected, chunked.ToArray());
        }
    }

    [Fact]
    public void Two_d_input_is_bags_of_equal_length_and_per_sample_weight_grad_has_its_shape()
    {
        var bag = new EmbeddingBag(8, 3, new Generator(2), new EmbeddingBagOptions { Mode = EmbeddingBagMode.Sum });
        var input = new IndexTensor([1, 2, 3, 4, 5, 6], 2, 3);
        var psw = new FloatTensor(2, 3);
        psw.Fill(1f);
        var r2 = bag.ForwardResult(input, null, psw);
        var r1 = bag.ForwardResult(IndexTensor.Vector(1, 2, 3, 4, 5, 6), IndexTensor.Vector(0, 3));
        Assert.Equal(r1.Output.ToArray(), r2.Output.ToArray());
        var grad = bag.Backward(r2, new FloatTensor(2, 3));
        Assert.Equal([2L, 3L], grad!.Shape.ToArray());
    }

    [Fact]
    public void Max_mode_records_the_arg_max_row_and_ties_keep_the_first()
    {
        var table = FloatTensor.FromArray([1, 5, 3, 2, 3, 9], 3, 2);
        var bag = EmbeddingBag.FromPretrained(table, freeze: false, new EmbeddingBagOptions { Mode = EmbeddingBagMode.Max });
        var r = bag.ForwardResult(IndexTensor.Vector(0, 1, 2, 1), IndexTensor.Vector(0));
        Assert.Equal([3f, 9f], r.Output.ToArray()); // column 0: 1, then 3 (row 1), then 3 (row 2) is not larger
        Assert.Equal([1L, 2L], r.MaxIndices.ToArray());
        var r2 = bag.ForwardResult(IndexTensor.Vector(2, 1), IndexTensor.Vector(0));
        Assert.Equal([2L, 2L], r2.MaxIndices.ToArray()); // column 0 ties at 3: the first row (2) keeps it
        bag.Backward(r, FloatTensor.FromArray([1, 1], 1, 2));
        Assert.Equal([0f, 0f, 1f, 0f, 0f, 1f], bag.Weight.Grad!.ToArray());
    }

    [Fact]
    public void Sparse_with_scale_grad_by_freq_fails_at_backward_like_pytorch()
    {
        var bag = new EmbeddingBag(5, 3, new Generator(0), new EmbeddingBagOptions { Sparse = true, ScaleGradByFreq = true });
        var r = bag.ForwardResult(IndexTensor.Vector(1, 1), IndexTensor.Vector(0));
        Assert.Throws<NotSupportedException>(() => bag.Backward(r, r.Output));
        Assert.Null(bag.Weight.SparseGrad);
    }

    [Fact]
    public void Std_sort_replica_sorts_and_permutes_for_every_length()
    {
        var rng = new Generator(123);
        for (var n = 0; n <= 300; n += n < 40 ? 1 : 37)
        {
            foreach (var distinct in new[] { 1, 3, 50 })
            {
                var keys = new long[n];
                var order = new int[n];
                for (var i = 0; i < n; i++)
                {
                    keys[i] = rng.Random() % (uint)distinct;
                    order[i] = i;
                }

                var original = (long[])keys.Clone();
                LibstdcxxSort.Sort(keys, order);
                for (var i = 1; i < n; i++)
                {
                    Assert.True(keys[i - 1] <= keys[i]);
                }

                Assert.Equal(Enumerable.Range(0, n), order.Order());
                Assert.All(Enumerable.Range(0, n), i => Assert.Equal(original[order[i]], keys[i]));
            }
        }
    }

    [Fact]
    public void Std_sort_replica_falls_back_to_heap_sort_on_adversarial_input()
    {
        // A median-of-three killer style input drives the depth limit to 0 on some branch; the result must still sort.
        const int N = 4096;
        var keys = new long[N];
        var order = new int[N];
        for (var i = 0; i < N; i++)
        {
            keys[i] = i % 2 == 0 ? i : N - i;
            order[i] = i;
        }

        LibstdcxxSort.Sort(keys, order);
        for (var i = 1; i < N; i++)
        {
            Assert.True(keys[i - 1] <= keys[i]);
        }
    }

    [Theory]
    [InlineData(40_000, 1)]
    [InlineData(40_000, 7)]
    [InlineData(100_000, 1_000)]
    [InlineData(204_800, 100_000)]
    [InlineData(70_001, int.MaxValue)]
    public void Packed_parallel_sort_moves_exactly_as_the_step_for_step_replica(int n, int distinct)
    {
        var rng = new Generator((ulong)n + (ulong)distinct);
        var keys = new long[n];
        for (var i = 0; i < n; i++)
        {
            // Signed keys across the whole int range when distinct is int.MaxValue, else a few repeated values.
            keys[i] = distinct == int.MaxValue ? (int)rng.Random() : rng.Random() % (uint)distinct;
        }

        AssertSameAsReplica(keys);
    }

    [Fact]
    public void Packed_parallel_sort_matches_the_replica_when_the_depth_limit_forces_heap_sort()
    {
        const int N = 1 << 16;
        var keys = new long[N];
        for (var i = 0; i < N; i++)
        {
            keys[i] = i % 2 == 0 ? i : N - i;
        }

        AssertSameAsReplica(keys);
    }

    [Fact]
    public void Keys_outside_the_int_range_take_the_generic_path_and_still_sort()
    {
        var keys = new long[50_000];
        var rng = new Generator(5);
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = (long)(rng.Random64() >> 20) - (1L << 43);
        }

        AssertSameAsReplica(keys);
    }

    [Theory]
    [InlineData("equal")]
    [InlineData("sorted")]
    [InlineData("reversed")]
    [InlineData("three values")]
    [InlineData("organ pipe")]
    [InlineData("random")]
    public void The_block_partition_makes_the_replicas_swaps_on_awkward_inputs(string pattern)
    {
        // Partitions of 128+ elements find their swaps block-wise; lengths around the block size and its multiples test
        // where the block phase hands over to the scalar loop.
        var rng = new Random(pattern.Length);
        foreach (var n in new[] { 127, 128, 129, 130, 191, 255, 256, 257, 300, 383, 1000, 4097, 40_000 })
        {
            var keys = new long[n];
            for (var i = 0; i < n; i++)
            {
                keys[i] = pattern switch
                {
                    "equal" => 7,
                    "sorted" => i / 3,
                    "reversed" => n - i,
                    "three values" => rng.Next(3) - 1,
                    "organ pipe" => Math.Min(i, n - i),
                    _ => rng.Next(n / 2),
                };
            }

            AssertSameAsReplica(keys);
        }
    }

    private static void AssertSameAsReplica(long[] keys)
    {
        var n = keys.Length;
        var expectedKeys = (long[])keys.Clone();
        var expectedOrder = Enumerable.Range(0, n).ToArray();
        LibstdcxxSort.SortGeneric(expectedKeys, expectedOrder);
        var actualKeys = (long[])keys.Clone();
        var actualOrder = Enumerable.Range(0, n).ToArray();
        LibstdcxxSort.Sort(actualKeys, actualOrder);
        for (var i = 0; i < n; i++)
        {
            if (expectedOrder[i] != actualOrder[i] || expectedKeys[i] != actualKeys[i])
            {
                Assert.Fail($"position {i}: replica has ({expectedKeys[i]}, {expectedOrder[i]}), packed sort ({actualKeys[i]}, {actualOrder[i]}).");
            }
        }
    }

    private static double Central(Func<FloatTensor> forward, FloatTensor g, Action<float> set, float x, float eps)
    {
        set(x + eps);
        var plus = EmbeddingTests.Loss(forward(), g);
        set(x - eps);
        var minus = EmbeddingTests.Loss(forward(), g);
        set(x);
        return (plus - minus) / (2 * eps);
    }
}
