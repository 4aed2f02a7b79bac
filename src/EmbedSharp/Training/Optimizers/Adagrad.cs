using EmbedSharp.Nn;
using EmbedSharp.Numerics;

namespace EmbedSharp.Training.Optimizers;

/// <summary>Hyper-parameters of <see cref="Adagrad"/> (torch: the arguments of <c>torch.optim.Adagrad</c>).</summary>
public sealed record AdagradOptions : OptimizerOptions
{
    /// <summary>Options with torch.optim.Adagrad's defaults (lr 0.01, eps 1e-10).</summary>
    public AdagradOptions()
    {
        Lr = 1e-2;
    }

    /// <summary>Learning-rate decay η: step t uses lr / (1 + (t-1)·η) (torch: <c>lr_decay</c>).</summary>
    public double LrDecay { get; init; }

    /// <summary>Starting value of the sum of squared gradients (torch: <c>initial_accumulator_value</c>).</summary>
    public double InitialAccumulatorValue { get; init; }

    /// <summary>Term added to the denominator (torch: <c>eps</c>).</summary>
    public double Eps { get; init; } = 1e-10;

    internal override string OptimizerName => "Adagrad";

    internal override void Validate()
    {
        base.Validate();
        if (!(LrDecay >= 0) || double.IsInfinity(LrDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(LrDecay), $"Invalid lr_decay value: {LrDecay}.");
        }

        if (!(InitialAccumulatorValue >= 0) || double.IsInfinity(InitialAccumulatorValue))
        {
            throw new ArgumentOutOfRangeException(
                nameof(InitialAccumulatorValue), $"Invalid initial_accumulator_value value: {InitialAccumulatorValue}.");
        }

        if (!(Eps >= 0) || double.IsInfinity(Eps))
        {
            throw new ArgumentOutOfRangeException(nameof(Eps), $"Invalid epsilon value: {Eps}.");
        }
    }
}

/// <summary>
/// Adagrad (Duchi et al. 2011). torch: <c>torch.optim.Adagrad</c> (single-tensor path), bit-exact on CPU float32.
/// g = ±∇ + λ·p; s = s + g²; p = p - clr · g / (sqrt(s) + eps), clr = lr / (1 + (t-1)·lr_decay).
/// </summary>
/// <remarks>A sparse gradient is coalesced as torch coalesces it (see <see cref="SparseGradient.CoalesceInto"/>) and only its rows' sums and values
/// change, as in PyTorch; weight decay with a sparse gradient throws, as in PyTorch. PyTorch allocates the sums in
/// its constructor; here they are allocated on a parameter's first update (same values).</remarks>
public sealed class Adagrad : Optimizer
{
    private readonly ParameterGroup<AdagradOptions>[] _groups;
    private readonly State?[][] _state;

    /// <summary>One group of <paramref name="parameters"/> with <paramref name="options"/> (default: torch's defaults).</summary>
    public Adagrad(IEnumerable<Parameter> parameters, AdagradOptions? options = null)
        : this([new ParameterGroup<AdagradOptions>(parameters, options ?? new AdagradOptions())])
    {
    }

    /// <summary>Several groups, each with its own options.</summary>
    /// <exception cref="ArgumentException">No parameters, or a parameter in two groups.</exception>
    public Adagrad(IEnumerable<ParameterGroup<AdagradOptions>> groups)
        : this(ToArray(groups))
    {
    }

    private Adagrad(ParameterGroup<AdagradOptions>[] groups)
        : base(groups)
    {
        _groups = groups;
        _state = NewStateTable<State>();
    }

    /// <summary>The parameter groups with their options.</summary>
    public IReadOnlyList<ParameterGroup<AdagradOptions>> Groups => _groups;

    private protected override void CheckGradient(int groupIndex, int parameterIndex, Parameter parameter)
    {
        if (parameter.PendingDenseGrad is null && _groups[groupIndex].WeightDecay != 0)
        {
            throw new NotSupportedException(
                $"Adagrad: the weight_decay option ({_groups[groupIndex].WeightDecay}) is not compatible with sparse gradients ({Describe(groupIndex, parameterIndex, parameter)}).");
        }
    }

    private protected override void Update(int groupIndex, int parameterIndex, Parameter parameter)
    {
        var group = _groups[groupIndex];
        var o = group.Options;
        var value = parameter.Value;
        var state = _state[groupIndex][parameterIndex] ??= new State(value.Shape, (float)o.InitialAccumulatorValue);
        state.Step += 1f;
        var clr = group.Lr / (1 + ((state.Step - 1.0) * o.LrDecay));
        var s = new AdagradScalars((float)-clr, (float)group.WeightDecay, (float)o.Eps, o.Maximize);
        if (parameter.PendingDenseGrad is { } grad)
        {
            unsafe
            {
                DenseSteps.Run(parameter, grad, state.Sum, null, null, &DenseStep, &s);
            }

            return;
        }

        var rows = state.Rows ??= new SparseGradient(parameter.SparseGrad!.RowCount, parameter.SparseGrad.RowLength);
        parameter.SparseGrad!.CoalesceInto(rows);
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows.Index(i);
            if (!parameter.IsRowFrozen(r))
            {
                Kernels.AdagradSparseRow(value.Row(r), rows.Value(i), state.Sum.Row(r), s);
            }
        }
    }

    private static unsafe void DenseStep(Span<float> p, Span<float> g, Span<float> sum, Span<float> unused1, Span<float> unused2, void* s) =>
        Kernels.Adagrad(p, g, sum, *(AdagradScalars*)s);

    private static ParameterGroup<AdagradOptions>[] ToArray(IEnumerable<ParameterGroup<AdagradOptions>> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return [.. groups];
    }

    private sealed class State
    {
        public State(ReadOnlySpan<long> shape, float initial)
        {
            Sum = new FloatTensor(shape);
            if (initial != 0)
            {
                Sum.Fill(initial);
            }
        }

        public float Step;
        public readonly FloatTensor Sum;
        public SparseGradient? Rows;
    }
}
