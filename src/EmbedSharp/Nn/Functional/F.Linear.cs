using EmbedSharp.Autograd;
using EmbedSharp.Numerics;

namespace EmbedSharp.Nn.Functional;

public static partial class F
{
    /// <summary>y = x·Wᵀ + b: <c>y[n, o] = (Σ_k x[n, k]·W[o, k]) + b[o]</c>, each sum in order over k from zero, then the
    /// bias added (PyTorch's <c>F.linear</c> on the reference BLAS, bit for bit). torch: <c>F.linear(input, weight, bias)</c>.
    /// Shape: input (*, in), weight (out, in), bias (out) or null → (*, out).</summary>
    /// <remarks>Backward (<see cref="LinearFunctions"/>): dx = g·W (sum over out in order), dW = gᵀ·x (sum over the
    /// rows in order from zero), db = Σ g over rows (PyTorch's <c>sum(0)</c> order). A parameter used only here receives
    /// dW and db straight into its gradient storage.</remarks>
    /// <exception cref="ArgumentException">The shapes do not fit (names them).</exception>
    public static Variable Linear(Variable input, Variable weight, Variable? bias = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Data.Rank != 2 || input.Data.Rank < 1 || input.Shape[^1] != weight.Shape[1]
            || (bias is not null && (bias.Data.Rank != 1 || bias.Shape[0] != weight.Shape[0])))
        {
            throw new ArgumentException($"linear: input {FloatTensor.FormatShape(input.Shape)}, weight {FloatTensor.FormatShape(weight.Shape)} and bias {(bias is null ? "none" : FloatTensor.FormatShape(bias.Shape))} do not fit (input (*, in), weight (out, in), bias (out)).");
        }

        var inFeatures = checked((int)weight.Shape[1]);
        var outFeatures = checked((int)weight.Shape[0]);
        var rows = checked((int)(input.Data.Length / Math.Max(1, inFeatures)));
        var shape = input.Shape.ToArray();
        shape[^1] = outFeatures;
        var output = new FloatTensor(shape);
        LinearFunctions.Forward(input.Data.AsSpan(), weight.Data.AsSpan(), bias is null ? default : bias.Data.AsSpan(), rows, inFeatures, outFeatures, output.AsSpan());
        var tracks = Ops.Tracks(input.RequiresGrad || weight.RequiresGrad || (bias?.RequiresGrad ?? false));
        return tracks ? new Variable(output, new LinearNode(input, weight, bias, rows)) : new Variable(output);
    }

    private sealed class LinearNode : Node
    {
        private readonly int _rows;
        private FloatTensor? _x;
        private FloatTensor? _w;

        public LinearNode(Variable input, Variable weight, Variable? bias, int rows)
            : base(bias is null ? [input, weight] : [input, weight, bias])
        {
            _rows = rows;
            _x = input.Data;
            _w = weight.Data;
        }

        public override string Name => "AddmmBackward0";

        // The bias's values are never read.
        private protected override bool ReadsInput(int index) => index < 2;

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var x = _x ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            var w = _w!;
            var inputs = Inputs;
            var inFeatures = (int)w.Shape[1];
            var outFeatures = (int)w.Shape[0];
            ReadOnlySpan<float> g = gradOutput.AsSpan();
            if (inputs[0].RequiresGrad)
            {
                var gx = NewGradient(x.Shape);
                LinearFunctions.BackwardInput(g, w.AsSpan(), _rows, inFeatures, outFeatures, gx.AsSpan());
                gradInputs[0] = gx;
            }

            if (inputs[1].RequiresGrad)
            {
                var direct = inputs[1].DirectGradTarget();
                var gw = direct ?? NewGradient(w.Shape);
                LinearFunctions.AccumulateWeightGrad(g, x.AsSpan(), _rows, inFeatures, outFeatures, gw.AsSpan());
                gradInputs[1] = direct is null ? gw : null;
            }

            if (inputs.Length > 2 && inputs[2].RequiresGrad)
            {
                var direct = inputs[2].DirectGradTarget();
                var gb = direct ?? NewGradient([outFeatures]);
                LinearFunctions.AccumulateBiasGrad(g, _rows, outFeatures, gb.AsSpan());
                gradInputs[2] = direct is null ? gb : null;
            }
        }

        private protected override void ReleaseSaved()
        {
            _x = null;
            _w = null;
        }
    }
}
