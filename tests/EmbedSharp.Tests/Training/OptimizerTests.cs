using EmbedSharp.Nn;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Training.Optimizers;

namespace EmbedSharp.Tests.Training;

public sealed class OptimizerTests
{
    private static Parameter RandomParameter(Generator g, params long[] shape)
    {
        var t = new FloatTensor(shape);
        Distributions.Normal(g, t, 0, 1);
        return new Parameter(t);
    }

    private static void FillDense(Parameter p, Generator g)
    {
        var grad = p.DenseGradForAccumulation();
        Distributions.Normal(g, grad, 0, 1);
    }

    private static void FillSparse(Parameter p, ReadOnlySpan<long> rows, float scale = 1f)
    {
        var s = p.SparseGradForAccumulation();
        for (var k = 0; k < rows.Length; k++)
        {
            var row = s.Append(rows[k]);
            for (var j = 0; j < row.Length; j++)
            {
                row[j] = scale * (((k + 1) * 0.37f) - (j * 0.11f));
            }
        }
    }

    private static uint[] Bits(FloatTensor t) => t.ToArray().Select(BitConverter.SingleToUInt32Bits).ToArray();

    public static TheoryData<string> AllOptimizers() => new() { "sgd", "sgd-sparse", "sgd-sparse-momentum", "adam", "adamw", "adagrad", "adagrad-sparse", "sparse-adam" };

    private static (Optimizer Optimizer, bool Sparse) Make(string kind, IEnumerable<Parameter> ps) => kind switch
    {
        "sgd" => (new Sgd(ps, new SgdOptions { Lr = 0.1, Momentum = 0.9, Nesterov = true, WeightDecay = 0.01 }), false),
        "sgd-sparse" => (new Sgd(ps, new SgdOptions { Lr = 0.1 }), true),
        "sgd-sparse-momentum" => (new Sgd(ps, new SgdOptions { Lr = 0.1, Momentum = 0.9 }), true),
        "adam" => (new Adam(ps, new AdamOptions { Lr = 0.01, WeightDecay = 0.1, Amsgrad = true }), false),
        "adamw" => (new AdamW(ps, new AdamWOptions { Lr = 0.01, Amsgrad = true }), false),
        "adagrad" => (new Adagrad(ps, new AdagradOptions { Lr = 0.1, WeightDecay = 0.1, LrDecay = 0.01 }), false),
        "adagrad-sparse" => (new Adagrad(ps, new AdagradOptions { Lr = 0.1, InitialAccumulatorValue = 0.1 }), true),
        "sparse-adam" => (new SparseAdam(ps, new SparseAdamOptions { Lr = 0.01 }), true),
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [MemberData(nameof(AllOptimizers))]
    public void A_warmed_up_step_allocates_nothing(string kind)
    {
        var g = new Generator(1);
        var p = RandomParameter(g, 300, 19); // several 256-element blocks, and frozen rows split the runs
        p.SetRowsFrozen([3, 4, 100]);
        var (opt, sparse) = Make(kind, [p]);
        long[] rows = [5, 2, 5, 299, 5, 0];
        void Fill()
        {
            p.ZeroGrad();
            if (sparse)
            {
                FillSparse(p, rows);
            }
            else
            {
                FillDense(p, g);
            }
        }

        for (var i = 0; i < 3; i++)
        {
            Fill();
            opt.Step();
        }

        Fill();
        var before = GC.GetAllocatedBytesForCurrentThread();
        opt.Step();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{kind}: a warmed-up Step() allocated {allocated} bytes.");
    }

    [Theory]
    [MemberData(nameof(AllOptimizers))]
    public void Frozen_rows_stay_bit_identical_and_the_others_move(string kind)
    {
        var g = new Generator(2);
        var p = RandomParameter(g, 12, 7);
        long[] frozen = [0, 5, 6, 11];
        p.SetRowsFrozen(frozen);
        var initial = p.Value.Clone();
        var (opt, sparse) = Make(kind, [p]);
        for (var i = 0; i < 5; i++)
        {
            p.ZeroGrad();
            if (sparse)
            {
                FillSparse(p, [0, 1, 5, 1, 11, 8]);
            }
            else
            {
                FillDense(p, g);
            }

            opt.Step();
        }

        for (long r = 0; r < 12; r++)
        {
            var same = initial.Row(r).SequenceEqual(p.Value.Row(r));
            if (frozen.Contains(r))
            {
                Assert.True(same, $"{kind}: frozen row {r} changed.");
            }
            else if (!sparse || r is 1 or 8)
            {
                Assert.False(same, $"{kind}: row {r} did not move.");
            }
            else
            {
                Assert.True(same, $"{kind}: row {r} had no gradient but changed.");
            }
        }
    }

    [Fact]
    public void A_frozen_row_keeps_no_momentum_for_when_it_is_unfrozen()
    {
        var g = new Generator(3);
        var p = RandomParameter(g, 4, 9);
        p.SetRowsFrozen([2]);
        var opt = new Sgd([p], new SgdOptions { Lr = 0.1, Momentum = 0.9 });
        for (var i = 0; i < 4; i++)
        {
            p.ZeroGrad();
            FillDense(p, g);
            opt.Step();
        }

        p.SetRowsFrozen([2], frozen: false);
        p.ZeroGrad();
        FillDense(p, g);
        var expected = p.Value.Row(2).ToArray();
        var grad = p.Grad!.Row(2);
        for (var j = 0; j < expected.Length; j++)
        {
            expected[j] = MathF.FusedMultiplyAdd(grad[j], -0.1f, expected[j]); // the buffer row was never written: b = g
        }

        opt.Step();
        Assert.Equal(expected, p.Value.Row(2).ToArray());
    }

    [Theory]
    [MemberData(nameof(AllOptimizers))]
    public void Parameters_without_requires_grad_without_gradient_or_outside_the_optimizer_never_change(string kind)
    {
        var g = new Generator(4);
        var trained = RandomParameter(g, 6, 5);
        var noGrad = RandomParameter(g, 6, 5);
        noGrad.RequiresGrad = false;
        var noGradient = RandomParameter(g, 6, 5);
        var outside = RandomParameter(g, 6, 5);
        var (opt, sparse) = Make(kind, [trained, noGrad, noGradient]);
        var before = new[] { noGrad, noGradient, outside }.Select(p => Bits(p.Value)).ToArray();
        for (var i = 0; i < 3; i++)
        {
            foreach (var p in new[] { trained, noGrad, outside })
            {
                p.ZeroGrad();
                if (sparse)
                {
                    FillSparse(p, [1, 3, 1]);
                }
                else
                {
                    FillDense(p, g);
                }
            }

            opt.Step();
        }

        Assert.Equal(before[0], Bits(noGrad.Value));
        Assert.Equal(before[1], Bits(noGradient.Value));
        Assert.Equal(before[2], Bits(outside.Value));
    }

    [Fact]
    public void ZeroGrad_clears_every_gradient_of_every_group()
    {
        var g = new Generator(5);
        var a = RandomParameter(g, 3, 2);
        var b = RandomParameter(g, 3, 2);
        var opt = new Sgd([new ParameterGroup<SgdOptions>([a], new SgdOptions { Lr = 0.1 }), new ParameterGroup<SgdOptions>([b], new SgdOptions { Lr = 0.2 })]);
        FillDense(a, g);
        FillSparse(b, [0, 2]);
        opt.ZeroGrad();
        Assert.Null(a.Grad);
        Assert.Null(b.SparseGrad);
    }

    [Fact]
    public void A_new_group_learning_rate_applies_from_the_next_step()
    {
        var p = new Parameter(FloatTensor.FromArray([1f, 2f], 2));
        var opt = new Sgd([p], new SgdOptions { Lr = 0.5 });
        opt.Groups[0].Lr = 0.25;
        p.DenseGradForAccumulation().CopyFrom([4f, 8f]);
        opt.Step();
        Assert.Equal([0f, 0f], p.Value.ToArray());
        Assert.Equal(0.5, opt.Groups[0].Options.Lr);
    }

    [Fact]
    public void Adam_rejects_a_sparse_gradient_as_pytorch_does_and_changes_nothing()
    {
        var g = new Generator(6);
        var dense = RandomParameter(g, 4, 3);
        var sparse = RandomParameter(g, 4, 3);
        var opt = new Adam([dense, sparse], new AdamOptions());
        FillDense(dense, g);
        FillSparse(sparse, [1]);
        var before = Bits(dense.Value);
        var e = Assert.Throws<NotSupportedException>(opt.Step);
        Assert.Contains("Adam does not support sparse gradients, please consider SparseAdam instead", e.Message);
        Assert.Contains("parameter 1 of group 0, shape (4, 3)", e.Message);
        Assert.Equal(before, Bits(dense.Value)); // validated before any update

        var w = new AdamW([sparse]);
        Assert.Contains("AdamW does not support sparse gradients", Assert.Throws<NotSupportedException>(w.Step).Message);
    }

    [Fact]
    public void SparseAdam_rejects_a_dense_gradient_as_pytorch_does()
    {
        var p = RandomParameter(new Generator(7), 4, 3);
        var opt = new SparseAdam([p]);
        FillDense(p, new Generator(8));
        var e = Assert.Throws<NotSupportedException>(opt.Step);
        Assert.Contains("SparseAdam does not support dense gradients, please consider Adam instead", e.Message);
    }

    [Fact]
    public void Weight_decay_with_a_sparse_gradient_is_rejected_by_SGD_and_Adagrad()
    {
        var p = RandomParameter(new Generator(9), 4, 3);
        var before = Bits(p.Value);
        FillSparse(p, [2]);
        var sgd = new Sgd([p], new SgdOptions { Lr = 0.1, WeightDecay = 0.01 });
        Assert.Contains("weight decay 0.01", Assert.Throws<NotSupportedException>(sgd.Step).Message);
        var ada = new Adagrad([p], new AdagradOptions { WeightDecay = 0.5 });
        Assert.Contains("not compatible with sparse gradients", Assert.Throws<NotSupportedException>(ada.Step).Message);
        Assert.Equal(before, Bits(p.Value));
    }

    [Fact]
    public void Bad_hyper_parameters_are_rejected_with_their_values()
    {
        Parameter[] ps = [new Parameter(new FloatTensor(2))];
        Assert.Contains("-0.1", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(ps, new SgdOptions { Lr = -0.1 })).Message);
        Assert.Contains("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(ps, new SgdOptions { Momentum = -1 })).Message);
        Assert.Contains("Nesterov momentum requires", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(ps, new SgdOptions { Nesterov = true })).Message);
        Assert.Contains("dampening 0.5", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(ps, new SgdOptions { Momentum = 0.9, Dampening = 0.5, Nesterov = true })).Message);
        Assert.Contains("index 1: 1", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(ps, new AdamOptions { Beta2 = 1 })).Message);
        Assert.Contains("index 0: -0.1", Assert.Throws<ArgumentOutOfRangeException>(() => new SparseAdam(ps, new SparseAdamOptions { Beta1 = -0.1 })).Message);
        Assert.Contains("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(ps, new AdamOptions { Eps = -1 })).Message);
        Assert.Contains("weight_decay value: NaN", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(ps, new AdamOptions { WeightDecay = double.NaN })).Message);
        Assert.Contains("lr_decay", Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(ps, new AdagradOptions { LrDecay = -1 })).Message);
        Assert.Contains("initial_accumulator_value", Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(ps, new AdagradOptions { InitialAccumulatorValue = -1 })).Message);
        Assert.Contains("lr > 0", Assert.Throws<ArgumentOutOfRangeException>(() => new SparseAdam(ps, new SparseAdamOptions { Lr = 0 })).Message);

        var opt = new SparseAdam(ps);
        Assert.Throws<NotSupportedException>(() => opt.ParameterGroups[0].WeightDecay = 0.1);
        Assert.Contains("Invalid learning rate: -1", Assert.Throws<ArgumentOutOfRangeException>(() => opt.ParameterGroups[0].Lr = -1).Message);
        Assert.Equal(1e-3, opt.ParameterGroups[0].Lr);
    }

    [Fact]
    public void Parameter_lists_must_be_non_empty_and_without_repeats()
    {
        var a = new Parameter(new FloatTensor(2, 2));
        Assert.Contains("empty parameter list", Assert.Throws<ArgumentException>(() => new Sgd([], new SgdOptions())).Message);
        Assert.Contains("Parameters 0 and 1", Assert.Throws<ArgumentException>(() => new Sgd([a, a], new SgdOptions())).Message);
        var e = Assert.Throws<ArgumentException>(() => new Adam(
            [new ParameterGroup<AdamOptions>([a], new AdamOptions()), new ParameterGroup<AdamOptions>([a], new AdamOptions { Lr = 0.1 })]));
        Assert.Contains("groups 0 and 1", e.Message);
        Assert.Contains("(2, 2)", e.Message);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    [InlineData("adagrad")]
    public void A_chunked_parameter_with_frozen_rows_updates_like_a_single_array(string kind)
    {
        var g = new Generator(10);
        var chunked = new Parameter(new FloatTensor([40, 3], 24)); // 8 rows per chunk: the gradient and state are one array
        Distributions.Normal(g, chunked.Value, 0, 1);
        Assert.True(chunked.Value.ChunkCount > 1);
        var plain = new Parameter(chunked.Value.Clone());
        chunked.SetRowsFrozen([7, 8, 30]);
        plain.SetRowsFrozen([7, 8, 30]);
        var a = Make(kind, [chunked]).Optimizer;
        var b = Make(kind, [plain]).Optimizer;
        for (var i = 0; i < 3; i++)
        {
            chunked.ZeroGrad();
            plain.ZeroGrad();
            FillDense(chunked, g);
            plain.DenseGradForAccumulation().CopyFrom(chunked.Grad!.ToArray());
            a.Step();
            b.Step();
        }

        Assert.Equal(Bits(plain.Value), Bits(chunked.Value));
    }

    [Fact]
    public void Kernels_match_a_scalar_reference_at_every_length_and_block_boundary()
    {
        var g = new Generator(11);
        foreach (var n in Enumerable.Range(0, 40).Concat([255, 256, 257, 511, 512, 513, 777]))
        {
            float[] Rand()
            {
                var t = new FloatTensor(Math.Max(n, 1));
                Distributions.Normal(g, t, 0, 1);
                return t.ToArray()[..n];
            }

            var p = Rand();
            var grad = Rand();
            var m = Rand();
            var v = Rand().Select(MathF.Abs).ToArray();
            var vmax = v.Select(x => x * 1.01f).ToArray();
            var s = new AdamScalars(0.9f, 0.1f, 0.999f, (float)(1 - 0.999), 0.3f, 1e-8f, -0.01f, 0.05f, 1f, Maximize: true);
            var (rp, rm, rv, rx) = ((float[])p.Clone(), (float[])m.Clone(), (float[])v.Clone(), (float[])vmax.Clone());
            for (var i = 0; i < n; i++)
            {
                var t = MathF.FusedMultiplyAdd(rp[i], s.WeightDecay, -grad[i]);
                rm[i] = MathF.FusedMultiplyAdd(t, s.OneMinusBeta1, rm[i] * s.Beta1);
                rv[i] = MathF.FusedMultiplyAdd(s.OneMinusBeta2 * t, t, rv[i] * s.Beta2);
                rx[i] = MathF.Max(rx[i], rv[i]);
                var denom = (MathF.Sqrt(rx[i]) / s.BiasCorrection2Sqrt) + s.Eps;
                rp[i] += s.NegStepSize * rm[i] / denom;
            }

            Kernels.Adam(p, grad, m, v, vmax, s);
            Assert.Equal(rp.Select(BitConverter.SingleToUInt32Bits), p.Select(BitConverter.SingleToUInt32Bits));
            Assert.Equal(rx.Select(BitConverter.SingleToUInt32Bits), vmax.Select(BitConverter.SingleToUInt32Bits));

            var q = Rand();
            var buf = Rand();
            var (rq, rb) = ((float[])q.Clone(), (float[])buf.Clone());
            var ss = new SgdScalars(-0.1f, 0.01f, 0.9f, 0.8f, Nesterov: true, Maximize: false);
            for (var i = 0; i < n; i++)
            {
                var d = MathF.FusedMultiplyAdd(rq[i], ss.WeightDecay, grad[i]);
                rb[i] = MathF.FusedMultiplyAdd(d, ss.OneMinusDampening, rb[i] * ss.Momentum);
                d = MathF.FusedMultiplyAdd(rb[i], ss.Momentum, d);
                rq[i] = MathF.FusedMultiplyAdd(d, ss.NegLr, rq[i]);
            }

            Kernels.Sgd(q, grad, buf, first: false, ss);
            Assert.Equal(rq.Select(BitConverter.SingleToUInt32Bits), q.Select(BitConverter.SingleToUInt32Bits));
            Assert.Equal(rb.Select(BitConverter.SingleToUInt32Bits), buf.Select(BitConverter.SingleToUInt32Bits));
        }
    }

    [Fact]
    public void One_mse_gradient_on_a_few_rows_and_an_sgd_step_change_only_those_rows()
    {
        // The tutorial: an embedding table, a batch of indices, MSE against targets, one sparse SGD step.
        var g = new Generator(12);
        var table = RandomParameter(g, 10, 4);
        var before = table.Value.Clone();
        long[] batch = [2, 7, 2];
        float[][] targets = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]];
        var sparse = table.SparseGradForAccumulation();
        var count = batch.Length * 4f;
        for (var k = 0; k < batch.Length; k++)
        {
            var row = sparse.Append(batch[k]);
            var w = table.Value.Row(batch[k]);
            for (var j = 0; j < 4; j++)
            {
                row[j] = 2f * (w[j] - targets[k][j]) / count; // d/dw of mean((w - y)²)
            }
        }

        new Sgd([table], new SgdOptions { Lr = 0.5 }).Step();
        for (long r = 0; r < 10; r++)
        {
            var changed = !before.Row(r).SequenceEqual(table.Value.Row(r));
            Assert.Equal(r is 2 or 7, changed);
        }

        for (var j = 0; j < 4; j++)
        {
            var w7 = before.Row(7)[j];
            Assert.Equal(MathF.FusedMultiplyAdd(2f * (w7 - targets[1][j]) / count, -0.5f, w7), table.Value.Row(7)[j]);
            var w2 = before.Row(2)[j];
            var once = MathF.FusedMultiplyAdd(2f * (w2 - targets[0][j]) / count, -0.5f, w2);
            Assert.Equal(MathF.FusedMultiplyAdd(2f * (w2 - targets[2][j]) / count, -0.5f, once), table.Value.Row(2)[j]);
        }
    }

    [Fact]
    public void Sparse_duplicates_are_summed_before_Adagrad_and_SparseAdam_but_not_before_plain_SGD()
    {
        var a = new Parameter(FloatTensor.FromArray([1f, 1f, 1f, 1f], 2, 2));
        var b = new Parameter(FloatTensor.FromArray([1f, 1f, 1f, 1f], 2, 2));
        a.SparseGradForAccumulation().Append(1, [0.5f, 0.25f]);
        a.SparseGrad!.Append(1, [0.5f, 0.25f]);
        b.SparseGradForAccumulation().Append(1, [1f, 0.5f]);
        new Adagrad([a], new AdagradOptions { Lr = 0.1 }).Step();
        new Adagrad([b], new AdagradOptions { Lr = 0.1 }).Step();
        Assert.Equal(Bits(b.Value), Bits(a.Value));
        Assert.Equal([1f, 1f], a.Value.Row(0).ToArray());
    }
}
