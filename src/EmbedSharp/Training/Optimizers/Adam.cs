using EmbedSharp.Nn;
using EmbedSharp.Numerics;

namespace EmbedSharp.Training.Optimizers;

/// <summary>Hyper-parameters of <see cref="Adam"/> and <see cref="AdamW"/> (torch: the arguments of <c>torch.optim.Adam</c>).</summary>
public record AdamOptions : OptimizerOptions
{
    /// <summary>Decay of the first moment β1 (torch: <c>betas[0]</c>).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Decay of the second moment β2 (torch: <c>betas[1]</c>).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Term added to the denominator (torch: <c>eps</c>).</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>Use the maximum of past second moments (torch: <c>amsgrad</c>). Reddi et al. 2018.</summary>
    public bool Amsgrad { get; init; }

    internal override string OptimizerName => "Adam";

    internal override void Validate()
    {
        base.Validate();
        if (!(Eps >= 0) || double.IsInfinity(Eps))
        {
            throw new ArgumentOutOfRangeException(nameof(Eps), $"Invalid epsilon value: {Eps}.");
        }

        CheckBeta(Beta1, 0, nameof(Beta1));
        CheckBeta(Beta2, 1, nameof(Beta2));
    }
}

/// <summary>Hyper-parameters of <see cref="AdamW"/>: those of Adam, with PyTorch's AdamW default weight decay 0.01.</summary>
public sealed record AdamWOptions : AdamOptions
{
    /// <summary>Options with torch.optim.AdamW's defaults (lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0.01).</summary>
    public AdamWOptions()
    {
        WeightDecay = 0.01;
    }

    internal override string OptimizerName => "AdamW";
}

/// <summary>
/// Adam (Kingma &amp; Ba 2015). torch: <c>torch.optim.Adam</c> (single-tensor path), bit-exact on CPU float32.
/// g = ±∇ + λ·p; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; p = p - lr/(1-β1ᵗ) · m / (sqrt(v)/sqrt(1-β2ᵗ) + eps).
/// </summary>
/// <remarks>Sparse gradients throw <see cref="NotSupportedException"/>, as PyTorch does; use <see cref="SparseAdam"/>.
/// The step count t is kept in float32, as PyTorch's <c>state['step']</c> tensor is.</remarks>
public class Adam : Optimizer
{
    private readonly ParameterGroup<AdamOptions>[] _groups;
    private readonly State?[][] _state;
    private readonly bool _decoupled;

    /// <summary>One group of <paramref name="parameters"/> with <paramref name="options"/>.</summary>
    public Adam(IEnumerable<Parameter> parameters, AdamOptions options)
        : this([new ParameterGroup<AdamOptions>(parameters, options)], decoupled: false)
    {
    }

    /// <summary>Several groups, each with its own options.</summary>
    /// <exception cref="ArgumentException">No parameters, or a parameter in two groups.</exception>
    public Adam(IEnumerable<ParameterGroup<AdamOptions>> groups)
        : this(ToArray(groups), decoupled: false)
    {
    }

    private protected Adam(ParameterGroup<AdamOptions>[] groups, bool decoupled)
        : base(groups)
    {
        _groups = groups;
        _decoupled = decoupled;
        _state = NewStateTable<State>();
    }

    /// <summary>The parameter groups with their options.</summary>
    public IReadOnlyList<ParameterGroup<AdamOptions>> Groups => _groups;

    private protected override void CheckGradient(int groupIndex, int parameterIndex, Parameter parameter)
    {
        if (parameter.PendingDenseGrad is null)
        {
            throw new NotSupportedException(_decoupled
                ? $"AdamW does not support sparse gradients ({Describe(groupIndex, parameterIndex, parameter)})."
                : $"Adam does not support sparse gradients, please consider SparseAdam instead ({Describe(groupIndex, parameterIndex, parameter)}).");
        }
    }

    private protected override void Update(int groupIndex, int parameterIndex, Parameter parameter)
    {
        var group = _groups[groupIndex];
        var o = group.Options;
        var value = parameter.Value;
        var state = _state[groupIndex][parameterIndex] ??= new State(value.Shape, o.Amsgrad);
        state.Step += 1f; // float32, like torch's step tensor
        var step = (double)state.Step;
        var biasCorrection1 = 1 - Math.Pow(o.Beta1, step);
        var biasCorrection2 = 1 - Math.Pow(o.Beta2, step);
        var stepSize = group.Lr / biasCorrection1;
        var s = new AdamScalars(
            (float)o.Beta1,
            (float)(1 - o.Beta1),
            (float)o.Beta2,
            (float)(1 - o.Beta2),
            (float)Math.Sqrt(biasCorrection2),
            (float)o.Eps,
            (float)-stepSize,
            _decoupled ? 0f : (float)group.WeightDecay,
            _decoupled ? (float)(1 - (group.Lr * group.WeightDecay)) : 1f,
            o.Maximize);
        var grad = parameter.PendingDenseGrad!;
        unsafe
        {
            DenseSteps.Run(parameter, grad, state.ExpAvg, state.ExpAvgSq, state.MaxExpAvgSq, &Step, &s);
        }
    }

    private static unsafe void Step(Span<float> p, Span<float> g, Span<float> m, Span<float> v, Span<float> vmax, void* s) =>
        Kernels.Adam(p, g, m, v, vmax, *(AdamScalars*)s);

    private static ParameterGroup<AdamOptions>[] ToArray(IEnumerable<ParameterGroup<AdamOptions>> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return [.. groups];
    }

    private sealed class State(ReadOnlySpan<long> shape, bool amsgrad)
    {
        public float Step;
        public readonly FloatTensor ExpAvg = new(shape);
        public readonly FloatTensor ExpAvgSq = new(shape);
        public readonly FloatTensor? MaxExpAvgSq = amsgrad ? new FloatTensor(shape) : null;
    }
}

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter 2019). torch: <c>torch.optim.AdamW</c> (single-tensor path),
/// bit-exact on CPU float32: p = p·(1 - lr·λ), then the Adam update without λ in the gradient.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>One group of <paramref name="parameters"/>; default options are <see cref="AdamWOptions"/>'s.</summary>
    public AdamW(IEnumerable<Parameter> parameters, AdamOptions? options = null)
        : base([new ParameterGroup<AdamOptions>(parameters, options ?? new AdamWOptions())], decoupled: true)
    {
    }

    /// <summary>Several groups, each with its own options.</summary>
    public AdamW(IEnumerable<ParameterGroup<AdamOptions>> groups)
        : base(ToGroups(groups), decoupled: true)
    {
    }

    private static ParameterGroup<AdamOptions>[] ToGroups(IEnumerable<ParameterGroup<AdamOptions>> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return [.. groups];
    }
}
