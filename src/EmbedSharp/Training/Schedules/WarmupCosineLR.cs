using System.Globalization;
using EmbedSharp.Training.Optimizers;

namespace EmbedSharp.Training.Schedules;

/// <summary>
/// Linear warm-up, then cosine decay to a floor: lr_e = base·f(e), with W = <see cref="WarmupSteps"/>,
/// T = <see cref="TotalSteps"/>, s = <see cref="StartFactor"/>, m = <see cref="MinFactor"/> and, in double precision,
/// <list type="bullet">
/// <item>e &lt; W: f(e) = s + (1 − s)·e / W (from s at step 0 up to 1 at step W);</item>
/// <item>W ≤ e &lt; T: f(e) = m + (1 − m)·0.5·(1 + cos(π·(e − W) / (T − W))) (from 1 at step W down to m at step T);</item>
/// <item>e ≥ T: f(e) = m.</item>
/// </list>
/// torch equivalent (bit-identical: the same double operations in the same order, and <c>Math.Cos</c> and Python's
/// <c>math.cos</c> both call the C library's <c>cos</c>):
/// <c>LambdaLR(opt, lambda e: s + (1.0 - s) * e / W if e &lt; W else (m + (1.0 - m) * 0.5 * (1.0 + math.cos(math.pi * (e - W) / (T - W))) if e &lt; T else m))</c>.
/// </summary>
/// <remarks>Step e uses f(e): creating the schedule sets f(0) (0 with the default start factor, so the first optimiser
/// step then changes nothing but the optimiser's state, as with the usual warm-up from 0). Call
/// <see cref="LrScheduler.Step"/> after each <see cref="Optimizer.Step"/>.</remarks>
public sealed class WarmupCosineLR : LrScheduler
{
    /// <summary>Creates the schedule and performs the epoch-0 step (lr = base·f(0)).</summary>
    /// <param name="optimizer">The optimiser whose groups this schedule drives.</param>
    /// <param name="warmupSteps">W: steps of linear warm-up (0: none, the cosine starts at step 0).</param>
    /// <param name="totalSteps">T: the step at which the factor reaches <paramref name="minFactor"/>; greater than W.</param>
    /// <param name="minFactor">m: the final factor, in [0, 1].</param>
    /// <param name="startFactor">s: the factor at step 0, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">W is negative, T ≤ W, or a factor is outside [0, 1].</exception>
    public WarmupCosineLR(Optimizer optimizer, long warmupSteps, long totalSteps, double minFactor = 0.0, double startFactor = 0.0)
        : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        if (totalSteps <= warmupSteps)
        {
            throw new ArgumentOutOfRangeException(nameof(totalSteps), $"WarmupCosineLR: total steps ({totalSteps}) must exceed the warm-up steps ({warmupSteps}).");
        }

        CheckFactor(minFactor, nameof(minFactor));
        CheckFactor(startFactor, nameof(startFactor));
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
        MinFactor = minFactor;
        StartFactor = startFactor;
        InitialStep();
    }

    /// <summary>W: steps of linear warm-up.</summary>
    public long WarmupSteps { get; }

    /// <summary>T: the step from which the factor is <see cref="MinFactor"/>.</summary>
    public long TotalSteps { get; }

    /// <summary>m: the factor at and after <see cref="TotalSteps"/>.</summary>
    public double MinFactor { get; }

    /// <summary>s: the factor at step 0.</summary>
    public double StartFactor { get; }

    /// <summary>The factor f(<paramref name="epoch"/>) of the formula above (the multiplier of each base learning rate).</summary>
    public double Factor(long epoch)
    {
        if (epoch < WarmupSteps)
        {
            return StartFactor + ((1.0 - StartFactor) * epoch / WarmupSteps);
        }

        if (epoch >= TotalSteps)
        {
            return MinFactor;
        }

        return MinFactor + ((1.0 - MinFactor) * 0.5 * (1.0 + Math.Cos(Math.PI * (epoch - WarmupSteps) / (TotalSteps - WarmupSteps))));
    }

    private protected override double NextLr(long epoch, double baseLr, double currentLr) => baseLr * Factor(epoch);

    private static void CheckFactor(double value, string name)
    {
        if (!(value >= 0 && value <= 1))
        {
            throw new ArgumentOutOfRangeException(name, $"WarmupCosineLR: {name} must be in [0, 1]; got {value.ToString(CultureInfo.InvariantCulture)}.");
        }
    }
}
