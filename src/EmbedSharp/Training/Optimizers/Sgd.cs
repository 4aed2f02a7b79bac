using EmbedSharp.Nn;
using EmbedSharp.Numerics;

namespace EmbedSharp.Training.Optimizers;

/// <summary>Hyper-parameters of <see cref="Sgd"/> (torch: the arguments of <c>torch.optim.SGD</c>).</summary>
public sealed record SgdOptions : OptimizerOptions
{
    /// <summary>Momentum factor μ (torch: <c>momentum</c>); 0 turns momentum off.</summary>
    public double Momentum { get; init; }

    /// <summary>Dampening τ for momentum (torch: <c>dampening</c>).</summary>
    public double Dampening { get; init; }

    /// <summary>Nesterov momentum (torch: <c>nesterov</c>); needs a momentum and zero dampening.</summary>
    public bool Nesterov { get; init; }

    internal override string OptimizerName => "SGD";

    internal override void Validate()
    {
        base.Validate();
        if (!(Momentum >= 0) || double.IsInfinity(Momentum))
        {
            throw new ArgumentOutOfRangeException(nameof(Momentum), $"Invalid momentum value: {Momentum}.");
        }

        if (!double.IsFinite(Dampening))
        {
            throw new ArgumentOutOfRangeException(nameof(Dampening), $"Invalid dampening value: {Dampening}.");
        }

        if (Nesterov && (Momentum <= 0 || Dampening != 0))
        {
            throw new ArgumentOutOfRangeException(
                nameof(Nesterov), $"Nesterov momentum requires a momentum and zero dampening (momentum {Momentum}, dampening {Dampening}).");
        }
    }
}

/// <summary>
/// Stochastic gradient descent, optionally with momentum. torch: <c>torch.optim.SGD</c> (single-tensor path).
/// d = ±g + λ·p; b = μ·b + (1-τ)·d (b = d on the first step); d = d + μ·b (Nesterov) or b; p = p - lr·d.
/// </summary>
/// <remarks>
/// Dense gradients reproduce PyTorch 1.13's CPU float32 results bit for bit. A sparse gradient without momentum updates
/// only its rows, entry by entry in input order (duplicates are not summed first, as PyTorch's dense += sparse add does),
/// also bit for bit. Weight decay with a sparse gradient throws, as in PyTorch. Momentum with a sparse gradient is
/// accepted by PyTorch 1.13, which keeps a sparse momentum buffer that grows towards every row ever touched and moves
/// all those rows every step: here the buffer is dense (same mathematics, every non-frozen row moves; the float
/// summation order differs, so results agree within rounding, not bitwise).
/// </remarks>
public sealed class Sgd : Optimizer
{
    private readonly ParameterGroup<SgdOptions>[] _groups;
    private readonly State?[][] _state;

    /// <summary>One group of <paramref name="parameters"/> with <paramref name="options"/>.</summary>
    public Sgd(IEnumerable<Parameter> parameters, SgdOptions options)
        : this([new ParameterGroup<SgdOptions>(parameters, options)])
    {
    }

    /// <summary>Several groups, each with its own options.</summary>
    /// <exception cref="ArgumentException">No parameters, or a parameter in two groups.</exception>
    public Sgd(IEnumerable<ParameterGroup<SgdOptions>> groups)
        : this(ToArray(groups))
    {
    }

    private Sgd(ParameterGroup<SgdOptions>[] groups)
        : base(groups)
    {
        _groups = groups;
        _state = NewStateTable<State>();
    }

    /// <summary>The parameter groups with their SGD options.</summary>
    public IReadOnlyList<ParameterGroup<SgdOptions>> Groups => _groups;

    private protected override void CheckGradient(int groupIndex, int parameterIndex, Parameter parameter)
    {
        if (parameter.PendingDenseGrad is null && _groups[groupIndex].WeightDecay != 0)
        {
            throw new NotSupportedException(
                $"SGD with weight decay {_groups[groupIndex].WeightDecay} does not support sparse gradients ({Describe(groupIndex, parameterIndex, parameter)}); PyTorch raises \"add(sparse, dense) is not supported\".");
        }
    }

    private protected override void Update(int groupIndex, int parameterIndex, Parameter parameter)
    {
        var group = _groups[groupIndex];
        var o = group.Options;
        var s = new SgdScalars((float)-group.Lr, (float)group.WeightDecay, (float)o.Momentum, (float)(1 - o.Dampening), o.Nesterov, o.Maximize);
        var state = _state[groupIndex][parameterIndex] ??= new State();
        var value = parameter.Value;
        FloatTensor grad;
        if (parameter.PendingDenseGrad is { } dense)
        {
            grad = dense;
        }
        else
        {
            var sparse = parameter.SparseGrad!;
            if (o.Momentum == 0)
            {
                SparseStep(parameter, sparse, s.Maximize ? -s.NegLr : s.NegLr);
                return;
            }

            // PyTorch's sparse momentum buffer holds every row ever touched: a dense buffer is the same mathematics.
            grad = state.Densified ??= new FloatTensor(value.Shape);
            Densify(parameter, sparse, grad, s.Maximize);
            s = s with { Maximize = false };
        }

        if (o.Momentum == 0 && group.WeightDecay == 0 && !o.Maximize && parameter.DirtyRows is { } dirty)
        {
            // Only rows a row-wise backward wrote can have a non-zero gradient, and for the others
            // p + (−lr)·(+0) = p exactly (p = ±0 included): visiting just those rows gives the same bits.
            SparseKernels.SgdMarkedRows(parameter, grad, dirty, s.NegLr);
            return;
        }

        var first = false;
        if (o.Momentum != 0 && state.Momentum is null)
        {
            state.Momentum = new FloatTensor(value.Shape);
            first = true;
        }

        var step = new DenseStep(s, first);
        unsafe
        {
            DenseSteps.Run(parameter, grad, state.Momentum, null, null, &Step, &step);
        }
    }

    private readonly record struct DenseStep(SgdScalars Scalars, bool First);

    private static unsafe void Step(Span<float> p, Span<float> g, Span<float> buf, Span<float> unused1, Span<float> unused2, void* step)
    {
        var d = (DenseStep*)step;
        Kernels.Sgd(p, g, buf, d->First, d->Scalars);
    }

    /// <summary>p[row] = fma(g_k, alpha, p[row]) for each entry in input order (parallel over disjoint row ranges).</summary>
    private static void SparseStep(Parameter parameter, SparseGradient sparse, float alpha) =>
        SparseKernels.SgdStep(parameter, sparse, alpha);

    private static void Densify(Parameter parameter, SparseGradient sparse, FloatTensor destination, bool negate)
    {
        destination.Fill(0f);
        for (var k = 0; k < sparse.Count; k++)
        {
            var r = sparse.Index(k);
            if (parameter.IsRowFrozen(r))
            {
                continue;
            }

            var row = destination.Row(r);
            if (negate)
            {
                System.Numerics.Tensors.TensorPrimitives.Subtract(row, sparse.Value(k), row);
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.Add(row, sparse.Value(k), row);
            }
        }
    }

    private static ParameterGroup<SgdOptions>[] ToArray(IEnumerable<ParameterGroup<SgdOptions>> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return [.. groups];
    }

    private sealed class State
    {
        public FloatTensor? Momentum;
        public FloatTensor? Densified;
    }
}
