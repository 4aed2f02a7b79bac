using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;

namespace EmbedSharp.Training.Losses;

/// <summary>
/// Mean squared error: ℓᵢ = (xᵢ − yᵢ)², reduced by <see cref="Reduction"/>. torch: <c>nn.MSELoss(reduction)</c>.
/// Shape: input and target any same shape; output () for Mean/Sum, the input's shape for None.
/// </summary>
/// <remarks>Bit-exact with PyTorch 1.13 (CPU): the squares, the sum in PyTorch's cascade order (inputs up to 32768
/// elements; above that PyTorch's sum is split across threads), the mean as sum/(float)n, and the gradient
/// ((x − y)·(float)(2/n))·g (2 instead of 2/n for Sum).</remarks>
public sealed class MseLoss
{
    /// <summary>Creates the loss.</summary>
    public MseLoss(Reduction reduction = Reduction.Mean)
    {
        LossChecks.CheckReduction(reduction);
        Reduction = reduction;
    }

    /// <summary>How the per-element losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <summary>The loss: a scalar tensor for Mean/Sum, per element for None.</summary>
    /// <exception cref="ArgumentException">The shapes differ (the message names both).</exception>
    public Tensor Forward(Tensor input, Tensor target)
    {
        LossChecks.SameShape(input, target);
        var x = LossChecks.Span(input, nameof(input));
        var y = LossChecks.Span(target, nameof(target));
        var loss = new Tensor(input.Shape);
        var l = loss.AsSpan();
        for (var i = 0; i < l.Length; i++)
        {
            var d = x[i] - y[i];
            l[i] = d * d;
        }

        return Reduction switch
        {
            Reduction.None => loss,
            Reduction.Sum => LossChecks.Scalar(TorchSum.All(l)),
            _ => LossChecks.Scalar(TorchSum.All(l) / l.Length),
        };
    }

    /// <summary>dL/dx = (x − y)·c·g with c = 2/n for Mean and 2 otherwise; g is <paramref name="gradOutput"/>
    /// (one value for Mean/Sum, per element for None; null means 1).</summary>
    /// <exception cref="ArgumentException">A shape does not fit (the message names it).</exception>
    public Tensor Backward(Tensor input, Tensor target, Tensor? gradOutput = null)
    {
        LossChecks.SameShape(input, target);
        LossChecks.CheckGradOutput(gradOutput, Reduction, input.Shape);
        var x = LossChecks.Span(input, nameof(input));
        var y = LossChecks.Span(target, nameof(target));
        var grad = new Tensor(input.Shape);
        var dx = grad.AsSpan();
        var norm = Reduction == Reduction.Mean ? (float)(2.0 / x.Length) : 2f;
        var g = gradOutput is null ? default : LossChecks.Span(gradOutput, nameof(gradOutput));
        for (var i = 0; i < dx.Length; i++)
        {
            var gi = g.IsEmpty ? 1f : (Reduction == Reduction.None ? g[i] : g[0]);
            dx[i] = (x[i] - y[i]) * norm * gi;
        }

        return grad;
    }
}
