using EmbedSharp.Autograd;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Nn.Functional;

/// <summary>
/// Differentiable functions over <see cref="Variable"/>s, named and shaped as <c>torch.nn.functional</c> (imported as
/// <c>F</c>): each runs the library's PyTorch-exact kernel and records a node for backward. The kernels without a graph
/// stay in the <c>…Functions</c> classes of this namespace.
/// </summary>
public static partial class F
{
    /// <summary>Dropout: in training, each element is zeroed with probability <paramref name="p"/> and the others are
    /// scaled by 1/(1 − p); otherwise (or with p = 0) the input is returned as is. The mask is drawn from
    /// <paramref name="generator"/> exactly as PyTorch 1.13's CPU dropout draws it from its generator
    /// (<see cref="DropoutFunctions.FillMask"/>), so a <see cref="Generator"/> seeded as <c>torch.manual_seed</c> gives
    /// torch's mask bit for bit. torch: <c>F.dropout(x, p, training)</c>.
    /// Shape: any; the output has the input's shape. Backward: g·mask.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    public static Variable Dropout(Variable x, double p, bool training, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(generator);
        DropoutFunctions.CheckProbability(p);
        if (!training || p == 0)
        {
            return x;
        }

        var mask = new FloatTensor(x.Shape);
        DropoutFunctions.FillMask(generator, p, mask.AsSpan());
        return Ops.Mul(x, new Variable(mask)); // torch 1.13 on CPU: input * noise, grad_fn MulBackward0
    }
}
