using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;

namespace EmbedSharp.Training.Losses;

/// <summary>
/// Binary cross-entropy on logits, in the stable form ℓ = (1 − y)·x + w·(log(1 + e^−|x|) + max(−x, 0)) with
/// w = 1 + (pos_weight − 1)·y (= max(x, 0) − x·y + log(1 + e^−|x|) without pos_weight).
/// torch: <c>nn.BCEWithLogitsLoss(reduction, pos_weight)</c> (no per-element <c>weight</c>).
/// Shape: input and target any same shape (*, C); pos_weight (C) or one value, broadcast over the last dimension;
/// output () for Mean/Sum, the input's shape for None.
/// </summary>
/// <remarks>Each element is computed in double and rounded once; PyTorch computes in float with SLEEF exp/log, so the two
/// agree within about 1e-6 relative, not bit for bit.</remarks>
public sealed class BceWithLogitsLoss
{
    private readonly float[]? _posWeight;
    private readonly FloatTensor? _posWeightTensor; // the same values as a tensor, for F

    /// <summary>Creates the loss. <paramref name="posWeight"/> (copied) weighs the positive term per class.</summary>
    public BceWithLogitsLoss(Reduction reduction = Reduction.Mean, FloatTensor? posWeight = null)
    {
        LossChecks.CheckReduction(reduction);
        Reduction = reduction;
        if (posWeight is not null)
        {
            if (posWeight.Rank > 1)
            {
                throw new ArgumentException($"pos_weight must be a vector over classes; got shape {FloatTensor.FormatShape(posWeight.Shape)}.", nameof(posWeight));
            }

            _posWeight = posWeight.ToArray();
            _posWeightTensor = posWeight.Clone();
        }
    }

    /// <summary>How the per-element losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <summary>The per-class positive weights, or empty when none were given.</summary>
    public ReadOnlySpan<float> PosWeight => _posWeight;

    /// <summary>The loss, recorded for backward: <see cref="F.BinaryCrossEntropyWithLogits"/> with this loss's settings.
    /// torch: <c>nn.BCEWithLogitsLoss.forward</c>. Shape: input and target the same; output () for Mean/Sum, the input's
    /// for None.</summary>
    /// <exception cref="ArgumentException">The shapes differ, or pos_weight does not broadcast.</exception>
    public Autograd.Variable Forward(Autograd.Variable input, Autograd.Variable target) =>
        F.BinaryCrossEntropyWithLogits(input, target, _posWeightTensor, Reduction);

    /// <summary>The loss: a scalar tensor for Mean/Sum, per element for None.</summary>
    /// <exception cref="ArgumentException">The shapes differ, or pos_weight does not match the last dimension.</exception>
    internal FloatTensor Forward(FloatTensor input, FloatTensor target)
    {
        var classes = Check(input, target);
        var x = LossChecks.Span(input, nameof(input));
        var y = LossChecks.Span(target, nameof(target));
        var perElement = Reduction == Reduction.None ? new FloatTensor(input.Shape) : null;
        double total = 0;
        for (var i = 0; i < x.Length; i++)
        {
            double xi = x[i], yi = y[i];
            var w = _posWeight is null ? 1.0 : 1 + ((PosWeightAt(i, classes) - 1) * yi);
            var loss = ((1 - yi) * xi) + (w * (Math.Log(1 + Math.Exp(-Math.Abs(xi))) + Math.Max(-xi, 0)));
            total += loss;
            if (perElement is not null)
            {
                perElement[i] = (float)loss;
            }
        }

        return Reduction switch
        {
            Reduction.None => perElement!,
            Reduction.Sum => LossChecks.Scalar((float)total),
            _ => LossChecks.Scalar((float)(total / x.Length)),
        };
    }

    /// <summary>dL/dx = s·((1 + (pos_weight − 1)·y)·σ(x) − pos_weight·y) (= s·(σ(x) − y) without pos_weight), s the upstream
    /// gradient (divided by the element count for Mean). <paramref name="gradOutput"/>: one value for Mean/Sum, per element
    /// for None; null means 1.</summary>
    /// <exception cref="ArgumentException">A shape does not fit.</exception>
    internal FloatTensor Backward(FloatTensor input, FloatTensor target, FloatTensor? gradOutput = null)
    {
        var classes = Check(input, target);
        LossChecks.CheckGradOutput(gradOutput, Reduction, input.Shape);
        var x = LossChecks.Span(input, nameof(input));
        var y = LossChecks.Span(target, nameof(target));
        var g = gradOutput is null ? default : LossChecks.Span(gradOutput, nameof(gradOutput));
        var grad = new FloatTensor(input.Shape);
        var dx = grad.AsSpan();
        for (var i = 0; i < x.Length; i++)
        {
            double xi = x[i], yi = y[i];
            double upstream = g.IsEmpty ? 1f : (Reduction == Reduction.None ? g[i] : g[0]);
            if (Reduction == Reduction.Mean)
            {
                upstream /= x.Length;
            }

            var sigmoid = 1 / (1 + Math.Exp(-xi));
            var pw = _posWeight is null ? 1.0 : PosWeightAt(i, classes);
            dx[i] = (float)(upstream * ((((pw * yi) + 1 - yi) * sigmoid) - (pw * yi)));
        }

        return grad;
    }

    private double PosWeightAt(int flatIndex, int classes) => _posWeight!.Length == 1 ? _posWeight[0] : _posWeight[flatIndex % classes];

    private int Check(FloatTensor input, FloatTensor target)
    {
        LossChecks.SameShape(input, target);
        var classes = input.Rank == 0 ? 1 : (int)input.Shape[^1];
        if (_posWeight is not null && _posWeight.Length != 1 && _posWeight.Length != classes)
        {
            throw new ArgumentException(
                $"pos_weight has {_posWeight.Length} values; the input's shape {FloatTensor.FormatShape(input.Shape)} needs {classes} (its last dimension) or 1.", nameof(input));
        }

        return classes;
    }
}
