using EmbedSharp.Nn;

namespace EmbedSharp.Training.Optimizers;

/// <summary>
/// Base of the optimisers: parameter groups, <see cref="Step"/> and <see cref="ZeroGrad"/>. torch: <c>torch.optim.Optimizer</c>.
/// </summary>
/// <remarks>
/// A parameter is updated only when it is in a group, has <see cref="Autograd.Variable.RequiresGrad"/> and holds a gradient
/// (<see cref="Autograd.Variable.Grad"/> or <see cref="Parameter.SparseGrad"/>); anything else is never changed. Rows frozen
/// with <see cref="Parameter.SetRowsFrozen"/> are skipped entirely: no update, no decay, no state change.
/// Per-parameter state (momentum, moments, accumulators) is allocated on the parameter's first update and reused,
/// so a warmed-up step allocates nothing. <see cref="Step"/> checks every gradient before it changes anything.
/// </remarks>
public abstract class Optimizer
{
    private readonly ParameterGroup[] _groups;

    private protected Optimizer(ParameterGroup[] groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Length == 0 || Array.TrueForAll(groups, g => g is not null && g.Items.Length == 0))
        {
            throw new ArgumentException("The optimizer got an empty parameter list.", nameof(groups));
        }

        var seen = new Dictionary<Parameter, int>(ReferenceEqualityComparer.Instance);
        for (var gi = 0; gi < groups.Length; gi++)
        {
            var g = groups[gi] ?? throw new ArgumentException($"Parameter group {gi} is null.", nameof(groups));
            foreach (var p in g.Items)
            {
                if (!seen.TryAdd(p, gi))
                {
                    throw new ArgumentException(
                        $"A parameter of shape {Numerics.FloatTensor.FormatShape(p.Value.Shape)} appears in parameter groups {seen[p]} and {gi}: some parameters appear in more than one parameter group.",
                        nameof(groups));
                }
            }
        }

        _groups = groups;
    }

    /// <summary>The parameter groups, in order (torch: <c>param_groups</c>).</summary>
    public IReadOnlyList<ParameterGroup> ParameterGroups => _groups;

    /// <summary>Performs one optimisation step on every parameter that has a gradient (torch: <c>step()</c>).</summary>
    /// <exception cref="NotSupportedException">A gradient's kind is not supported (for example a sparse gradient in
    /// Adam); nothing has been changed.</exception>
    public void Step()
    {
        for (var gi = 0; gi < _groups.Length; gi++)
        {
            var items = _groups[gi].Items;
            for (var pi = 0; pi < items.Length; pi++)
            {
                var p = items[pi];
                if (HasGradient(p))
                {
                    CheckGradient(gi, pi, p);
                }
            }
        }

        for (var gi = 0; gi < _groups.Length; gi++)
        {
            var items = _groups[gi].Items;
            for (var pi = 0; pi < items.Length; pi++)
            {
                var p = items[pi];
                if (HasGradient(p))
                {
                    p.Value.BumpVersion(); // a graph that saved these values refuses to run backward after the step
                    Update(gi, pi, p);
                }
            }
        }
    }

    /// <summary>Clears the gradient of every parameter in every group (torch: <c>zero_grad(set_to_none=True)</c>).</summary>
    public void ZeroGrad()
    {
        foreach (var g in _groups)
        {
            foreach (var p in g.Items)
            {
                p.ZeroGrad();
            }
        }
    }

    /// <summary>Throws when this optimiser cannot use the parameter's gradient; must not change anything.</summary>
    private protected abstract void CheckGradient(int groupIndex, int parameterIndex, Parameter parameter);

    /// <summary>Updates one parameter that has a gradient that passed <see cref="CheckGradient"/>.</summary>
    private protected abstract void Update(int groupIndex, int parameterIndex, Parameter parameter);

    private protected ParameterGroup GroupAt(int index) => _groups[index];

    private protected T?[][] NewStateTable<T>()
        where T : class
    {
        var table = new T?[_groups.Length][];
        for (var i = 0; i < _groups.Length; i++)
        {
            table[i] = new T?[_groups[i].Items.Length];
        }

        return table;
    }

    private static bool HasGradient(Parameter p) => p.RequiresGrad && (p.PendingDenseGrad is not null || p.SparseGrad is not null);

    private protected static string Describe(int groupIndex, int parameterIndex, Parameter p) =>
        $"parameter {parameterIndex} of group {groupIndex}, shape {Numerics.FloatTensor.FormatShape(p.Value.Shape)}";
}
