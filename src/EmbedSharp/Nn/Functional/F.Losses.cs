using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using EmbedSharp.Autograd;
using EmbedSharp.Numerics;

namespace EmbedSharp.Nn.Functional;

public static partial class F
{
    /// <summary>Cross-entropy over class indices: log_softmax over the class dimension, then the negative log-likelihood
    /// of each target, optionally mixed with the uniform distribution: ℓ = (1 − ε)·nll + ε/C·(−Σ_c log p_c); targets equal
    /// to <paramref name="ignoreIndex"/> give 0 and leave the mean's denominator. torch:
    /// <c>F.cross_entropy(logits, targets, ignore_index, reduction, label_smoothing)</c> (no class weights).
    /// Shape: logits (N, C) or (N, C, d…), targets (N) or (N, d…); output () for Mean/Sum, the targets' shape for None.
    /// Backward: through log_softmax; d logp[target] = −g (divided by the count for Mean) and, with smoothing,
    /// −g·ε/C on every class.</summary>
    /// <remarks>Computed as torch 1.13 composes it (log_softmax; nll_loss with its cascade sum; the smoothing term with
    /// torch.sum's order), so the results agree with torch within an ulp or two of the exponentials.
    /// A mean over no counted target is NaN, as torch.</remarks>
    /// <exception cref="ArgumentException">The shapes do not fit; the message names them.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, C) and not the ignore index, or
    /// <paramref name="labelSmoothing"/> is outside [0, 1].</exception>
    public static Variable CrossEntropy(Variable logits, IndexTensor targets, long ignoreIndex = -100, double labelSmoothing = 0, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        CheckReduction(reduction);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"cross_entropy: label_smoothing must be between 0.0 and 1.0; got {labelSmoothing}.");
        }

        var shape = logits.Shape;
        if (shape.Length < 2 || targets.Rank != shape.Length - 1 || targets.Shape[0] != shape[0] || !targets.Shape[1..].SequenceEqual(shape[2..]))
        {
            throw new ArgumentException($"cross_entropy: logits of shape {FloatTensor.FormatShape(shape)} and targets of shape {FloatTensor.FormatShape(targets.Shape)} do not fit ((N, C, d…) and (N, d…) are needed).", nameof(targets));
        }

        var classes = shape[1];
        var t = targets.AsSpan();
        for (var i = 0; i < t.Length; i++)
        {
            if (t[i] != ignoreIndex && (ulong)t[i] >= (ulong)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(targets), $"cross_entropy: target {t[i]} at position {i} is out of bounds for {classes} classes (ignore_index is {ignoreIndex}).");
            }
        }

        // One node for the whole loss (torch composes log_softmax and nll_loss): its backward forms d logits directly,
        // with the same float operations the composition performed, instead of a one-hot gradient of the
        // log-probabilities and a second full-size gradient after log_softmax's backward.
        var logp = GradientBuffers.RentSaved(shape); // every element written; seen only by the node (pooled storage)
        Ops.SoftmaxForward(logits.Data, logp, 1, log: true);
        var output = Nll.Forward(logp, targets, ignoreIndex, reduction, smoothing: false, out var count);
        var keep = (float)(1 - labelSmoothing);
        var spread = (float)(labelSmoothing / classes);
        if (labelSmoothing != 0)
        {
            // (1 − ε)·nll + ε/C·smooth, each product rounded before the sum (torch: mul, mul, add)
            var smooth = Nll.Forward(logp, targets, ignoreIndex, reduction, smoothing: true, out _);
            var o = output.AsSpan();
            ReadOnlySpan<float> sm = smooth.AsSpan();
            for (var i = 0; i < o.Length; i++)
            {
                o[i] = (o[i] * keep) + (sm[i] * spread);
            }
        }

        return Tracks(logits)
            ? new Variable(output, new CrossEntropyNode(logits, logp, targets, ignoreIndex, reduction, labelSmoothing != 0, keep, spread, count))
: NotTracked(output, logp);
    }

    /// <summary>Mean squared error: ℓ = (x − y)², reduced. torch: <c>F.mse_loss(input, target, reduction)</c>.
    /// Shape: input and target the same shape; output () for Mean/Sum, the input's shape for None.
    /// Backward: gx = (x − y)·(2/n)·g for Mean (2 for Sum/None), gy = −gx.</summary>
    /// <remarks>Bit-exact with torch 1.13: the squares, torch.sum's order, the mean as sum/n, and the gradient's three
    /// roundings.</remarks>
    /// <exception cref="ArgumentException">The shapes differ; the message names both.</exception>
    public static Variable MseLoss(Variable input, Variable target, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction);
        if (!input.Shape.SequenceEqual(target.Shape))
        {
            throw new ArgumentException($"mse_loss: input of shape {FloatTensor.FormatShape(input.Shape)} and target of shape {FloatTensor.FormatShape(target.Shape)} differ.", nameof(target));
        }

        ReadOnlySpan<float> x = input.Data.AsSpan(), y = target.Data.AsSpan();
        var squares = new FloatTensor(input.Shape);
        var l = squares.AsSpan();
        for (var i = 0; i < l.Length; i++)
        {
            var d = x[i] - y[i];
            l[i] = d * d;
        }

        var output = Reduce(squares, reduction);
        return Ops.Tracks(input.RequiresGrad || target.RequiresGrad) ? new Variable(output, new MseNode(input, target, reduction)) : new Variable(output);
    }

    /// <summary>Binary cross-entropy on logits, in torch's stable form: with m = max(−x, 0),
    /// ℓ = (1 − y)·x + w·(log(e^−m + e^(−x−m)) + m), w = 1 + (pos_weight − 1)·y (w = 1 without pos_weight).
    /// torch: <c>F.binary_cross_entropy_with_logits(input, target, reduction=…, pos_weight=…)</c> (no per-element weight).
    /// Shape: input and target the same shape; posWeight broadcast against them (usually (C), the last dimension);
    /// output () for Mean/Sum, the input's shape for None.
    /// Backward: gx = ((pw·y + 1 − y)·σ(x) − pw·y)·g (σ(x) − y without pos_weight), divided by n for Mean; the target
    /// gets no gradient here.</summary>
    /// <remarks>exp and log are taken in double and rounded once (torch: SLEEF), so results agree within an ulp or two.</remarks>
    /// <exception cref="ArgumentException">The shapes do not fit; the message names them.</exception>
    public static Variable BinaryCrossEntropyWithLogits(Variable input, Variable target, FloatTensor? posWeight = null, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        CheckReduction(reduction);
        if (!input.Shape.SequenceEqual(target.Shape))
        {
            throw new ArgumentException($"binary_cross_entropy_with_logits: input of shape {FloatTensor.FormatShape(input.Shape)} and target of shape {FloatTensor.FormatShape(target.Shape)} differ.", nameof(target));
        }

        FloatTensor? pw = null;
        if (posWeight is not null)
        {
            var shape = Broadcast(posWeight.Shape, input.Shape);
            pw = Expand(posWeight, input.Shape, shape);
        }

        ReadOnlySpan<float> x = input.Data.AsSpan(), y = target.Data.AsSpan();
        var loss = new FloatTensor(input.Shape);
        var l = loss.AsSpan();
        for (var i = 0; i < l.Length; i++)
        {
            var m = Math.Max(-x[i], 0f);
            var logTerm = (float)Math.Log((float)Math.Exp(-m) + (float)Math.Exp((-x[i]) - m));
            var first = (1f - y[i]) * x[i];
            if (pw is null)
            {
                l[i] = first + m + logTerm;
            }
            else
            {
                var w = ((pw.AsSpan()[i] - 1f) * y[i]) + 1f;
                l[i] = first + (w * (logTerm + m));
            }
        }

        var output = Reduce(loss, reduction);
        return Tracks(input) ? new Variable(output, new BceNode(input, target.Data, pw, reduction)) : new Variable(output);
    }

    private static bool Tracks(Variable v) => Ops.Tracks(v.RequiresGrad);

    /// <summary>The untracked result; the log-probabilities no node keeps go back to the pool.</summary>
    private static Variable NotTracked(FloatTensor output, FloatTensor logp)
    {
        GradientBuffers.ReturnSaved(logp);
        return new Variable(output);
    }

    private static Variable Scalar(float value) => new(FloatTensor.FromArray([value]));

    private static void CheckReduction(Reduction reduction)
    {
        if (reduction is not (Reduction.None or Reduction.Mean or Reduction.Sum))
        {
            throw new ArgumentOutOfRangeException(nameof(reduction), $"Unknown reduction {(int)reduction}.");
        }
    }

    private static FloatTensor Reduce(FloatTensor values, Reduction reduction)
    {
        if (reduction == Reduction.None)
        {
            return values;
        }

        var output = new FloatTensor(ReadOnlySpan<long>.Empty);
        var sum = TorchSum.All(values.AsSpan());
        output.AsSpan()[0] = reduction == Reduction.Sum ? sum : sum / values.Length;
        return output;
    }

    private static long[] Broadcast(ReadOnlySpan<long> weight, ReadOnlySpan<long> input)
    {
        var ok = weight.Length <= input.Length;
        for (var i = 1; ok && i <= weight.Length; i++)
        {
            ok = weight[^i] == 1 || weight[^i] == input[^i];
        }

        if (!ok)
        {
            throw new ArgumentException($"binary_cross_entropy_with_logits: pos_weight of shape {FloatTensor.FormatShape(weight)} does not broadcast to the input's shape {FloatTensor.FormatShape(input)}.", "posWeight");
        }

        return [.. input];
    }

    /// <summary>The weight repeated to the input's shape (broadcast read, row-major).</summary>
    private static FloatTensor Expand(FloatTensor weight, ReadOnlySpan<long> input, long[] shape)
    {
        var result = new FloatTensor(shape);
        var r = result.AsSpan();
        ReadOnlySpan<float> w = weight.AsSpan();
        var rank = input.Length;
        var index = new long[rank];
        for (var n = 0; n < r.Length; n++)
        {
            long at = 0, stride = 1;
            for (var d = 1; d <= weight.Rank; d++)
            {
                var size = weight.Shape[^d];
                at += size == 1 ? 0 : index[rank - d] * stride;
                stride *= size;
            }

            r[n] = w[(int)at];
            for (var d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < input[d])
                {
                    break;
                }

                index[d] = 0;
            }
        }

        return result;
    }

    /// <summary>nll_loss over log-probabilities (N, C, d…), or (smoothing) the masked −Σ_c log p term of label
    /// smoothing, with torch 1.13's reductions: nll's Mean/Sum is its 8-level cascade sum over the targets in order;
    /// the smoothing term sums classes and then samples in torch.sum's order.</summary>
    private static class Nll
    {
        private const int CascadeLevels = 8;

        public static FloatTensor Forward(FloatTensor logp, IndexTensor targets, long ignore, Reduction reduction, bool smoothing, out long count)
        {
            var (n, c, inner) = Sizes(logp.Shape);
            ReadOnlySpan<float> lp = logp.AsSpan();
            var t = targets.AsSpan();
            count = 0;
            foreach (var v in t)
            {
                count += v == ignore ? 0 : 1;
            }

            if (smoothing)
            {
                var smooth = new FloatTensor(targets.Shape);
                var sm = smooth.AsSpan();
                var column = new float[inner];
                for (var b = 0; b < n; b++)
                {
                    var block = lp.Slice(b * c * inner, c * inner);
                    if (inner == 1)
                    {
                        column[0] = TorchSum.All(block);
                    }
                    else
                    {
                        TorchSum.Columns(block, c, inner, column);
                    }

                    for (var i = 0; i < inner; i++)
                    {
                        sm[(b * inner) + i] = t[(b * inner) + i] == ignore ? 0f : -column[i];
                    }
                }

                if (reduction == Reduction.None)
                {
                    return smooth;
                }

                var result = new FloatTensor(ReadOnlySpan<long>.Empty);
                var total = TorchSum.All(sm);
                result.AsSpan()[0] = reduction == Reduction.Sum ? total : total / count;
                return result;
            }

            if (reduction == Reduction.None)
            {
                var output = new FloatTensor(targets.Shape);
                var o = output.AsSpan();
                for (var b = 0; b < n; b++)
                {
                    for (var i = 0; i < inner; i++)
                    {
                        var target = t[(b * inner) + i];
                        o[(b * inner) + i] = target == ignore ? 0f : -lp[(int)((((b * c) + target) * inner) + i)];
                    }
                }

                return output;
            }

            // torch's nll_loss cascade: values subtracted into level 0; whenever the running index has its low
            // `power` bits (then the next `power` bits, …) zero, a level is carried into the next one.
            var iterations = n * inner;
            var power = Math.Max(4, CeilLog2(iterations) / CascadeLevels);
            var levelMask = (1L << power) - 1;
            Span<float> sums = stackalloc float[CascadeLevels];
            sums.Clear();
            for (var linear = 0; linear < iterations; linear++)
            {
                var target = t[linear];
                if (target == ignore)
                {
                    continue;
                }

                int b = linear / inner, i = linear % inner;
                sums[0] -= lp[(int)((((b * c) + target) * inner) + i)];
                for (var j = 0; j + 1 < CascadeLevels; j++)
                {
                    if ((linear & (levelMask << (j * power))) != 0)
                    {
                        break;
                    }

                    sums[j + 1] += sums[j];
                    sums[j] = 0;
                }
            }

            var value = 0f;
            foreach (var part in sums)
            {
                value += part;
            }

            var scalar = new FloatTensor(ReadOnlySpan<long>.Empty);
            scalar.AsSpan()[0] = reduction == Reduction.Mean ? value / count : value;
            return scalar;
        }

        internal static (int N, int C, int Inner) Sizes(ReadOnlySpan<long> shape)
        {
            long inner = 1;
            foreach (var s in shape[2..])
            {
                inner *= s;
            }

            return ((int)shape[0], (int)shape[1], (int)inner);
        }

        private static int CeilLog2(long x)
        {
            var r = 0;
            while ((1L << r) < x)
            {
                r++;
            }

            return r;
        }
    }

    /// <summary>cross_entropy over class indices as one node. Backward: the gradient nll_loss (and the smoothing term)
    /// would hand to log_softmax, g_c = −u_s + (c = target ? −u_n : 0) per counted position (u the upstream gradient
    /// through the scaling, divided by the count for Mean), goes through log_softmax's backward
    /// dx = fma(exp(logp), −Σ_c g_c, g) in its order, so the bits are the composition's. Without smoothing, on (N, C),
    /// the row holds one nonzero and its sum is that value, so no row of g is formed. When the engine drops the saved
    /// log-probabilities after this backward, d logits overwrite them in place.</summary>
    private sealed class CrossEntropyNode : Node
    {
        private readonly IndexTensor _targets;
        private readonly long _ignore;
        private readonly Reduction _reduction;
        private readonly bool _smoothing;
        private readonly float _keep;
        private readonly float _spread;
        private readonly long _count;
        private readonly int _rank;
        private FloatTensor? _logp;

        public CrossEntropyNode(Variable logits, FloatTensor logp, IndexTensor targets, long ignore, Reduction reduction, bool smoothing, float keep, float spread, long count)
            : base(logits)
        {
            _logp = logp;
            _targets = targets;
            _ignore = ignore;
            _reduction = reduction;
            _smoothing = smoothing;
            _keep = keep;
            _spread = spread;
            _count = count;
            _rank = logp.Rank;
        }

        public override string Name => _smoothing ? "AddBackward0" : (_rank == 2 ? "NllLossBackward0" : "NllLoss2DBackward0");

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var logp = _logp ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            var gx = ReleasedAfterBackward ? logp : NewGradientUninitialized(logp.Shape);
            if (ReleasedAfterBackward)
            {
                GradientBuffers.AdoptSaved(logp); // the engine recycles it once the gradient is used
            }
            var (n, c, inner) = Nll.Sizes(logp.Shape);
            ReadOnlySpan<float> g = gradOutput.AsSpan(), y = logp.AsSpan();
            var t = _targets.AsSpan();
            var dx = gx.AsSpan();
            if (_rank == 2 && !_smoothing)
            {
                // rows are independent and each is computed whole by one thread: the split cannot change a bit
                unsafe
                {
                    fixed (float* py = y, pdx = dx, pg = g)
                    fixed (long* pt = t)
                    {
                        var work = new OneHotWork { Y = py, Dx = pdx, G = pg, Targets = pt, Rows = n, Classes = c, Ignore = _ignore, Reduction = _reduction, Count = _count };
                        WorkSplit.Run(&OneHotRowsPart, &work, WorkSplit.Parts((long)n * c, Ops.MinRowElementsPerPart));
                    }
                }
            }
            else if (c > 0)
            {
                BackwardFormed(g, y, t, dx, n, c, inner);
            }

            gradInputs[0] = gx;
        }

        private protected override void ReleaseSaved() => _logp = null;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static unsafe void OneHotRowsPart(void* context, int part, int parts)
        {
            ref var w = ref Unsafe.AsRef<OneHotWork>(context);
            var (start, end) = WorkSplit.Range(w.Rows, part, parts);
            var c = w.Classes;
            for (var r = start; r < end; r++)
            {
                var target = w.Targets[r];
                var value = 0f;
                if (target != w.Ignore)
                {
                    // nll's upstream gradient, as its node formed it
                    var raw = w.Reduction == Reduction.None ? w.G[r] : w.G[0];
                    value = -(w.Reduction == Reduction.Mean ? raw / w.Count : raw);
                }

                Ops.LogSoftmaxBackwardOneHot(new ReadOnlySpan<float>(w.Y + (r * c), c), target != w.Ignore ? (int)target : -1, value, new Span<float>(w.Dx + (r * c), c));
            }
        }

        private unsafe struct OneHotWork
        {
            public float* Y;
            public float* Dx;
            public float* G;
            public long* Targets;
            public int Rows;
            public int Classes;
            public long Ignore;
            public Reduction Reduction;
            public long Count;
        }

        /// <summary>The general case: each sample's gradient of the log-probabilities formed in a scratch block as the
        /// composition formed it, then log_softmax's backward over it (the last-dimension order on (N, C), the
        /// in-order sum along the classes otherwise).</summary>
        private void BackwardFormed(ReadOnlySpan<float> g, ReadOnlySpan<float> y, ReadOnlySpan<long> t, Span<float> dx, int n, int c, int inner)
        {
            var block = c * inner;
            var scratch = ArrayPool<float>.Shared.Rent(block + inner);
            try
            {
                var grad = scratch.AsSpan(0, block);
                var sum = scratch.AsSpan(block, inner);
                for (var b = 0; b < n; b++)
                {
                    grad.Clear();
                    for (var i = 0; i < inner; i++)
                    {
                        var linear = (b * inner) + i;
                        var target = t[linear];
                        if (target == _ignore)
                        {
                            continue;
                        }

                        var (un, us) = Upstream(g, linear);
                        if (_smoothing)
                        {
                            // the smoothing term's gradient arrives first; the engine adds nll's (0 off the target)
                            var off = -us + 0f;
                            for (var k = 0; k < c; k++)
                            {
                                grad[(k * inner) + i] = off;
                            }

                            grad[(int)((target * inner) + i)] = -us + -un;
                        }
                        else
                        {
                            grad[(int)((target * inner) + i)] = -un;
                        }
                    }

                    var yb = y.Slice(b * block, block);
                    var db = dx.Slice(b * block, block);
                    if (_rank == 2)
                    {
                        Ops.LogSoftmaxBackwardRow(yb, grad, Ops.LaneSum(grad), db);
                        continue;
                    }

                    sum.Clear();
                    for (var k = 0; k < c; k++)
                    {
                        TensorPrimitives.Add(sum, grad.Slice(k * inner, inner), sum);
                    }

                    for (var k = 0; k < c; k++)
                    {
                        var d = db.Slice(k * inner, inner);
                        Ops.ExpD(yb.Slice(k * inner, inner), d); // d may be the same memory as y: read before written
                        TensorPrimitives.Negate(d, d);
                        TensorPrimitives.FusedMultiplyAdd(d, sum, grad.Slice(k * inner, inner), d);
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }

        /// <summary>The upstream gradient of position <paramref name="linear"/> as nll's node (and the smoothing
        /// term's) received it: through the scaling by 1 − ε and ε/C when smoothing, divided by the count for Mean.</summary>
        private (float Nll, float Smooth) Upstream(ReadOnlySpan<float> g, int linear)
        {
            var raw = _reduction == Reduction.None ? g[linear] : g[0];
            if (!_smoothing)
            {
                return (_reduction == Reduction.Mean ? raw / _count : raw, 0f);
            }

            float gn = raw * _keep, gs = raw * _spread;
            return _reduction == Reduction.Mean ? (gn / _count, gs / _count) : (gn, gs);
        }
    }

    private sealed class MseNode(Variable input, Variable target, Reduction reduction) : Node(input, target)
    {
        private FloatTensor? _x = input.Data;
        private FloatTensor? _y = target.Data;

        public override string Name => "MseLossBackward0";

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var xs = (_x ?? throw new InvalidOperationException($"{Name}: saved tensors were released.")).AsSpan();
            var ys = _y!.AsSpan();
            ReadOnlySpan<float> g = gradOutput.AsSpan();
            var norm = reduction == Reduction.Mean ? (float)(2.0 / xs.Length) : 2f;
            for (var input = 0; input < 2; input++)
            {
                if (!Inputs[input].RequiresGrad)
                {
                    continue;
                }

                var grad = NewGradient(_x!.Shape);
                var r = grad.AsSpan();
                for (var i = 0; i < r.Length; i++)
                {
                    var diff = input == 0 ? xs[i] - ys[i] : ys[i] - xs[i];
                    r[i] = diff * norm * (reduction == Reduction.None ? g[i] : g[0]);
                }

                gradInputs[input] = grad;
            }
        }

        private protected override void ReleaseSaved()
        {
            _x = null;
            _y = null;
        }
    }

    private sealed class BceNode(Variable input, FloatTensor target, FloatTensor? posWeight, Reduction reduction) : Node(input)
    {
        private FloatTensor? _x = input.Data;

        public override string Name => "BinaryCrossEntropyWithLogitsBackward0";

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var x = _x ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            ReadOnlySpan<float> xs = x.AsSpan(), ys = target.AsSpan(), g = gradOutput.AsSpan();
            var grad = NewGradient(x.Shape);
            var r = grad.AsSpan();
            for (var i = 0; i < r.Length; i++)
            {
                var sigmoid = 1f / (1f + (float)Math.Exp(-xs[i]));
                var upstream = reduction == Reduction.None ? g[i] : g[0];
                float v;
                if (posWeight is null)
                {
                    v = (sigmoid - ys[i]) * upstream;
                }
                else
                {
                    var t = posWeight.AsSpan()[i] * ys[i];
                    v = ((((t + 1f) - ys[i]) * sigmoid) - t) * upstream;
                }

                r[i] = reduction == Reduction.Mean ? v / r.Length : v;
            }

            gradInputs[0] = grad;
        }

        private protected override void ReleaseSaved() => _x = null;
    }
}
