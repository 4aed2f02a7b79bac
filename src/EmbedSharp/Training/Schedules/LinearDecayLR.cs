using EmbedSharp.Training.Optimizers;

namespace EmbedSharp.Training.Schedules;

/// <summary>
/// Linear decay to zero over <see cref="TotalSteps"/> steps, as fastText trains: lr_e = base·max(0, 1 - e/N).
/// torch equivalent: <c>LambdaLR(opt, lambda e: max(0.0, 1.0 - e / N))</c> (bit-identical, closed form in double).
/// </summary>
public sealed class LinearDecayLR : LrScheduler
{
    /// <summary>Creates the schedule and performs the epoch-0 step (lr = base).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="totalSteps"/> is not positive.</exception>
    public LinearDecayLR(Optimizer optimizer, long totalSteps)
        : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        TotalSteps = totalSteps;
        InitialStep();
    }

    /// <summary>Steps after which the learning rate is 0.</summary>
    public long TotalSteps { get; }

    private protected override double NextLr(long epoch, double baseLr, double currentLr) =>
        baseLr * Math.Max(0.0, 1.0 - ((double)epoch / TotalSteps));
}
