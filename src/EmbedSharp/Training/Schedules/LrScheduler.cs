using EmbedSharp.Training.Optimizers;

namespace EmbedSharp.Training.Schedules;

/// <summary>
/// Base of the learning-rate schedules: each <see cref="Step"/> advances the epoch count and sets every group's
/// <see cref="ParameterGroup.Lr"/>. torch: <c>torch.optim.lr_scheduler._LRScheduler</c>. As in PyTorch, creating a
/// schedule performs the epoch-0 step (which may already change the learning rates), and the base learning rates are
/// the groups' learning rates at that moment. Call <see cref="Step"/> after <see cref="Optimizer.Step"/>.
/// </summary>
public abstract class LrScheduler
{
    private readonly double[] _baseLrs;
    private readonly double[] _lastLrs;

    private protected LrScheduler(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        var groups = optimizer.ParameterGroups;
        _baseLrs = new double[groups.Count];
        for (var i = 0; i < _baseLrs.Length; i++)
        {
            _baseLrs[i] = groups[i].Lr;
        }

        _lastLrs = (double[])_baseLrs.Clone();
        LastEpoch = -1;
    }

    /// <summary>The optimiser whose groups this schedule drives.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Each group's learning rate when the schedule was created (torch: <c>base_lrs</c>).</summary>
    public IReadOnlyList<double> BaseLrs => _baseLrs;

    /// <summary>Each group's learning rate as set by the last step (torch: <c>get_last_lr()</c>).</summary>
    public IReadOnlyList<double> LastLrs => _lastLrs;

    /// <summary>Steps taken: 0 after construction (torch: <c>last_epoch</c>).</summary>
    public long LastEpoch { get; private set; }

    /// <summary>Advances one epoch (or iteration) and sets every group's learning rate (torch: <c>scheduler.step()</c>).</summary>
    public void Step()
    {
        LastEpoch++;
        var groups = Optimizer.ParameterGroups;
        for (var i = 0; i < _baseLrs.Length; i++)
        {
            var lr = NextLr(LastEpoch, _baseLrs[i], groups[i].Lr);
            groups[i].Lr = lr;
            _lastLrs[i] = lr;
        }
    }

    /// <summary>The learning rate of a group at <paramref name="epoch"/>, from its base and its current learning rate
    /// (PyTorch's chainable <c>get_lr()</c> forms use the current one; reproduce them to match bit for bit).</summary>
    private protected abstract double NextLr(long epoch, double baseLr, double currentLr);

    /// <summary>Performs the epoch-0 step; every derived constructor calls it last, once its fields are set.</summary>
    private protected void InitialStep() => Step();
}
