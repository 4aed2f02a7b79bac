using EmbedSharp.Nn;

namespace EmbedSharp.Training.Optimizers;

/// <summary>
/// A set of parameters that share hyper-parameters inside an optimiser (torch: one entry of
/// <c>optimizer.param_groups</c>). <see cref="Lr"/> and <see cref="WeightDecay"/> may change between steps (LR
/// schedules set <see cref="Lr"/>); the other hyper-parameters are fixed in <see cref="ParameterGroup{TOptions}.Options"/>.
/// </summary>
public abstract class ParameterGroup
{
    private readonly Parameter[] _parameters;
    private double _lr;
    private double _weightDecay;

    private protected ParameterGroup(IEnumerable<Parameter> parameters, OptimizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _parameters = [.. parameters];
        for (var i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i] is null)
            {
                throw new ArgumentException($"Parameter {i} of the group is null.", nameof(parameters));
            }

            for (var j = 0; j < i; j++)
            {
                if (ReferenceEquals(_parameters[i], _parameters[j]))
                {
                    throw new ArgumentException($"Parameters {j} and {i} of the group are the same parameter.", nameof(parameters));
                }
            }
        }

        BaseOptions = options;
        _lr = options.Lr;
        _weightDecay = options.WeightDecay;
    }

    /// <summary>The parameters of the group, in the order given.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    internal Parameter[] Items => _parameters;

    private protected OptimizerOptions BaseOptions { get; }

    /// <summary>The current learning rate (torch: <c>group['lr']</c>); starts at the options' <c>Lr</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative, NaN or infinite.</exception>
    public double Lr
    {
        get => _lr;
        set
        {
            if (!(value >= 0) || double.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), $"Invalid learning rate: {value}.");
            }

            _lr = value;
        }
    }

    /// <summary>The current weight decay (torch: <c>group['weight_decay']</c>); starts at the options' <c>WeightDecay</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative, NaN or infinite.</exception>
    /// <exception cref="NotSupportedException">The optimiser has no weight decay (SparseAdam) and the value is not 0.</exception>
    public double WeightDecay
    {
        get => _weightDecay;
        set
        {
            OptimizerOptions.CheckWeightDecay(value, nameof(value));
            if (value != 0 && !BaseOptions.SupportsWeightDecay)
            {
                throw new NotSupportedException($"{BaseOptions.OptimizerName} has no weight decay; got {value}.");
            }

            _weightDecay = value;
        }
    }
}

/// <summary>A parameter group with the hyper-parameters of one optimiser type.</summary>
/// <typeparam name="TOptions">The optimiser's options, for example <see cref="SgdOptions"/>.</typeparam>
public sealed class ParameterGroup<TOptions> : ParameterGroup
    where TOptions : OptimizerOptions
{
    /// <summary>Creates a group. Derive per-group options from shared defaults with <c>defaults with { Lr = 0.01 }</c>.</summary>
    /// <exception cref="ArgumentException">A parameter is null or listed twice, or an option is out of range.</exception>
    public ParameterGroup(IEnumerable<Parameter> parameters, TOptions options)
        : base(parameters, options)
    {
        Options = options;
    }

    /// <summary>The hyper-parameters the group was created with (its <c>Lr</c> and <c>WeightDecay</c> are the initial
    /// values: the group's own <see cref="ParameterGroup.Lr"/> and <see cref="ParameterGroup.WeightDecay"/> are current).</summary>
    public TOptions Options { get; }
}
