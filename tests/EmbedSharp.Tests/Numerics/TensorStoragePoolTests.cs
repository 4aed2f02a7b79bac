using System.Runtime.CompilerServices;
using EmbedSharp.Autograd;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Numerics;

/// <summary>FloatTensor.Dispose and the storage pool behind it. The pool is process-wide, so these tests, which look at
/// which array comes back, run alone (no other test class allocates from the pool meanwhile), and each uses shapes the
/// others do not.</summary>
[Collection("TensorStoragePool")]
public sealed class TensorStoragePoolTests
{
    [Fact]
    public unsafe void A_disposed_tensor_gives_its_array_to_the_next_result_of_that_size()
    {
        var t = FloatTensor.Rent([37, 1777]);
        var array = t.StorageArray!;
        t.Dispose();
        Assert.True(t.IsDisposed);
        var next = FloatTensor.Rent([37, 1777]);
        Assert.Same(array, next.StorageArray);
        Assert.Equal(0, ((nint)Unsafe.AsPointer(ref next.AsSpan()[0])) & 63); // still 64-byte aligned
        next.AsSpan().Fill(2f);
        next.Dispose();
        var again = FloatTensor.Rent([1777, 37]); // same element count, other shape: the same bin
        Assert.Same(array, again.StorageArray);
        Assert.Equal([1777L, 37L], again.Shape.ToArray());
        again.AsSpan().Fill(3f);
        again.Dispose();
        var zeroed = new FloatTensor(37, 1777); // the public constructor takes it too, and clears it
        Assert.Same(array, zeroed.StorageArray);
        Assert.Equal(-1, zeroed.AsSpan().IndexOfAnyExcept(0f));
    }

    [Fact]
    public void A_constructed_tensor_of_any_size_is_reused_by_the_next_constructor_call_of_that_size()
    {
        // 37 × 1811 is not a size of the bins' series: the array (exactly that long) goes to the bin below its size
        var first = new FloatTensor(37, 1811);
        var array = first.StorageArray!;
        first.AsSpan().Fill(5f);
        first.Dispose();
        var second = new FloatTensor(37, 1811);
        Assert.Same(array, second.StorageArray);
        Assert.Equal(-1, second.AsSpan().IndexOfAnyExcept(0f));
        second.Dispose();
        Assert.NotSame(array, new FloatTensor(array.Length + 1).StorageArray); // a larger tensor never gets it
    }

    [Fact]
    public void Every_access_to_a_disposed_tensor_throws_and_disposing_twice_does_nothing()
    {
        var t = new FloatTensor(41, 1601);
        var small = new FloatTensor(3, 4);
        t.Dispose();
        small.Dispose();
        t.Dispose();
        foreach (var d in new[] { t, small })
        {
            Assert.Throws<ObjectDisposedException>(() => d.AsSpan());
            Assert.Throws<ObjectDisposedException>(() => d.Row(0));
            Assert.Throws<ObjectDisposedException>(() => d.Chunk(0));
            Assert.Throws<ObjectDisposedException>(() => d[0L]);
            Assert.Throws<ObjectDisposedException>(() => d[0, 0] = 1f);
            Assert.Throws<ObjectDisposedException>(() => d.Reshape(-1 * 0 + d.Length));
            Assert.Throws<ObjectDisposedException>(() => d.TryAsTensor(out _));
        }

        Assert.Contains("disposed", Assert.Throws<ObjectDisposedException>(() => t.AsSpan()).Message, StringComparison.Ordinal);
        Assert.Equal([41L, 1601L], t.Shape.ToArray()); // the shape stays readable
    }

    [Fact]
    public void Storage_shared_with_a_view_or_a_caller_is_never_handed_on()
    {
        var t = new FloatTensor(43, 1553);
        t.AsSpan().Fill(3f);
        var view = t.Reshape(1553, 43);
        t.Dispose();
        var next = FloatTensor.Rent([43, 1553]);
        Assert.NotSame(view.StorageArray, next.StorageArray);
        next.AsSpan().Fill(-1f);
        Assert.All(view.ToArray(), v => Assert.Equal(3f, v));
        view.Dispose(); // the other holder: still not pooled (the original was disposed, but the view does not own it)
        Assert.NotSame(t.StorageArray, FloatTensor.Rent([43, 1553]).StorageArray);

        var mine = new float[47 * 1499];
        var wrapped = FloatTensor.FromArray(mine, 47, 1499);
        wrapped.Dispose();
        Assert.NotSame(mine, FloatTensor.Rent([47, 1499]).StorageArray);

        var shared = new FloatTensor(53, 1301);
        Assert.True(shared.TryAsTensor(out var tensor));
        shared.Dispose();
        Assert.NotSame(shared.StorageArray, FloatTensor.Rent([53, 1301]).StorageArray);
        GC.KeepAlive(tensor);
    }

    [Fact]
    public void Embedding_results_are_right_on_reused_storage_and_their_dispose_recycles_it()
    {
        var emb = new Embedding(1000, 59, new Generator(5UL), new EmbeddingOptions());
        var rng = new Random(3);
        using var _ = Grad.Disable();
        for (var round = 0; round < 4; round++)
        {
            var idx = new long[2 * 701];
            for (var i = 0; i < idx.Length; i++)
            {
                idx[i] = rng.NextInt64(1000);
            }

            var y = emb.Forward(new IndexTensor(idx, [2, 701]));
            var expected = new float[idx.Length * 59];
            EmbeddingFunctions.Lookup(emb.Weight.Value, idx, expected);
            Assert.Equal(expected, y.Data.ToArray());
            var array = y.Data.StorageArray;
            y.Data.AsSpan().Fill(float.NaN); // garbage for the next round's result to overwrite
            y.Dispose();
            Assert.Same(array, FloatTensor.Rent([2, 701, 59]).StorageArray);
            FloatTensor.Rent([2, 701, 59]).Dispose(); // hand some storage back for the next round
        }
    }

    [Fact]
    public void An_embedding_bag_result_on_dirty_storage_has_zeros_for_an_empty_bag()
    {
        var bag = new EmbeddingBag(300, 67, new Generator(9UL), new EmbeddingBagOptions { Mode = EmbeddingBagMode.Sum });
        var dirty = FloatTensor.Rent([613, 67]);
        dirty.AsSpan().Fill(float.NaN);
        dirty.Dispose();
        var input = new long[1200];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = i % 300;
        }

        var offsets = new long[613];
        for (var b = 0; b < offsets.Length; b++)
        {
            offsets[b] = Math.Min(2L * b, 1200); // bags 600.. are empty
        }

        using var y = bag.Forward(new IndexTensor(input, [1200]), new IndexTensor(offsets, [613]));
        var values = y.Data.ToArray();
        Assert.DoesNotContain(values, float.IsNaN);
        Assert.All(values.AsSpan(600 * 67).ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal(bag.Weight.Value[0, 0] + bag.Weight.Value[1, 0], values[0]);
    }

    [Fact]
    public void A_backward_that_needs_a_disposed_result_refuses_to_run()
    {
        var emb = new Embedding(100, 400, new Generator(1UL), new EmbeddingOptions());
        var w = new Variable(FloatTensor.FromSpan(Enumerable.Repeat(0.5f, 400).ToArray(), 400), requiresGrad: true);
        var y = emb.Forward(new IndexTensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82], [82]));
        var loss = Ops.Sum(y * w); // Mul saves y for w's gradient
        y.Dispose();
        var e = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("MulBackward0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pool_is_bounded_per_bin_and_drops_what_two_full_collections_saw_unused()
    {
        const int Length = 59 * 1231;
        var bin = TensorStoragePool.Capacity(Length);
        var made = new List<FloatTensor>();
        for (var i = 0; i < TensorStoragePool.MaxPerBin + 4; i++)
        {
            made.Add(FloatTensor.Rent([Length]));
        }

        var before = TensorStoragePool.PooledBytes;
        made.ForEach(t => t.Dispose());
        Assert.True(TensorStoragePool.PooledBytes - before <= (long)TensorStoragePool.MaxPerBin * (bin + 15) * sizeof(float));
        Assert.True(TensorStoragePool.PooledBytes <= TensorStoragePool.MaxPooledBytes);
        TensorStoragePool.Trim();
        Assert.True(TensorStoragePool.TryTake(Length, out var kept)); // one collection: still there
        TensorStoragePool.Return(kept.Array, kept.Start);
        TensorStoragePool.Trim();
        TensorStoragePool.Trim();
        Assert.False(TensorStoragePool.TryTake(Length, out _));
    }

    [Fact]
    public void Bins_round_up_on_take_and_down_on_return()
    {
        var rng = new Random(11);
        for (var i = 0; i < 20_000; i++)
        {
            var n = rng.Next(1, int.MaxValue / 4);
            var up = TensorStoragePool.Capacity(n);
            var down = TensorStoragePool.BinOf(n);
            Assert.InRange(up, n, n + (n / 4) + 1);
            Assert.InRange(down, (n * 3L / 4) - 1, n);
            Assert.Equal(up, TensorStoragePool.Capacity(up));
            Assert.Equal(down, TensorStoragePool.Capacity(down));
            Assert.Equal(up, TensorStoragePool.BinOf(up));
        }
    }

    [Fact]
    public void Threads_renting_and_disposing_never_share_storage()
    {
        var failures = 0;
        Parallel.For(0, 4, worker =>
        {
            var rng = new Random(worker);
            for (var i = 0; i < 200; i++)
            {
                var t = FloatTensor.Rent([rng.Next(2, 5) * 16_411]);
                t.AsSpan().Fill(worker + i);
                Thread.Yield();
                if (t.AsSpan().IndexOfAnyExcept((float)(worker + i)) >= 0)
                {
                    Interlocked.Increment(ref failures);
                }

                t.Dispose();
            }
        });
        Assert.Equal(0, failures);
    }
}

[CollectionDefinition("TensorStoragePool", DisableParallelization = true)]
public sealed class TensorStoragePoolCollection;
