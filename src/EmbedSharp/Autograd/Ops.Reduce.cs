using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

/// <summary>Reductions over dimensions: sum, mean, max, amax, var. Sums follow torch.sum's CPU order
/// (<see cref="TorchSum.Reduce"/>), so sums and means are bit-exact on one thread; var accumulates in double as
/// torch's CPU kernels do.</summary>
public static partial class Ops
{
    /// <summary>The sum over dimension <paramref name="dim"/> (negative counts from the end), in torch.sum's CPU
    /// summation order. Shape: (…, n, …) → (…, …), or (…, 1, …) with <paramref name="keepDim"/>. torch:
    /// <c>x.sum(dim, keepdim)</c>. Backward: g broadcast back along the reduced dimension.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The dim is out of range; the message names the dim and the
    /// rank.</exception>
    public static Variable Sum(Variable x, int dim, bool keepDim = false) => Sum(x, [dim], keepDim);

    /// <summary>The sum over several dimensions (an empty list means all of them, as torch's), in torch.sum's CPU
    /// summation order. Shape: the reduced dimensions removed, or kept as 1 with <paramref name="keepDim"/>. torch:
    /// <c>x.sum(dims, keepdim)</c>. Backward: g broadcast back along the reduced dimensions.</summary>
    /// <exception cref="ArgumentException">A dim is out of range or repeated.</exception>
    public static Variable Sum(Variable x, int[] dims, bool keepDim = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        var (reduced, shape, count) = ReduceShape(x.Shape, dims, keepDim, "sum");
        var output = new FloatTensor(shape);
        TorchSum.Reduce(x.Data.AsSpan(), x.Shape, reduced, keepDim, output.AsSpan());
        return Tracks(x.RequiresGrad) ? new Variable(output, new ReduceSumNode(x, reduced, 1, "SumBackward1")) : new Variable(output);
    }

    /// <summary>The mean over dimension <paramref name="dim"/>: the sum in torch.sum's order divided by n (as torch).
    /// Shape: as <see cref="Sum(Variable, int, bool)"/>. torch: <c>x.mean(dim, keepdim)</c>. Backward: g / n
    /// broadcast back.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The dim is out of range.</exception>
    public static Variable Mean(Variable x, int dim, bool keepDim = false) => Mean(x, [dim], keepDim);

    /// <summary>The mean over several dimensions (an empty list means all). Shape: as
    /// <see cref="Sum(Variable, int[], bool)"/>. torch: <c>x.mean(dims, keepdim)</c>. Backward: g / n broadcast
    /// back, n the number of elements reduced into each output.</summary>
    /// <exception cref="ArgumentException">A dim is out of range or repeated.</exception>
    public static Variable Mean(Variable x, int[] dims, bool keepDim = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        var (reduced, shape, count) = ReduceShape(x.Shape, dims, keepDim, "mean");
        var output = new FloatTensor(shape);
        var o = output.AsSpan();
        TorchSum.Reduce(x.Data.AsSpan(), x.Shape, reduced, keepDim, o);
        System.Numerics.Tensors.TensorPrimitives.Divide(o, (float)count, o);
        return Tracks(x.RequiresGrad) ? new Variable(output, new ReduceSumNode(x, reduced, count, "MeanBackward1")) : new Variable(output);
    }

    /// <summary>The largest value along <paramref name="dim"/> and its index (the first among ties; NaN wins and
    /// propagates, as torch's). Shape: (…, n, …) → (…, …) for both, or (…, 1, …) with <paramref name="keepDim"/>.
    /// torch: <c>torch.max(x, dim, keepdim)</c>. Backward: g goes to the returned index, 0 elsewhere.</summary>
    /// <exception cref="ArgumentException">The dim is out of range, or the dimension is empty.</exception>
    public static (Variable Values, IndexTensor Indices) Max(Variable x, int dim, bool keepDim = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        var (d, outer, n, inner, shape) = ReduceOne(x, dim, keepDim, "max");
        var values = new FloatTensor(shape);
        var indices = new long[values.Length];
        ArgMax(x.Data.AsSpan(), outer, n, inner, values.AsSpan(), indices);
        var index = new IndexTensor(indices, shape);
        var output = Tracks(x.RequiresGrad) ? new Variable(values, new MaxDimNode(x, d, index)) : new Variable(values);
        return (output, index);
    }

    /// <summary>The largest element (NaN if any element is NaN). Shape: (). torch: <c>x.max()</c>. Backward (torch
    /// 1.13's <c>evenly_distribute_backward</c>): g / k to each of the k elements equal to the maximum, 0
    /// elsewhere.</summary>
    /// <exception cref="ArgumentException">x has no elements.</exception>
    public static Variable Max(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Data.Length == 0)
        {
            throw new ArgumentException($"max: the input of shape {FloatTensor.FormatShape(x.Shape)} has no elements; specify a dim or give a non-empty input.", nameof(x));
        }

        var output = new FloatTensor(ReadOnlySpan<long>.Empty);
        var indices = new long[1];
        ArgMax(x.Data.AsSpan(), 1, x.Data.Length, 1, output.AsSpan(), indices);
        return Tracks(x.RequiresGrad) ? new Variable(output, new MaxAllNode(x, output[0])) : new Variable(output);
    }

    /// <summary>The largest value along <paramref name="dim"/>. Shape: (…, n, …) → (…, …), or (…, 1, …) with
    /// <paramref name="keepDim"/>. torch: <c>torch.amax(x, dim, keepdim)</c>. Backward: the gradient is split evenly
    /// among ties: (g / k) · [x = max], k the number of maximal elements in the slice.</summary>
    /// <exception cref="ArgumentException">The dim is out of range, or the dimension is empty.</exception>
    public static Variable Amax(Variable x, int dim, bool keepDim = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        var (d, outer, n, inner, shape) = ReduceOne(x, dim, keepDim, "amax");
        var values = new FloatTensor(shape);
        ArgMax(x.Data.AsSpan(), outer, n, inner, values.AsSpan(), new long[values.Length]);
        return Tracks(x.RequiresGrad) ? new Variable(values, new AmaxNode(x, d, values)) : new Variable(values);
    }

    /// <summary>The variance along <paramref name="dim"/>: Σ (x − mean)² / (n − 1) (unbiased) or / n. Accumulated in
    /// double as torch's CPU kernel (Welford; a single-element result uses torch's two-pass all-reduce) and rounded
    /// once. Shape: (…, n, …) → (…, …), or (…, 1, …) with <paramref name="keepDim"/>. torch:
    /// <c>torch.var(x, dim, unbiased, keepdim)</c>. Backward: (2 / (n − c)) · g · (x − mean(x, dim)), c = 1 if
    /// unbiased else 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The dim is out of range.</exception>
    public static Variable Var(Variable x, int dim, bool unbiased = true, bool keepDim = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        var (d, outer, n, inner, shape) = ReduceOne(x, dim, keepDim, "var", allowEmpty: true);
        var correction = unbiased ? 1 : 0;
        var output = new FloatTensor(shape);
        var o = output.AsSpan();
        ReadOnlySpan<float> v = x.Data.AsSpan();
        if (output.Length == 1 && v.Length > 0)
        {
            o[0] = VarAll(v, correction);
        }
        else
        {
            for (var r = 0; r < outer; r++)
            {
                for (var i = 0; i < inner; i++)
                {
                    // WelfordOps<float, double> as torch's std_var_kernel, one element at a time along the dim.
                    double mean = 0, m2 = 0;
                    for (var k = 0; k < n; k++)
                    {
                        double value = v[(int)((((r * n) + k) * inner) + i)];
                        var delta = value - mean;
                        mean += delta / (k + 1);
                        m2 += delta * (value - mean);
                    }

                    o[(int)((r * inner) + i)] = (float)(m2 / Math.Max(0, n - correction));
                }
            }
        }

        var reduced = new bool[x.Shape.Length];
        if (reduced.Length > 0)
        {
            reduced[d] = true;
        }

        return Tracks(x.RequiresGrad) ? new Variable(output, new VarNode(x, reduced, n - correction, all: false)) : new Variable(output);
    }

    /// <summary>The variance of all elements: Σ (x − mean)² / (N − 1) (unbiased) or / N, the mean in float (torch.sum
    /// order) and the squares summed in double, as torch's CPU all-reduce. Shape: (). torch:
    /// <c>torch.var(x, unbiased)</c>. Backward: (2 / (N − c)) · g · (x − mean(x)).</summary>
    public static Variable Var(Variable x, bool unbiased = true)
    {
        ArgumentNullException.ThrowIfNull(x);
        var correction = unbiased ? 1 : 0;
        var output = new FloatTensor(ReadOnlySpan<long>.Empty);
        output.AsSpan()[0] = x.Data.Length == 0 ? float.NaN : VarAll(x.Data.AsSpan(), correction);
        var reduced = new bool[x.Shape.Length];
        reduced.AsSpan().Fill(true);
        return Tracks(x.RequiresGrad) ? new Variable(output, new VarNode(x, reduced, x.Data.Length - correction, all: true)) : new Variable(output);
    }

    /// <summary>torch's std_var_all_cpu: the float mean (torch.sum order / N) widened to double, then Σ (x − mean)² in
    /// double in flat order, divided by max(0, N − correction), rounded to float.</summary>
    private static float VarAll(ReadOnlySpan<float> v, int correction)
    {
        double mean = TorchSum.All(v) / v.Length;
        double sum = 0;
        foreach (var value in v)
        {
            var dx = value - mean;
            sum += dx * dx;
        }

        return (float)(sum / Math.Max(0, v.Length - correction));
    }

    /// <summary>The reduced-dimension mask, the output shape and the number of elements reduced into each output; an
    /// empty <paramref name="dims"/> reduces all dimensions.</summary>
    private static (bool[] Reduced, long[] Shape, long Count) ReduceShape(ReadOnlySpan<long> shape, int[] dims, bool keepDim, string op)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var rank = shape.Length;
        var reduced = new bool[rank];
        if (dims.Length == 0)
        {
            reduced.AsSpan().Fill(true);
        }

        foreach (var dim in dims)
        {
            var d = OpDims.Normalize(dim, rank, op);
            if (rank == 0)
            {
                continue;
            }

            if (reduced[d])
            {
                throw new ArgumentException($"{op}: dim {d} appears multiple times in the list of dims ({string.Join(", ", dims)}).", nameof(dims));
            }

            reduced[d] = true;
        }

        var result = new List<long>(rank);
        long count = 1;
        for (var d = 0; d < rank; d++)
        {
            if (reduced[d])
            {
                count *= shape[d];
                if (keepDim)
                {
                    result.Add(1);
                }
            }
            else
            {
                result.Add(shape[d]);
            }
        }

        return (reduced, [.. result], count);
    }

    /// <summary>One reduced dimension: the normalised dim, the (outer, n, inner) view and the output shape.</summary>
    private static (int Dim, long Outer, long N, long Inner, long[] Shape) ReduceOne(Variable x, int dim, bool keepDim, string op, bool allowEmpty = false)
    {
        var rank = x.Shape.Length;
        var d = OpDims.Normalize(dim, rank, op);
        if (rank == 0)
        {
            return (0, 1, 1, 1, []);
        }

        var (outer, n, inner) = OpDims.Split(x.Shape, d);
        if (n == 0 && !allowEmpty)
        {
            throw new ArgumentException($"{op}: dimension {d} of shape {FloatTensor.FormatShape(x.Shape)} is empty; the reduction has no identity.", nameof(x));
        }

        var shape = new List<long>(rank);
        for (var i = 0; i < rank; i++)
        {
            if (i != d)
            {
                shape.Add(x.Shape[i]);
            }
            else if (keepDim)
            {
                shape.Add(1);
            }
        }

        return (d, outer, n, inner, [.. shape]);
    }

    /// <summary>Max and first argmax along the middle axis of (outer, n, inner); a NaN is taken (first NaN wins) and
    /// kept.</summary>
    private static void ArgMax(ReadOnlySpan<float> v, long outer, long n, long inner, Span<float> values, Span<long> indices)
    {
        for (var r = 0; r < outer; r++)
        {
            for (var i = 0; i < inner; i++)
            {
                var at = (int)((r * n * inner) + i);
                var best = v[at];
                long arg = 0;
                for (var k = 1; k < n && !float.IsNaN(best); k++)
                {
                    var value = v[at + (int)(k * inner)];
                    if (value > best || float.IsNaN(value))
                    {
                        best = value;
                        arg = k;
                    }
                }

                values[(int)((r * inner) + i)] = best;
                indices[(int)((r * inner) + i)] = arg;
            }
        }
    }

    /// <summary>g (of the reduced shape, kept dims or not) broadcast to <paramref name="shape"/>, each element divided
    /// by <paramref name="divisor"/> when it is not 1.</summary>
    private static FloatTensor Expand(FloatTensor g, long[] shape, bool[] reduced, float divisor)
    {
        var keep = new long[shape.Length];
        for (var d = 0; d < shape.Length; d++)
        {
            keep[d] = reduced[d] ? 1 : shape[d];
        }

        ReadOnlySpan<float> source = g.AsSpan();
        var result = GradientBuffers.Rent(shape, zeroed: false); // every element written below
        var r = result.AsSpan();
        var strides = Broadcast.Strides(keep, shape);
        var index = new long[shape.Length];
        long at = 0;
        for (var n = 0; n < r.Length; n++)
        {
            r[n] = source[(int)at];
            for (var d = shape.Length - 1; d >= 0; d--)
            {
                at += strides[d];
                if (++index[d] < shape[d])
                {
                    break;
                }

                at -= strides[d] * shape[d];
                index[d] = 0;
            }
        }

        if (divisor != 1f)
        {
            System.Numerics.Tensors.TensorPrimitives.Divide(r, divisor, r); // the same bits as dividing g first
        }

        return result;
    }

    private sealed class ReduceSumNode(Variable x, bool[] reduced, long count, string name) : Node(x)
    {
        private readonly long[] _shape = [.. x.Shape];

        public override string Name => name;

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs) =>
            gradInputs[0] = Expand(gradOutput, _shape, reduced, count); // torch: sum_backward(g) / n
    }

    private sealed class MaxDimNode(Variable x, int dim, IndexTensor indices) : Node(x)
    {
        private readonly long[] _shape = [.. x.Shape];

        public override string Name => "MaxBackward0";

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var g = NewGradient(_shape);
            var gx = g.AsSpan();
            ReadOnlySpan<float> go = gradOutput.AsSpan();
            ReadOnlySpan<long> idx = indices.AsSpan();
            var (outer, n, inner) = _shape.Length == 0 ? (1L, 1L, 1L) : OpDims.Split(_shape, dim);
            for (var r = 0; r < outer; r++)
            {
                for (var i = 0; i < inner; i++)
                {
                    var o = (int)((r * inner) + i);
                    gx[(int)((((r * n) + idx[o]) * inner) + i)] = go[o];
                }
            }

            gradInputs[0] = g;
        }
    }

    private sealed class MaxAllNode(Variable x, float max) : Node(x)
    {
        private FloatTensor? _x = x.Data;

        public override string Name => "MaxBackward1";

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            ReadOnlySpan<float> v = (_x ?? throw new InvalidOperationException($"{Name}: saved tensors were released.")).AsSpan();
            var nan = float.IsNaN(max);
            long count = 0;
            foreach (var value in v)
            {
                count += (nan ? float.IsNaN(value) : value == max) ? 1 : 0;
            }

            var share = gradOutput.AsSpan()[0] / count;
            var g = NewGradient(_x.Shape);
            var gx = g.AsSpan();
            for (var i = 0; i < v.Length; i++)
            {
                if (nan ? float.IsNaN(v[i]) : v[i] == max)
                {
                    gx[i] = share;
                }
            }

            gradInputs[0] = g;
        }

        private protected override void ReleaseSaved() => _x = null;
    }

    private sealed class AmaxNode(Variable x, int dim, FloatTensor values) : Node(x)
    {
        private FloatTensor? _x = x.Data;
        private FloatTensor? _values = values;

        public override string Name => "AmaxBackward0";

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var data = _x ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            ReadOnlySpan<float> v = data.AsSpan();
            ReadOnlySpan<float> m = _values!.AsSpan();
            ReadOnlySpan<float> go = gradOutput.AsSpan();
            var g = NewGradient(data.Shape);
            var gx = g.AsSpan();
            var (outer, n, inner) = data.Shape.Length == 0 ? (1L, 1L, 1L) : OpDims.Split(data.Shape, dim);
            for (var r = 0; r < outer; r++)
            {
                for (var i = 0; i < inner; i++)
                {
                    // torch's scale_grad_by_count: (g / count(mask)) · mask.
                    var o = (int)((r * inner) + i);
                    long count = 0;
                    for (var k = 0; k < n; k++)
                    {
                        count += v[(int)((((r * n) + k) * inner) + i)] == m[o] ? 1 : 0;
                    }

                    var share = go[o] / count;
                    for (var k = 0; k < n; k++)
                    {
                        var at = (int)((((r * n) + k) * inner) + i);
                        gx[at] = share * (v[at] == m[o] ? 1f : 0f);
                    }
                }
            }

            gradInputs[0] = g;
        }

        private protected override void ReleaseSaved()
        {
            _x = null;
            _values = null;
        }
    }

    private sealed class VarNode(Variable x, bool[] reduced, long dof, bool all) : Node(x)
    {
        private FloatTensor? _x = x.Data;

        public override string Name => "VarBackward0";

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var data = _x ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            long[] shape = [.. data.Shape];
            var keep = new long[shape.Length];
            long count = 1;
            for (var d = 0; d < shape.Length; d++)
            {
                keep[d] = reduced[d] ? 1 : shape[d];
                count *= reduced[d] ? shape[d] : 1;
            }

            // mean(x, dims, keepdim) in float, torch.sum's order / n.
            var mean = new FloatTensor(keep);
            var mu = mean.AsSpan();
            TorchSum.Reduce(data.AsSpan(), shape, reduced, keepDim: true, mu);
            System.Numerics.Tensors.TensorPrimitives.Divide(mu, (float)count, mu);
            var centered = Broadcast.Apply<SubOp>(data, mean, shape, gradient: true); // x − mean, then the gradient in place
            var result = centered.AsSpan();
            var expanded = Expand(gradOutput, shape, reduced, 1f);
            var g = expanded.AsSpan();
            if (all && dof <= 0)
            {
                // torch: grad * (x − mean) * inf.
                for (var i = 0; i < result.Length; i++)
                {
                    result[i] = g[i] * result[i] * float.PositiveInfinity;
                }
            }
            else
            {
                var scale = (float)(2.0 / dof); // torch: (2.0 / dof) * grad * (x − mean)
                for (var i = 0; i < result.Length; i++)
                {
                    result[i] = g[i] * scale * result[i];
                }
            }

            GradientBuffers.DropIfUnheld(expanded); // a temporary: back to the pool now
            gradInputs[0] = centered;
        }

        private protected override void ReleaseSaved() => _x = null;
    }
}
