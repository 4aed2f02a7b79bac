using System.Numerics.Tensors;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using FloatTensor = EmbedSharp.Numerics.FloatTensor;

namespace EmbedSharp.Training.Losses;

/// <summary>
/// Cross-entropy over class indices: with log pᵢⱼ = xᵢⱼ − logΣₖ exp xᵢₖ (max-subtracted) and smoothing ε over C classes,
/// ℓᵢ = (1 − ε)·(−log pᵢ,tᵢ) + (ε/C)·Σⱼ(−log pᵢⱼ); samples whose target is <see cref="IgnoreIndex"/> give 0 and are left
/// out of the mean's denominator. torch: <c>nn.CrossEntropyLoss(reduction, ignore_index=-100, label_smoothing)</c> with
/// class-index targets and no class weights.
/// Shape: logits (N, C), targets (N); output () for Mean/Sum, (N) for None.
/// </summary>
/// <remarks><see cref="Forward(Autograd.Variable, IndexTensor)"/> is <see cref="F.CrossEntropy"/>: use it to train
/// through the graph. The internal tensor forms, used by the library's own fastText-style classifier, compute in double
/// (log-sum-exp per row, rounded once) and agree with PyTorch within about 1e-6 relative, not bit for bit. A mean over
/// no counted samples is NaN, as in PyTorch.</remarks>
public sealed class CrossEntropyLoss
{
    private const int Block = 512; // logits per exp batch on the stack

    /// <summary>Creates the loss.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="labelSmoothing"/> is outside [0, 1].</exception>
    public CrossEntropyLoss(Reduction reduction = Reduction.Mean, long ignoreIndex = -100, double labelSmoothing = 0.0)
    {
        LossChecks.CheckReduction(reduction);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"label_smoothing must be between 0.0 and 1.0; got {labelSmoothing}.");
        }

        Reduction = reduction;
        IgnoreIndex = ignoreIndex;
        LabelSmoothing = labelSmoothing;
    }

    /// <summary>How the per-sample losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <summary>A target value that contributes neither loss nor gradient (default −100).</summary>
    public long IgnoreIndex { get; }

    /// <summary>The smoothing ε: the target distribution is (1 − ε)·onehot + ε/C.</summary>
    public double LabelSmoothing { get; }

    /// <summary>The loss, recorded for backward: <see cref="F.CrossEntropy"/> with this loss's settings (torch's bits:
    /// log_softmax in float, then the negative log-likelihood). torch: <c>nn.CrossEntropyLoss.forward</c>.
    /// Shape: logits (N, C) or (N, C, d…), targets (N) or (N, d…).</summary>
    /// <exception cref="ArgumentException">A shape does not fit (the message names it).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, C) and not <see cref="IgnoreIndex"/>.</exception>
    public Autograd.Variable Forward(Autograd.Variable logits, IndexTensor targets) =>
        F.CrossEntropy(logits, targets, IgnoreIndex, LabelSmoothing, Reduction);

    /// <summary>The loss without a graph, computed in double (see the remarks): a scalar tensor for Mean/Sum, one value per
    /// sample for None. For the library's own models (the fastText-style classifier).</summary>
    /// <exception cref="ArgumentException">The logits are not 2-D or the targets' length differs from N.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, C) and not <see cref="IgnoreIndex"/>.</exception>
    internal FloatTensor Forward(FloatTensor logits, IndexTensor targets)
    {
        var (n, _) = Check(logits, targets);
        var output = Reduction == Reduction.None ? new FloatTensor(n) : new FloatTensor(Array.Empty<long>());
        Forward(logits, targets, output);
        return output;
    }

    /// <summary>Allocation-free forward: writes the loss into <paramref name="output"/>, one value for Mean/Sum, (N) for
    /// None. Same bits as <see cref="Forward(FloatTensor, IndexTensor)"/>.</summary>
    /// <exception cref="ArgumentException">A shape does not fit (the message names it); nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, C) and not <see cref="IgnoreIndex"/>.</exception>
    internal void Forward(FloatTensor logits, IndexTensor targets, FloatTensor output)
    {
        var (n, c) = Check(logits, targets);
        ArgumentNullException.ThrowIfNull(output);
        LossChecks.CheckOutput(output, Reduction, [n]);
        var x = LossChecks.Span(logits, nameof(logits));
        var t = targets.AsSpan();
        var perSample = Reduction == Reduction.None ? output : null;
        double total = 0;
        long counted = 0;
        Span<float> scratch = stackalloc float[Block];
        for (var i = 0; i < n; i++)
        {
            if (t[i] == IgnoreIndex)
            {
                continue;
            }

            var row = x.Slice(i * c, c);
            var lse = LogSumExp(row, scratch);
            var nll = lse - row[(int)t[i]];
            var loss = (1 - LabelSmoothing) * nll;
            if (LabelSmoothing != 0)
            {
                double sum = 0;
                foreach (var v in row)
                {
                    sum += v;
                }

                loss += LabelSmoothing / c * ((c * lse) - sum);
            }

            total += loss;
            counted++;
            if (perSample is not null)
            {
                perSample[i] = (float)loss;
            }
        }

        if (Reduction != Reduction.None)
        {
            output[0] = Reduction == Reduction.Sum ? (float)total : (float)(total / counted);
        }
    }

    /// <summary>dL/dxᵢⱼ = sᵢ·(pᵢⱼ − (1 − ε)·[j = tᵢ] − ε/C), with pᵢⱼ the softmax and sᵢ the upstream gradient (divided by
    /// the number of counted samples for Mean); 0 for ignored samples. <paramref name="gradOutput"/>: one value for
    /// Mean/Sum, (N) for None; null means 1. Shape: (N, C).</summary>
    /// <exception cref="ArgumentException">A shape does not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, C) and not <see cref="IgnoreIndex"/>.</exception>
    internal FloatTensor Backward(FloatTensor logits, IndexTensor targets, FloatTensor? gradOutput = null)
    {
        ArgumentNullException.ThrowIfNull(logits);
        var grad = new FloatTensor(logits.Shape);
        Backward(logits, targets, gradOutput, grad);
        return grad;
    }

    /// <summary>Allocation-free backward: writes dL/dx (as <see cref="Backward(FloatTensor, IndexTensor, FloatTensor?)"/>) into
    /// <paramref name="gradInput"/> (N, C), which may be the logits themselves.</summary>
    /// <exception cref="ArgumentException">A shape does not fit (the message names it); nothing is written.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, C) and not <see cref="IgnoreIndex"/>.</exception>
    internal void Backward(FloatTensor logits, IndexTensor targets, FloatTensor? gradOutput, FloatTensor gradInput)
    {
        var (n, c) = Check(logits, targets);
        ArgumentNullException.ThrowIfNull(gradInput);
        LossChecks.CheckGradOutput(gradOutput, Reduction, [n]);
        if (!gradInput.Shape.SequenceEqual(logits.Shape))
        {
            throw new ArgumentException(
                $"gradInput has shape {FloatTensor.FormatShape(gradInput.Shape)}; the logits have {FloatTensor.FormatShape(logits.Shape)}.", nameof(gradInput));
        }

        LossChecks.Span(gradInput, nameof(gradInput));
        var x = LossChecks.Span(logits, nameof(logits));
        var t = targets.AsSpan();
        var g = gradOutput is null ? default : LossChecks.Span(gradOutput, nameof(gradOutput));
        long counted = 0;
        foreach (var ti in t)
        {
            counted += ti == IgnoreIndex ? 0 : 1;
        }

        var dx = gradInput.AsSpan();
        var uniform = (float)(LabelSmoothing / c);
        Span<float> scratch = stackalloc float[Block];
        for (var i = 0; i < n; i++)
        {
            if (t[i] == IgnoreIndex)
            {
                dx.Slice(i * c, c).Clear();
                continue;
            }

            double upstream = g.IsEmpty ? 1f : (Reduction == Reduction.None ? g[i] : g[0]);
            var scale = (float)(Reduction == Reduction.Mean ? upstream / counted : upstream);
            var row = x.Slice(i * c, c);
            var d = dx.Slice(i * c, c);
            var lse = (float)LogSumExp(row, scratch);
            TensorPrimitives.Subtract(row, lse, d);
            TensorPrimitives.Exp(d, d);                    // softmax
            if (uniform != 0)
            {
                TensorPrimitives.Subtract(d, uniform, d);
            }

            d[(int)t[i]] -= (float)(1 - LabelSmoothing);
            TensorPrimitives.Multiply(d, scale, d);
        }
    }

    /// <summary>log Σ exp(row) in double, with the row's max subtracted (exp of the float differences, batched).</summary>
    private static double LogSumExp(ReadOnlySpan<float> row, Span<float> scratch)
    {
        var max = TensorPrimitives.Max(row);
        if (float.IsNegativeInfinity(max) || float.IsNaN(max))
        {
            return max; // all −inf: log 0 = −inf (PyTorch gives NaN probabilities there); NaN propagates
        }

        double sum = 0;
        for (var j = 0; j < row.Length; j += scratch.Length)
        {
            var part = row.Slice(j, Math.Min(scratch.Length, row.Length - j));
            var s = scratch[..part.Length];
            TensorPrimitives.Subtract(part, max, s);
            TensorPrimitives.Exp(s, s);
            foreach (var v in s)
            {
                sum += v;
            }
        }

        return max + Math.Log(sum);
    }

    private (int N, int C) Check(FloatTensor logits, IndexTensor targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        if (logits.Rank != 2)
        {
            throw new ArgumentException($"Cross-entropy expects logits of shape (N, C); got {FloatTensor.FormatShape(logits.Shape)}.", nameof(logits));
        }

        var n = (int)logits.Shape[0];
        var c = (int)logits.Shape[1];
        if (targets.Rank != 1 || targets.Length != n)
        {
            throw new ArgumentException(
                $"Targets of shape {FloatTensor.FormatShape(targets.Shape)} do not match logits of shape {FloatTensor.FormatShape(logits.Shape)}: ({n},) is needed.", nameof(targets));
        }

        var t = targets.AsSpan();
        for (var i = 0; i < t.Length; i++)
        {
            if (t[i] != IgnoreIndex && (ulong)t[i] >= (ulong)c)
            {
                throw new ArgumentOutOfRangeException(nameof(targets),
                    $"Target {t[i]} at position {i} is out of bounds for {c} classes (ignore_index is {IgnoreIndex}).");
            }
        }

        return (n, c);
    }
}
