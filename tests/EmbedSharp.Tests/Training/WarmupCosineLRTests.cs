using System.Runtime.InteropServices;
using System.Text.Json;
using EmbedSharp.Nn;
using EmbedSharp.Numerics;
using EmbedSharp.Training;
using EmbedSharp.Training.Optimizers;
using EmbedSharp.Training.Schedules;

namespace EmbedSharp.Tests.Training;

/// <summary>
/// <see cref="WarmupCosineLR"/>: the learning rates torch's LambdaLR gave in lm.json (tools/goldens/make_lm.py, the
/// same lambda), compared bit for bit (the same double operations; cos is the C library's in both), the formula's
/// end points, and modules.json's decoder_block.adamw replayed as far as it goes without a forward pass.
/// </summary>
public sealed class WarmupCosineLRTests
{
    private static readonly Lazy<JsonElement> Lm = new(() => Load("lm.json"));
    private static readonly Lazy<JsonElement> Modules = new(() => Load("modules.json"));

    private static Sgd TwoGroups(double lr0 = 0.1, double lr1 = 0.02) => new(
    [
        new ParameterGroup<SgdOptions>([new Parameter(new FloatTensor(2))], new SgdOptions { Lr = lr0 }),
        new ParameterGroup<SgdOptions>([new Parameter(new FloatTensor(3))], new SgdOptions { Lr = lr1 }),
    ]);

    [Fact]
    public void Learning_rates_match_torch_LambdaLR_bit_for_bit()
    {
        var opt = new AdamW([new Parameter(new FloatTensor(1))], new AdamWOptions { Lr = 3e-3 });
        var s = new WarmupCosineLR(opt, warmupSteps: 5, totalSteps: 20, minFactor: 0.1, startFactor: 0.2);
        var steps = Lm.Value.GetProperty("steps");
        Assert.Equal(20, steps.GetArrayLength());
        foreach (var step in steps.EnumerateArray())
        {
            var want = step.GetProperty("lr").GetDouble();
            var got = opt.ParameterGroups[0].Lr;
            Assert.True(BitConverter.DoubleToInt64Bits(want) == BitConverter.DoubleToInt64Bits(got), $"step {step.GetProperty("step")}: {got:R}, torch {want:R}");
            s.Step();
        }
    }

    [Fact]
    public void Factor_rises_linearly_then_falls_along_a_cosine_to_the_floor()
    {
        var opt = TwoGroups();
        var s = new WarmupCosineLR(opt, warmupSteps: 4, totalSteps: 12, minFactor: 0.25);
        Assert.Equal(0, s.Factor(0));
        Assert.Equal(0.5, s.Factor(2));
        Assert.Equal(1, s.Factor(4));
        Assert.Equal(0.25 + (0.75 * 0.5), s.Factor(8), 15); // half-way down the cosine
        Assert.Equal(0.25, s.Factor(12));
        Assert.Equal(0.25, s.Factor(1000));
        for (var e = 1; e <= 4; e++)
        {
            Assert.True(s.Factor(e) > s.Factor(e - 1));
        }

        for (var e = 5; e <= 12; e++)
        {
            Assert.True(s.Factor(e) < s.Factor(e - 1));
        }

        for (var e = 0; e < 15; e++)
        {
            Assert.Equal(e, s.LastEpoch);
            Assert.Equal(0.1 * s.Factor(e), opt.ParameterGroups[0].Lr);
            Assert.Equal(0.02 * s.Factor(e), s.LastLrs[1]);
            s.Step();
        }

        Assert.Equal([0.1, 0.02], s.BaseLrs);
    }

    [Fact]
    public void No_warmup_starts_the_cosine_at_step_zero()
    {
        var opt = TwoGroups();
        var s = new WarmupCosineLR(opt, warmupSteps: 0, totalSteps: 2);
        Assert.Equal(0.1, opt.ParameterGroups[0].Lr);
        s.Step();
        Assert.Equal(0.05, opt.ParameterGroups[0].Lr, 15);
        s.Step();
        Assert.Equal(0, opt.ParameterGroups[0].Lr);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => new WarmupCosineLR(null!, 1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosineLR(TwoGroups(), -1, 2));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosineLR(TwoGroups(), 5, 5));
        Assert.Contains("total steps (5) must exceed the warm-up steps (5)", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosineLR(TwoGroups(), 1, 2, minFactor: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosineLR(TwoGroups(), 1, 2, minFactor: double.NaN));
        var start = Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosineLR(TwoGroups(), 1, 2, startFactor: -0.1));
        Assert.Contains("startFactor", start.Message, StringComparison.Ordinal);
    }

    /// <summary>modules.json decoder_block.adamw: 3 steps of clip + AdamW + LambdaLR. Steps 2 and 3 need the model's
    /// forward pass (their gradients are not recorded), so step 1 is replayed: its gradients are decoder_block's grads
    /// (same parameters, same g), clipped, then AdamW (lr 1e-2 base, weight decay 0.01) at the recorded lr_used 0.005.
    /// That lambda, f(e) = (e+1)/2 for e &lt; 2, warms up from 1/W rather than from a start factor, so it is not a
    /// WarmupCosineLR from step 2 on; the learning rate is taken from the record. Bit for bit.</summary>
    [Fact]
    public void Decoder_block_adamw_first_step_matches_torch_bit_for_bit()
    {
        var rec = Modules.Value.GetProperty("decoder_block");
        var names = rec.GetProperty("named_parameters").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var ps = names.Select(n =>
        {
            var p = new Parameter(Decode(rec.GetProperty("params").GetProperty(n)));
            Decode(rec.GetProperty("grads").GetProperty(n)).AsSpan().CopyTo(p.DenseGradForAccumulation().AsSpan());
            return p;
        }).ToArray();
        var step = rec.GetProperty("adamw").GetProperty("steps")[0];
        var opt = new AdamW(ps, new AdamWOptions { Lr = 1e-2, WeightDecay = 0.01 });
        opt.ParameterGroups[0].Lr = step.GetProperty("lr_used").GetDouble();

        var total = GradientClipping.ClipGradNorm(ps, 1.0);
        opt.Step();

        Assert.Equal(BitConverter.SingleToInt32Bits(Decode(step.GetProperty("total_norm_before_clip")).AsSpan()[0]), BitConverter.SingleToInt32Bits(total));
        for (var i = 0; i < names.Length; i++)
        {
            var want = Decode(step.GetProperty("params").GetProperty(names[i])).AsSpan();
            var got = ps[i].Value.AsSpan();
            for (var j = 0; j < want.Length; j++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(want[j]) == BitConverter.SingleToInt32Bits(got[j]), $"{names[i]}[{j}]: {got[j]:R}, torch {want[j]:R}");
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
