using EmbedSharp.Nn;
using EmbedSharp.Numerics;

namespace EmbedSharp.Training.Optimizers;

/// <summary>Hyper-parameters of <see cref="SparseAdam"/> (torch: the arguments of <c>torch.optim.SparseAdam</c>; no weight decay).</summary>
public sealed record SparseAdamOptions : OptimizerOptions
{
    /// <summary>Decay of the first moment β1 (torch: <c>betas[0]</c>).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Decay of the second moment β2 (torch: <c>betas[1]</c>).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Term added to the denominator (torch: <c>eps</c>).</summary>
    public double Eps { get; init; } = 1e-8;

    internal override string OptimizerName => "SparseAdam";

    internal override bool SupportsWeightDecay => false;

    internal override void Validate()
    {
        base.Validate();
        if (!(Lr > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(Lr), $"Invalid learning rate: {Lr} (SparseAdam needs lr > 0).");
        }

        if (!(Eps > 0) || double.IsInfinity(Eps))
        {
            throw new ArgumentOutOfRangeException(nameof(Eps), $"Invalid epsilon value: {Eps}.");
        }

        CheckBeta(Beta1, 0, nameof(Beta1));
        CheckBeta(Beta2, 1, nameof(Beta2));
    }
}

/// <summary>
/// Adam for sparse row gradients (embedding tables with <c>sparse: true</c>). torch: <c>torch.optim.SparseAdam</c>,
/// bit-exact on CPU float32. The gradient is coalesced as torch coalesces it (a row's duplicates summed in the order of torch's sort of the rows, see <see cref="SparseGradient.CoalesceInto"/>); only its rows' moments
/// and values change: m += (g - m)(1-β1); v += (g² - v)(1-β2); p -= lr·sqrt(1-β2ᵗ)/(1-β1ᵗ) · m/(sqrt(v) + eps),
/// where t counts this parameter's steps (every step with a gradient, whichever rows it has).
/// </summary>
/// <remarks>A dense gradient throws <see cref="NotSupportedException"/>, as in PyTorch.</remarks>
public sealed class SparseAdam : Optimizer
{
    private readonly ParameterGroup<SparseAdamOptions>[] _groups;
    private readonly State?[][] _state;

    /// <summary>One group of <paramref name="parameters"/> with <paramref name="options"/> (default: torch's defaults).</summary>
    public SparseAdam(IEnumerable<Parameter> parameters, SparseAdamOptions? options = null)
        : this([new ParameterGroup<SparseAdamOptions>(parameters, options ?? new SparseAdamOptions())])
    {
    }

    /// <summary>Several groups, each with its own options.</summary>
    /// <exception cref="ArgumentException">No parameters, or a parameter in two groups.</exception>
    public SparseAdam(IEnumerable<ParameterGroup<SparseAdamOptions>> groups)
        : this(ToArray(groups))
    {
    }

    private SparseAdam(ParameterGroup<SparseAdamOptions>[] groups)
        : base(groups)
    {
        _groups = groups;
        _state = NewStateTable<State>();
    }

    /// <summary>The parameter groups with their options.</summary>
    public IReadOnlyList<ParameterGroup<SparseAdamOptions>> Groups => _groups;

    private protected override void CheckGradient(int groupIndex, int parameterIndex, Parameter parameter)
    {
        if (parameter.PendingDenseGrad is not null)
        {
            throw new NotSupportedException(
                $"SparseAdam does not support dense gradients, please consider Adam instead ({Describe(groupIndex, parameterIndex, parameter)}).");
        }
    }

    private protected override void Update(int groupIndex, int parameterIndex, Parameter parameter)
    {
        var group = _groups[groupIndex];
        var o = group.Options;
        var value = parameter.Value;
        var state = _state[groupIndex][parameterIndex] ??= new State(value.Shape);
        state.Step++;
        var biasCorrection1 = 1 - Math.Pow(o.Beta1, state.Step);
        var biasCorrection2 = 1 - Math.Pow(o.Beta2, state.Step);
        var stepSize = group.Lr * Math.Sqrt(biasCorrection2) / biasCorrection1;
        var s = new AdamScalars(
            (float)o.Beta1, (float)(1 - o.Beta1), (float)o.Beta2, (float)(1 - o.Beta2), 1f, (float)o.Eps, (float)-stepSize, 0f, 1f, o.Maximize);
        // Coalesce (rows ascending, duplicates summed in torch's sort order) fused with the per-row update, rows over cores.
        SparseKernels.SparseAdamStep(parameter, parameter.SparseGrad!, state.ExpAvg, state.ExpAvgSq, s);
    }

    private static ParameterGroup<SparseAdamOptions>[] ToArray(IEnumerable<ParameterGroup<SparseAdamOptions>> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return [.. groups];
    }

    private sealed class State(ReadOnlySpan<long> shape)
    {
        public long Step;
        public readonly FloatTensor ExpAvg = new(shape);
        public readonly FloatTensor ExpAvgSq = new(shape);
    }
}
