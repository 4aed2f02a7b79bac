using EmbedSharp.Training.Optimizers;

namespace EmbedSharp.Training.Schedules;

/// <summary>
/// Scales the learning rate by a factor going linearly from <see cref="StartFactor"/> to <see cref="EndFactor"/> over
/// <see cref="TotalIters"/> steps, then keeps it: lr_e = base·(s + (f - s)·min(e, n)/n). torch:
/// <c>torch.optim.lr_scheduler.LinearLR</c>, using its chainable form lr_e = lr_{e-1}·(1 + (f-s)/(n·s + (e-1)(f-s)))
/// so the values are bit-identical.
/// </summary>
public sealed class LinearLR : LrScheduler
{
    /// <summary>Creates the schedule and performs the epoch-0 step (lr = base·startFactor).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A factor is outside (0, 1] (start) or [0, 1] (end), or totalIters ≤ 0.</exception>
    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5)
        : base(optimizer)
    {
        if (!(startFactor > 0 && startFactor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(startFactor), $"Starting multiplicative factor expected to be in (0, 1]; got {startFactor}.");
        }

        if (!(endFactor >= 0 && endFactor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(endFactor), $"Ending multiplicative factor expected to be between 0 and 1; got {endFactor}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalIters);
        StartFactor = startFactor;
        EndFactor = endFactor;
        TotalIters = totalIters;
        InitialStep();
    }

    /// <summary>Factor at epoch 0 (torch: <c>start_factor</c>).</summary>
    public double StartFactor { get; }

    /// <summary>Factor from epoch <see cref="TotalIters"/> on (torch: <c>end_factor</c>).</summary>
    public double EndFactor { get; }

    /// <summary>Steps over which the factor changes (torch: <c>total_iters</c>).</summary>
    public int TotalIters { get; }

    private protected override double NextLr(long epoch, double baseLr, double currentLr)
    {
        if (epoch == 0)
        {
            return currentLr * StartFactor;
        }

        if (epoch > TotalIters)
        {
            return currentLr;
        }

        return currentLr * (1.0 + ((EndFactor - StartFactor) / ((TotalIters * StartFactor) + ((epoch - 1) * (EndFactor - StartFactor)))));
    }
}
