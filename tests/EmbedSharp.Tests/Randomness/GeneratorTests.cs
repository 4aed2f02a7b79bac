using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Randomness;

public sealed class GeneratorTests
{
    [Fact]
    public void First_outputs_are_the_reference_mt19937_values()
    {
        // Matsumoto & Nishimura's init_genrand(5489) and (0) streams; torch.manual_seed uses the same seeding.
        Assert.Equal(3499211612u, new Generator(5489UL).Random());
        Assert.Equal(2357136044u, new Generator(0UL).Random());
        var g = new Generator(5489UL);
        for (var i = 0; i < 9999; i++)
        {
            g.Random();
        }

        Assert.Equal(4123659995u, g.Random()); // the 10000th output, as std::mt19937 documents
    }

    [Fact]
    public void Only_the_low_32_bits_of_the_seed_reach_the_engine_but_the_seed_is_kept_whole()
    {
        var a = new Generator(5UL);
        var b = new Generator((1UL << 32) + 5);
        for (var i = 0; i < 700; i++)
        {
            Assert.Equal(a.Random(), b.Random());
        }

        Assert.Equal((1UL << 32) + 5, b.InitialSeed);
    }

    [Fact]
    public void Negative_seeds_wrap_modulo_two_to_the_64_as_in_pytorch()
    {
        Assert.Equal(ulong.MaxValue, new Generator(-1L).InitialSeed);
        Assert.Equal(new Generator(ulong.MaxValue - 6).Random(), new Generator(-7L).Random());
    }

    [Fact]
    public void A_fresh_generator_uses_pytorchs_default_seed()
    {
        Assert.Equal(67280421310721UL, new Generator().InitialSeed);
        Assert.Equal(new Generator(67280421310721UL).Random(), new Generator().Random());
    }

    [Fact]
    public void Random64_puts_the_first_draw_in_the_high_word()
    {
        var a = new Generator(9UL);
        var b = new Generator(9UL);
        ulong hi = b.Random();
        ulong lo = b.Random();
        Assert.Equal((hi << 32) | lo, a.Random64());
    }

    [Fact]
    public void Bulk_draws_equal_single_draws_across_every_twist_boundary()
    {
        var single = new Generator(123UL);
        var bulk = new Generator(123UL);
        var expected = new uint[5000];
        for (var i = 0; i < expected.Length; i++)
        {
            expected[i] = single.Random();
        }

        var actual = new uint[5000];
        var pos = 0;
        var step = 0;
        while (pos < actual.Length)
        {
            var n = Math.Min(actual.Length - pos, step++ % 700); // lengths 0..699, including 623, 624, 625
            if (step % 3 == 0 && n > 0)
            {
                actual[pos] = bulk.Random();
                pos++;
                continue;
            }

            bulk.Random(actual.AsSpan(pos, n));
            pos += n;
        }

        Assert.Equal(expected, actual);
        Assert.Equal(single.GetState(), bulk.GetState());
    }

    [Fact]
    public void State_round_trips_and_a_clone_continues_the_same_stream()
    {
        var g = new Generator(77UL);
        g.Random(new uint[1000]);
        g.NextStandardNormal(); // leaves the cached second value
        var state = g.GetState();
        Assert.Equal(Generator.StateSize, state.Length);
        var h = new Generator();
        h.SetState(state);
        Assert.Equal(state, h.GetState());
        Assert.Equal(g.NextStandardNormal(), h.NextStandardNormal());
        var c = g.Clone();
        Assert.Equal(g.Random64(), c.Random64());
    }

    [Fact]
    public void A_state_of_the_wrong_size_or_with_corrupt_counters_is_refused_and_nothing_changes()
    {
        var g = new Generator(1UL);
        var before = g.GetState();
        var e = Assert.Throws<ArgumentException>(() => g.SetState(new byte[100]));
        Assert.Contains("5056", e.Message, StringComparison.Ordinal);
        var bad = (byte[])before.Clone();
        bad[8] = 0; // left = 0
        Assert.Throws<ArgumentException>(() => g.SetState(bad));
        bad = (byte[])before.Clone();
        bad[16] = 0xFF; // next = 255 + …
        bad[17] = 0xFF;
        Assert.Throws<ArgumentException>(() => g.SetState(bad));
        Assert.Equal(before, g.GetState());
    }

    [Fact]
    public void The_scalar_normal_caches_its_second_value_and_manual_seed_clears_it()
    {
        var g = new Generator(3UL);
        g.NextStandardNormal();
        Assert.True(g.HasCachedNormal);
        var state = g.GetState();
        var cached = g.NextStandardNormal();
        Assert.False(g.HasCachedNormal);
        var h = new Generator();
        h.SetState(state);
        Assert.Equal(cached, h.NextStandardNormal());
        g.NextStandardNormal();
        g.ManualSeed(3UL);
        Assert.False(g.HasCachedNormal);
    }

    [Fact]
    public void The_vectorised_normal_path_neither_reads_nor_clears_the_cache()
    {
        var g = new Generator(11UL);
        var small = new float[3];
        Distributions.Normal(g, small, 0, 1); // scalar path: 2 pairs, one value left in the cache
        Assert.True(g.HasCachedNormal);
        Distributions.Normal(g, new float[20], 0, 1);
        Assert.True(g.HasCachedNormal);
        Distributions.Uniform(g, new float[5], 0, 1);
        Assert.True(g.HasCachedNormal);
    }

    [Fact]
    public void Span_fills_allocate_nothing()
    {
        var g = new Generator(5UL);
        var buffer = new float[4099];
        var perm = new long[1000];
        Distributions.Uniform(g, buffer, -1, 1);
        Distributions.Normal(g, buffer, 0, 1);
        Distributions.Randperm(g, perm);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Distributions.Uniform(g, buffer, -1, 1);
        Distributions.Normal(g, buffer, 0, 1);
        Distributions.Normal(g, buffer.AsSpan(0, 7), 0, 1);
        Distributions.Randperm(g, perm);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void Uniform_values_lie_in_the_half_open_range_and_normal_has_the_right_moments()
    {
        var g = new Generator(2024UL);
        var t = new FloatTensor(200_000);
        Distributions.Uniform(g, t, -3, 5);
        var s = t.Statistics();
        Assert.True(s.Min >= -3 && s.Max < 5);
        Assert.InRange(s.Mean, 1 - 0.03, 1 + 0.03); // σ/√n = 2.31/447 ≈ 0.005: 6σ
        Distributions.Normal(g, t, 2, 0.5);
        s = t.Statistics();
        Assert.InRange(s.Mean, 2 - 0.007, 2 + 0.007); // 0.5/447 ≈ 0.0011: 6σ
        Assert.InRange(s.Std, 0.5 - 0.005, 0.5 + 0.005);
    }

    [Fact]
    public void Randperm_is_a_permutation_and_draws_n_minus_one_values()
    {
        var g = new Generator(8UL);
        var reference = new Generator(8UL);
        var p = Distributions.Randperm(g, 1000);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), p.Order());
        reference.Random(new uint[999]);
        Assert.Equal(reference.GetState(), g.GetState());
        Assert.Empty(Distributions.Randperm(g, 0));
        Assert.Equal([0L], Distributions.Randperm(g, 1));
    }
}
