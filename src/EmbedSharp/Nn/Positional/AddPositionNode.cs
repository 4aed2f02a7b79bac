using EmbedSharp.Autograd;
using EmbedSharp.Numerics;

namespace EmbedSharp.Nn.Positional;

/// <summary>
/// y[…, s, :] = x[…, s, :] + table[offset + s, :] (<see cref="PositionalOps.AddTable"/>), recorded for backward.
/// Backward: dx = g (the same tensor); dtable[offset + s] = Σ_b g[b, s] in batch order
/// (<see cref="PositionalOps.AccumulateBatchSum"/>, from zero), the other rows zero. torch: <c>x + pe[offset:offset+seq]</c>.
/// </summary>
internal sealed class AddPositionNode : Node
{
    private readonly Variable _input;
    private readonly Variable? _table;
    private readonly long _offset;

    private AddPositionNode(long offset, Variable input, Variable? table)
        : base(table is null ? [input] : [input, table])
    {
        _input = input;
        _table = table;
        _offset = offset;
    }

    public override string Name => "AddBackward0";

    /// <summary>Checks the input, adds the rows and records a node when the input or a learned table needs a gradient.
    /// <paramref name="table"/> is the table as a variable when it is learned (a parameter), else null and
    /// <paramref name="constant"/> is added.</summary>
    internal static Variable Apply(Variable input, FloatTensor constant, Variable? table, long maxLen, long d, long positionOffset)
    {
        ArgumentNullException.ThrowIfNull(input);
        PositionalOps.CheckInput(input.Data, maxLen, d, positionOffset);
        var output = new FloatTensor(input.Shape);
        PositionalOps.AddTable(input.Data, constant, positionOffset, output);
        var learned = table is { RequiresGrad: true } ? table : null;
        return Ops.Tracks(input.RequiresGrad || learned is not null)
            ? new Variable(output, new AddPositionNode(positionOffset, input, learned))
            : new Variable(output);
    }

    // Neither backward reads values: dx is g, dtable is a sum of g.
    private protected override bool ReadsInput(int index) => false;

    internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
    {
        if (_input.RequiresGrad)
        {
            gradInputs[0] = gradOutput; // the same tensor: nothing writes into it
        }

        if (_table is not null)
        {
            var grad = NewGradient(_table.Shape);
            PositionalOps.AccumulateBatchSum(gradOutput, grad, _offset);
            gradInputs[1] = grad;
        }
    }
}
