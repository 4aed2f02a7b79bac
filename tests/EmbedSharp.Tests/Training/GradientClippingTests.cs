using System.Runtime.InteropServices;
using System.Text.Json;
using EmbedSharp.Nn;
using EmbedSharp.Numerics;
using EmbedSharp.Training;

namespace EmbedSharp.Tests.Training;

/// <summary>
/// <see cref="GradientClipping.ClipGradNorm"/> against torch 1.13's <c>clip_grad_norm_</c>: modules.json's
/// decoder_block.clip and lm.json's clip_cases (tools/goldens/make_autograd.py, make_lm.py). Every float32 operation of
/// torch's is reproduced in its order (the norm kernel's FMA lanes and tail, the reciprocal, the clamp, the product), so
/// the total norm and every clipped gradient are compared bit for bit: tolerance 0.
/// </summary>
public sealed class GradientClippingTests
{
    private static readonly Lazy<JsonElement> Modules = new(() => Load("modules.json"));
    private static readonly Lazy<JsonElement> Lm = new(() => Load("lm.json"));

    [Fact]
    public void Decoder_block_clip_matches_torch_bit_for_bit()
    {
        var rec = Modules.Value.GetProperty("decoder_block");
        var names = rec.GetProperty("named_parameters").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var ps = names.Select(n => WithGrad(Decode(rec.GetProperty("grads").GetProperty(n)))).ToArray();

        var total = GradientClipping.ClipGradNorm(ps, maxNorm: 1.0);

        AssertBits(Decode(rec.GetProperty("clip").GetProperty("total_norm")).AsSpan()[0], total, "total norm");
        for (var i = 0; i < names.Length; i++)
        {
            AssertBits(Decode(rec.GetProperty("clip").GetProperty("grads_after").GetProperty(names[i])), ps[i].Grad!, names[i]);
        }
    }

    public static TheoryData<int> DenseCases() => [.. Enumerable.Range(0, 7)];

    /// <summary>p = 2, 1, 3, ∞ and 0, a case that does not clip (coefficient clamped to 1) and one with tiny gradients.</summary>
    [Theory]
    [MemberData(nameof(DenseCases))]
    public void Clip_cases_match_torch_bit_for_bit(int index)
    {
        var c = Lm.Value.GetProperty("clip_cases")[index];
        var repr = c.GetProperty("norm_type").GetString()!; // Python repr: "2.0", "inf"
        var normType = repr == "inf" ? double.PositiveInfinity : double.Parse(repr, System.Globalization.CultureInfo.InvariantCulture);
        var ps = c.GetProperty("grads").EnumerateArray().Select(g => WithGrad(Decode(g))).ToArray();

        var total = GradientClipping.ClipGradNorm(ps, c.GetProperty("max_norm").GetDouble(), normType);

        var name = c.GetProperty("name").GetString()!;
        AssertBits(Decode(c.GetProperty("total_norm")).AsSpan()[0], total, name + " total norm");
        var after = c.GetProperty("grads_after");
        for (var i = 0; i < ps.Length; i++)
        {
            AssertBits(Decode(after[i]), ps[i].Grad!, $"{name} grad {i}");
        }
    }

    /// <summary>A sparse embedding gradient counts as its coalesced rows (total bit-exact, dense gradients bit-exact).
    /// torch 1.13 leaves the sparse gradient itself unscaled (recorded in the golden); ours is scaled by the same
    /// coefficient, which is what the function promises.</summary>
    [Fact]
    public void Sparse_gradient_counts_its_coalesced_rows_and_is_scaled()
    {
        var c = Lm.Value.GetProperty("clip_cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "clip_sparse_embedding");
        var rows = c.GetProperty("sparse_indices").GetProperty("ints").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var values = Decode(c.GetProperty("sparse_values"));
        var emb = new Parameter(new FloatTensor(10, 5));
        var sparse = emb.SparseGradForAccumulation();
        for (var k = 0; k < rows.Length; k++)
        {
            sparse.Append(rows[k], values.Row(k));
        }

        var dense = c.GetProperty("dense_grads");
        var weight = WithGrad(Decode(dense.GetProperty("weight")));
        var bias = WithGrad(Decode(dense.GetProperty("bias")));

        var total = GradientClipping.ClipGradNorm([emb, weight, bias], 0.5);

        AssertBits(Decode(c.GetProperty("total_norm")).AsSpan()[0], total, "total norm");
        AssertBits(Decode(c.GetProperty("dense_grads_after").GetProperty("weight")), weight.Grad!, "weight");
        AssertBits(Decode(c.GetProperty("dense_grads_after").GetProperty("bias")), bias.Grad!, "bias");
        var torchAfter = Decode(c.GetProperty("torch_sparse_values_after")).ToArray();
        Assert.Equal(values.ToArray(), torchAfter); // torch 1.13 did not scale it
        var coef = 1f / (total + 1e-6f) * 0.5f;
        Assert.Equal(rows, emb.SparseGrad!.Indices.ToArray());
        var scaled = emb.SparseGrad.Values;
        var v = values.AsSpan();
        for (var i = 0; i < v.Length; i++)
        {
            Assert.Equal(v[i] * coef, scaled[i]);
        }
    }

    /// <summary>The optimiser part of lm.json's first step: clip the recorded gradients, then an AdamW step at the
    /// schedule's first learning rate; parameters bit-exact against torch's (params1).</summary>
    [Fact]
    public void Lm_first_step_clip_and_adamw_match_torch_bit_for_bit()
    {
        var lm = Lm.Value;
        var names = lm.GetProperty("param_names").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var ps = names.Select(n =>
        {
            var p = new Parameter(Decode(lm.GetProperty("init").GetProperty(n)));
            Decode(lm.GetProperty("grads1").GetProperty(n)).AsSpan().CopyTo(p.DenseGradForAccumulation().AsSpan());
            return p;
        }).ToArray();
        var opt = new EmbedSharp.Training.Optimizers.AdamW(ps, new EmbedSharp.Training.Optimizers.AdamWOptions { Lr = 3e-3, Beta1 = 0.9, Beta2 = 0.95, Eps = 1e-8, WeightDecay = 0.1 });
        var schedule = new EmbedSharp.Training.Schedules.WarmupCosineLR(opt, 5, 20, minFactor: 0.1, startFactor: 0.2);
        var step = lm.GetProperty("steps")[0];
        Assert.Equal(step.GetProperty("lr").GetDouble(), opt.ParameterGroups[0].Lr);

        var total = GradientClipping.ClipGradNorm(ps, 1.0);
        opt.Step();
        schedule.Step();

        AssertBits(Decode(step.GetProperty("total_norm")).AsSpan()[0], total, "total norm");
        for (var i = 0; i < names.Length; i++)
        {
            AssertBits(Decode(lm.GetProperty("params1").GetProperty(names[i])), ps[i].Value, names[i]);
        }
    }

    /// <summary>The 2-norm kernel against a float64 reference on lengths around the 8-lane and 4-group boundaries:
    /// both are float32 sums of squares, within 1e-6 relative (n ≤ 1000 float32 additions of positive terms, each with
    /// relative error ≤ 2⁻²⁴, bound n·2⁻²⁴ ≈ 6e-5; in practice far smaller, 1e-6 holds).</summary>
    [Fact]
    public void Two_norm_is_close_to_the_float64_norm()
    {
        var rng = new System.Random(7); // test data only
        foreach (var n in new[] { 1, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 100, 1000 })
        {
            var x = new float[n];
            double sum = 0;
            for (var i = 0; i < n; i++)
            {
                x[i] = (float)((rng.NextDouble() * 2) - 1);
                sum += (double)x[i] * x[i];
            }

            var got = GradientClipping.TwoNorm(x);
            Assert.True(Math.Abs(got - Math.Sqrt(sum)) <= 1e-6 * Math.Sqrt(sum), $"n={n}: {got:R} vs {Math.Sqrt(sum):R}");
        }
    }

    [Fact]
    public void Clipped_gradients_have_the_max_norm_and_keep_their_direction()
    {
        var a = WithGrad(Tensor([3f, 4f]));
        var b = WithGrad(Tensor([12f]));
        var total = GradientClipping.ClipGradNorm([a, b], maxNorm: 1.3);
        Assert.Equal(13f, total);
        var after = MathF.Sqrt(Square(a.Grad!.AsSpan()) + Square(b.Grad!.AsSpan()));
        Assert.True(Math.Abs(after - 1.3) < 1e-6, $"norm after {after}");
        Assert.Equal(4f / 3f, a.Grad!.AsSpan()[1] / a.Grad.AsSpan()[0], 6);
    }

    [Fact]
    public void A_total_below_max_norm_leaves_the_gradients_unchanged()
    {
        var a = WithGrad(Tensor([0.1f, -0.2f, -0f]));
        var total = GradientClipping.ClipGradNorm([a], maxNorm: 5);
        // three values: no 8-lane block, no group of four; each square is fused into the running sum
        Assert.Equal(MathF.Sqrt(MathF.FusedMultiplyAdd(-0.2f, -0.2f, 0.1f * 0.1f)), total);
        Assert.Equal([0.1f, -0.2f, -0f], a.Grad!.ToArray());
        Assert.True(float.IsNegative(a.Grad.AsSpan()[2]));
    }

    [Fact]
    public void Parameters_without_gradients_are_skipped_and_none_gives_zero()
    {
        var none = new Parameter(Tensor([5f]));
        Assert.Equal(0f, GradientClipping.ClipGradNorm([none], 1.0));
        Assert.Null(none.Grad);
        Assert.Equal(0f, GradientClipping.ClipGradNorm([], 1.0));

        var a = WithGrad(Tensor([6f, 8f]));
        Assert.Equal(10f, GradientClipping.ClipGradNorm([none, a], 100));
        Assert.Null(none.Grad);
    }

    [Fact]
    public void A_parameter_listed_twice_counts_and_is_scaled_once()
    {
        var a = WithGrad(Tensor([6f, 8f]));
        var total = GradientClipping.ClipGradNorm([a, a], 5);
        Assert.Equal(10f, total);
        var coef = 1f / (10f + 1e-6f) * 5f;
        Assert.Equal([6f * coef, 8f * coef], a.Grad!.ToArray());
    }

    [Fact]
    public void Infinity_norm_is_the_largest_absolute_value()
    {
        var a = WithGrad(Tensor([1f, -7f]));
        var b = WithGrad(Tensor([3f]));
        Assert.Equal(7f, GradientClipping.ClipGradNorm([a, b], 100, double.PositiveInfinity));
    }

    [Fact]
    public void Nonfinite_total_throws_before_changing_anything_when_asked()
    {
        var a = WithGrad(Tensor([1f, float.NaN]));
        var b = WithGrad(Tensor([100f]));
        var ex = Assert.Throws<InvalidOperationException>(() => GradientClipping.ClipGradNorm([a, b], 1.0, errorIfNonfinite: true));
        Assert.Contains("non-finite", ex.Message, StringComparison.Ordinal);
        Assert.Equal([100f], b.Grad!.ToArray());

        // without the flag, as torch: the NaN coefficient spreads to every gradient
        Assert.True(float.IsNaN(GradientClipping.ClipGradNorm([a, b], 1.0)));
        Assert.True(float.IsNaN(b.Grad!.AsSpan()[0]));

        var inf = WithGrad(Tensor([float.PositiveInfinity, 1f]));
        Assert.Throws<InvalidOperationException>(() => GradientClipping.ClipGradNorm([inf], 1.0, errorIfNonfinite: true));
        Assert.Equal(float.PositiveInfinity, GradientClipping.ClipGradNorm([inf], 1.0));
        Assert.Equal([float.NaN, 0f], inf.Grad!.ToArray()); // ∞·0 and 1·0, as torch
    }

    [Fact]
    public void Bad_arguments_name_the_problem()
    {
        var a = WithGrad(Tensor([1f]));
        Assert.Throws<ArgumentNullException>(() => GradientClipping.ClipGradNorm(null!, 1.0));
        var ex = Assert.Throws<ArgumentException>(() => GradientClipping.ClipGradNorm([a, null!], 1.0));
        Assert.Contains("parameter 1 is null", ex.Message, StringComparison.Ordinal);
        var neg = Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGradNorm([a], -1.0));
        Assert.Contains("max_norm", neg.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGradNorm([a], double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGradNorm([a], 1.0, double.NaN));
        Assert.Equal([1f], a.Grad!.ToArray());
    }

    [Fact]
    public void Infinity_norm_of_a_sparse_gradient_is_not_supported_as_in_torch()
    {
        var emb = new Parameter(new FloatTensor(4, 2));
        emb.SparseGradForAccumulation().Append(1, [1f, 2f]);
        var ex = Assert.Throws<NotSupportedException>(() => GradientClipping.ClipGradNorm([emb], 1.0, double.PositiveInfinity));
        Assert.Contains("(4, 2)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Borrowed_sparse_entries_are_copied_before_scaling()
    {
        var emb = new Parameter(new FloatTensor(4, 2));
        var upstream = Tensor([3f, 4f]).Reshape(1, 2);
        var ids = new IndexTensor([1L], [1]);
        emb.SparseGradForAccumulation().AppendBorrowed(ids, upstream);
        var total = GradientClipping.ClipGradNorm([emb], 1.0);
        Assert.Equal(5f, total);
        Assert.Equal([3f, 4f], upstream.ToArray()); // the caller's tensor is untouched
        var coef = 1f / (5f + 1e-6f);
        Assert.Equal([3f * coef, 4f * coef], emb.SparseGrad!.Values.ToArray());
    }

    /// <summary>Clipping every training step should not feed the garbage collector: after a warm-up call, a call over
    /// dense gradients allocates at most the caller's enumerator (an array's is 32 bytes).</summary>
    [Fact]
    public void A_warmed_up_call_over_dense_gradients_allocates_at_most_the_enumerator()
    {
        var ps = Enumerable.Range(0, 40).Select(i => WithGrad(Tensor([.. Enumerable.Range(0, 3 + i).Select(j => (float)j)]))).ToArray();
        GradientClipping.ClipGradNorm(ps, 1.0);
        var before = GC.GetAllocatedBytesForCurrentThread();
        GradientClipping.ClipGradNorm(ps, 1.0);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated <= 64, $"{allocated} bytes allocated");
    }

    private static float Square(ReadOnlySpan<float> x)
    {
        var s = 0f;
        foreach (var v in x)
        {
            s += v * v;
        }

        return s;
    }

    private static Parameter WithGrad(FloatTensor grad)
    {
        var p = new Parameter(new FloatTensor(grad.Shape));
        grad.AsSpan().CopyTo(p.DenseGradForAccumulation().AsSpan());
        return p;
    }

    private static FloatTensor Tensor(float[] values)
    {
        var t = new FloatTensor(values.Length);
        values.CopyTo(t.AsSpan());
        return t;
    }

    private static void AssertBits(float want, float got, string what) =>
        Assert.True(BitConverter.SingleToInt32Bits(want) == BitConverter.SingleToInt32Bits(got), $"{what}: {got:R}, torch {want:R}");

    private static void AssertBits(FloatTensor want, FloatTensor got, string what)
    {
        Assert.Equal(want.Shape.ToArray(), got.Shape.ToArray());
        var w = want.AsSpan();
        var g = got.AsSpan();
        for (var i = 0; i < w.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(w[i]) != BitConverter.SingleToInt32Bits(g[i]))
            {
                Assert.Fail($"{what}[{i}]: {g[i]:R}, torch {w[i]:R}");
            }
        }
    }

    private static JsonElement Load(string file) =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "autograd", file))).RootElement;

    private static FloatTensor Decode(JsonElement e)
    {
        long[] shape = [.. e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64())];
        var bytes = Convert.FromBase64String(e.GetProperty("b64").GetString()!);
        var t = new FloatTensor(shape);
        MemoryMarshal.Cast<byte, float>(bytes).CopyTo(t.AsSpan());
        return t;
    }
}
