using EmbedSharp.Training.Optimizers;

namespace EmbedSharp.Training.Schedules;

/// <summary>
/// Multiplies the learning rate by γ every <see cref="StepSize"/> steps: lr_e = lr_{e-1}·γ when e &gt; 0 and
/// e mod stepSize = 0 (closed form base·γ^⌊e/stepSize⌋). torch: <c>torch.optim.lr_scheduler.StepLR</c>; the same double
/// products, so the values are bit-identical.
/// </summary>
public sealed class StepLR : LrScheduler
{
    /// <summary>Creates the schedule and performs the epoch-0 step (which leaves the learning rates unchanged).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepSize"/> is not positive or <paramref name="gamma"/> is not finite.</exception>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1)
        : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSize);
        if (!double.IsFinite(gamma) || gamma < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), $"gamma must be finite and non-negative; got {gamma}.");
        }

        StepSize = stepSize;
        Gamma = gamma;
        InitialStep();
    }

    /// <summary>Steps between decays (torch: <c>step_size</c>).</summary>
    public int StepSize { get; }

    /// <summary>Decay factor (torch: <c>gamma</c>).</summary>
    public double Gamma { get; }

    private protected override double NextLr(long epoch, double baseLr, double currentLr) =>
        epoch == 0 || epoch % StepSize != 0 ? currentLr : currentLr * Gamma;
}
