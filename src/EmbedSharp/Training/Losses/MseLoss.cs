using System.Runtime.Intrinsics;
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
    private float[] _squares = []; // (n) squared differences for Mean/Sum; grown once, reused

    /// <summary>Creates the loss.</summary>
    public MseLoss(Reduction reduction = Reduction.Mean)
    {
        LossChecks.CheckReduction(reduction);
        Reduction = reduction;
    }

    /// <summary>How the per-element losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <summary>The loss, recorded for backward: <see cref="F.MseLoss"/> with this loss's reduction. torch:
    /// <c>nn.MSELoss.forward</c>. Shape: input and target the same; output () for Mean/Sum, the input's for None.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public Autograd.Variable Forward(Autograd.Variable input, Autograd.Variable target) => F.MseLoss(input, target, Reduction);

    /// <summary>The loss: a scalar tensor for Mean/Sum, per element for None.</summary>
    /// <exception cref="ArgumentException">The shapes differ (the message names both).</exception>
    internal FloatTensor Forward(FloatTensor input, FloatTensor target)
    {
        LossChecks.SameShape(input, target);
        var output = Reduction == Reduction.None ? new FloatTensor(input.Shape) : new FloatTensor(Array.Empty<long>());
        Forward(input, target, output);
        return output;
    }

    /// <summary>Allocation-free forward (after the first Mean/Sum call, which sizes a scratch buffer): writes the loss
    /// into <paramref name="output"/>, one value for Mean/Sum, the input's shape for None. Same bits as
    /// <see cref="Forward(FloatTensor, FloatTensor)"/>.</summary>
    /// <exception cref="ArgumentException">A shape does not fit (the message names it); nothing is written.</exception>
    internal void Forward(FloatTensor input, FloatTensor target, FloatTensor output)
    {
        LossChecks.SameShape(input, target);
        ArgumentNullException.ThrowIfNull(output);
        LossChecks.CheckOutput(output, Reduction, input.Shape);
        var x = LossChecks.Span(input, nameof(input));
        var y = LossChecks.Span(target, nameof(target));
        Span<float> l;
        if (Reduction == Reduction.None)
        {
            LossChecks.Span(output, nameof(output));
            l = output.AsSpan();
        }
        else
        {
            if (_squares.Length < x.Length)
            {
                _squares = new float[x.Length];
            }

            l = _squares.AsSpan(0, x.Length);
        }

        for (var i = 0; i < l.Length; i++)
        {
            var d = x[i] - y[i];
            l[i] = d * d;
        }

        if (Reduction != Reduction.None)
        {
            output[0] = Reduction == Reduction.Sum ? TorchSum.All(l) : TorchSum.All(l) / l.Length;
        }
    }

    /// <summary>dL/dx = (x − y)·c·g with c = 2/n for Mean and 2 otherwise; g is <paramref name="gradOutput"/>
    /// (one value for Mean/Sum, per element for None; null means 1).</summary>
    /// <exception cref="ArgumentException">A shape does not fit (the message names it).</exception>
    internal FloatTensor Backward(FloatTensor input, FloatTensor target, FloatTensor? gradOutput = null)
    {
        LossChecks.SameShape(input, target);
        var grad = new FloatTensor(input.Shape);
        Backward(input, target, gradOutput, grad);
        return grad;
    }

    /// <summary>Allocation-free backward: writes dL/dx (as <see cref="Backward(FloatTensor, FloatTensor, FloatTensor?)"/>) into
    /// <paramref name="gradInput"/>, which has the input's shape and may be the input itself.</summary>
    /// <exception cref="ArgumentException">A shape does not fit (the message names it); nothing is written.</exception>
    internal void Backward(FloatTensor input, FloatTensor target, FloatTensor? gradOutput, FloatTensor gradInput)
    {
        LossChecks.SameShape(input, target);
        ArgumentNullException.ThrowIfNull(gradInput);
        LossChecks.CheckGradOutput(gradOutput, Reduction, input.Shape);
        if (!gradInput.Shape.SequenceEqual(input.Shape))
        {
            throw new ArgumentException(
                $"gradInput has shape {FloatTensor.FormatShape(gradInput.Shape)}; the input has {FloatTensor.FormatShape(input.Shape)}.", nameof(gradInput));
        }

        var x = LossChecks.Span(input, nameof(input));
        var y = LossChecks.Span(target, nameof(target));
        var dx = LossChecks.Span(gradInput, nameof(gradInput));
        var dxw = gradInput.AsSpan();
        var norm = Reduction == Reduction.Mean ? (float)(2.0 / x.Length) : 2f;
        var g = gradOutput is null ? default : LossChecks.Span(gradOutput, nameof(gradOutput));
        if (Reduction == Reduction.None && !g.IsEmpty)
        {
            for (var i = 0; i < dx.Length; i++)
            {
                dxw[i] = (x[i] - y[i]) * norm * g[i];
            }

            return;
        }

        // Same three roundings per element as torch, in one vectorised pass: (x − y), then ·norm, then ·g (·1 is exact
        // and skipped). One pass instead of three halves the memory traffic of this bandwidth-bound kernel.
        var scale = !g.IsEmpty && g[0] != 1f ? g[0] : 1f;
        unsafe
        {
            fixed (float* px = x, py = y, pd = dxw)
            {
                // Elementwise, so parts of the range on different cores give the same bits as one pass.
                var work = new GradientWork { X = px, Y = py, D = pd, Length = dxw.Length, Norm = norm, Scale = scale };
                WorkSplit.Run(&GradientPart, &work, WorkSplit.Parts(dxw.Length, 1L << 17));
            }
        }
    }

    private unsafe struct GradientWork
    {
        public float* X;
        public float* Y;
        public float* D;
        public int Length;
        public float Norm;
        public float Scale;
    }

    private static unsafe void GradientPart(void* context, int part, int parts)
    {
        ref var w = ref System.Runtime.CompilerServices.Unsafe.AsRef<GradientWork>(context);
        var (start, end) = WorkSplit.Range(w.Length, part, parts);
        var n = (int)(end - start);
        FusedGradient(new ReadOnlySpan<float>(w.X + start, n), new ReadOnlySpan<float>(w.Y + start, n), w.Norm, w.Scale, new Span<float>(w.D + start, n));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void FusedGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, float norm, float scale, Span<float> dx)
    {
        var n = System.Runtime.Intrinsics.Vector256.Create(norm);
        var sc = System.Runtime.Intrinsics.Vector256.Create(scale);
        var i = 0;
        for (; i + 8 <= dx.Length; i += 8)
        {
            var d = (System.Runtime.Intrinsics.Vector256.Create(x.Slice(i, 8)) - System.Runtime.Intrinsics.Vector256.Create(y.Slice(i, 8))) * n;
            if (scale != 1f)
            {
                d *= sc;
            }

            d.CopyTo(dx.Slice(i, 8));
        }

        for (; i < dx.Length; i++)
        {
            var d = (x[i] - y[i]) * norm;
            dx[i] = scale != 1f ? d * scale : d;
        }
    }
}
