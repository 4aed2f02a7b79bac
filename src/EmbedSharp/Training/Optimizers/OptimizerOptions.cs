namespace EmbedSharp.Training.Optimizers;

/// <summary>Hyper-parameters every optimiser has: the learning rate and the weight decay (L2 penalty).</summary>
public abstract record OptimizerOptions
{
    /// <summary>Learning rate (torch: <c>lr</c>).</summary>
    public double Lr { get; init; } = 1e-3;

    /// <summary>Weight decay (torch: <c>weight_decay</c>); 0 turns it off.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Maximise the objective instead of minimising it (torch: <c>maximize</c>): the gradient is negated.</summary>
    public bool Maximize { get; init; }

    internal abstract string OptimizerName { get; }

    internal virtual bool SupportsWeightDecay => true;

    /// <summary>Checks every value, with PyTorch's rules.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names it.</exception>
    internal virtual void Validate()
    {
        if (!(Lr >= 0) || double.IsInfinity(Lr))
        {
            throw new ArgumentOutOfRangeException(nameof(Lr), $"Invalid learning rate: {Lr}.");
        }

        CheckWeightDecay(WeightDecay, nameof(WeightDecay));
        if (WeightDecay != 0 && !SupportsWeightDecay)
        {
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), $"{OptimizerName} has no weight decay; got {WeightDecay}.");
        }
    }

    internal static void CheckWeightDecay(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, $"Invalid weight_decay value: {value}.");
        }
    }

    internal static void CheckBeta(double value, int index, string name)
    {
        if (!(value >= 0 && value < 1))
        {
            throw new ArgumentOutOfRangeException(name, $"Invalid beta parameter at index {index}: {value} (must be in [0, 1)).");
        }
    }
}
