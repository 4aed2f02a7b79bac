using EmbedSharp.Nn;
using EmbedSharp.Numerics;
using EmbedSharp.Training.Optimizers;
using EmbedSharp.Training.Schedules;

namespace EmbedSharp.Tests.Training;

public sealed class ScheduleTests
{
    private static Sgd TwoGroups(double lr0 = 0.1, double lr1 = 0.02) => new(
    [
        new ParameterGroup<SgdOptions>([new Parameter(new FloatTensor(2))], new SgdOptions { Lr = lr0 }),
        new ParameterGroup<SgdOptions>([new Parameter(new FloatTensor(3))], new SgdOptions { Lr = lr1 }),
    ]);

    [Fact]
    public void StepLR_multiplies_every_group_by_gamma_every_step_size_steps()
    {
        var opt = TwoGroups();
        var s = new StepLR(opt, stepSize: 2, gamma: 0.5);
        Assert.Equal(0, s.LastEpoch);
        double[] expected0 = [0.1, 0.1, 0.05, 0.05, 0.025];
        for (var e = 0; e < expected0.Length; e++)
        {
            Assert.Equal(expected0[e], opt.ParameterGroups[0].Lr, 15);
            Assert.Equal(expected0[e] / 5, opt.ParameterGroups[1].Lr, 15);
            s.Step();
        }

        Assert.Equal([0.1, 0.02], s.BaseLrs);
    }

    [Fact]
    public void LinearLR_goes_from_start_to_end_factor_then_holds()
    {
        var opt = TwoGroups();
        var s = new LinearLR(opt, startFactor: 0.25, endFactor: 1.0, totalIters: 3);
        for (var e = 0; e <= 6; e++)
        {
            var factor = 0.25 + (0.75 * Math.Min(e, 3) / 3);
            Assert.Equal(0.1 * factor, opt.ParameterGroups[0].Lr, 14);
            Assert.Equal(0.02 * factor, s.LastLrs[1], 14);
            s.Step();
        }
    }

    [Fact]
    public void LinearDecayLR_reaches_zero_after_total_steps_and_stays_there()
    {
        var opt = TwoGroups();
        var s = new LinearDecayLR(opt, totalSteps: 4);
        double[] expected = [0.1, 0.075, 0.05, 0.025, 0, 0, 0];
        foreach (var lr in expected)
        {
            Assert.Equal(lr, opt.ParameterGroups[0].Lr, 15);
            s.Step();
        }
    }

    [Fact]
    public void Bad_schedule_arguments_are_rejected_with_their_values()
    {
        var opt = TwoGroups();
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(opt, stepSize: 0));
        Assert.Contains("-1", Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(opt, 1, gamma: -1)).Message);
        Assert.Contains("0", Assert.Throws<ArgumentOutOfRangeException>(() => new LinearLR(opt, startFactor: 0)).Message);
        Assert.Contains("1.5", Assert.Throws<ArgumentOutOfRangeException>(() => new LinearLR(opt, endFactor: 1.5)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearLR(opt, totalIters: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearDecayLR(opt, 0));
        Assert.Throws<ArgumentNullException>(() => new LinearDecayLR(null!, 3));
        Assert.Equal(0.1, opt.ParameterGroups[0].Lr); // a rejected schedule changed nothing
    }
}
