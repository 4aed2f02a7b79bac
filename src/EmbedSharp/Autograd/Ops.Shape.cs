using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

/// <summary>Shape operations: reshape/view, transpose/permute, cat/stack, split/narrow. A <see cref="Variable"/>'s data
/// is always contiguous: <see cref="Reshape"/> and <see cref="View"/> share storage (the data is one chunk), the others
/// copy, so every result equals PyTorch's bit for bit (pure data movement).</summary>
public static partial class Ops
{
    /// <summary>The same elements in a new shape (row-major order unchanged). One entry may be −1: it is inferred from
    /// the element count. Shares storage with <paramref name="x"/> (no copy) when the data is one chunk, as it is below
    /// 2^30 elements. Shape: (d0, …) → <paramref name="shape"/>. torch: <c>x.reshape(*shape)</c>. Backward: g reshaped
    /// to x's shape.</summary>
    /// <exception cref="ArgumentException">More than one −1, a negative size, or an element count that differs; the
    /// message names both shapes.</exception>
    public static Variable Reshape(Variable x, params long[] shape) => ReshapeCore(x, shape, "reshape");

    /// <summary>The same as <see cref="Reshape"/>: data is always contiguous, so a view is always possible. Shares
    /// storage. Shape: (d0, …) → <paramref name="shape"/>. torch: <c>x.view(*shape)</c>. Backward: g viewed as x's
    /// shape.</summary>
    /// <exception cref="ArgumentException">As <see cref="Reshape"/>.</exception>
    public static Variable View(Variable x, params long[] shape) => ReshapeCore(x, shape, "view");

    /// <summary>Returns <paramref name="x"/> itself: a <see cref="Variable"/>'s data is always contiguous. torch:
    /// <c>x.contiguous()</c> (which also returns self for a contiguous tensor). Backward: none (it is the same
    /// variable).</summary>
    public static Variable Contiguous(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x;
    }

    /// <summary>Swaps dimensions <paramref name="dim0"/> and <paramref name="dim1"/> (negative dims count from the end),
    /// as a contiguous copy. Shape: (…, a, …, b, …) → (…, b, …, a, …). torch: <c>x.transpose(dim0, dim1)</c>.
    /// Backward: g transposed back.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dim outside [−rank, rank − 1]; the message names the dim and the
    /// rank.</exception>
    public static Variable Transpose(Variable x, int dim0, int dim1)
    {
        ArgumentNullException.ThrowIfNull(x);
        var rank = x.Shape.Length;
        var d0 = OpDims.Normalize(dim0, rank, "transpose");
        var d1 = OpDims.Normalize(dim1, rank, "transpose");
        var perm = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            perm[i] = i;
        }

        (perm[d0], perm[d1]) = (perm[d1], perm[d0]);
        return PermuteCore(x, perm, "TransposeBackward0");
    }

    /// <summary>Reorders the dimensions: output dimension i is input dimension <paramref name="dims"/>[i] (negative
    /// dims count from the end), as a contiguous copy. Shape: (d0, …, dk) → (d_dims[0], …, d_dims[k]). torch:
    /// <c>x.permute(*dims)</c>. Backward: g permuted by the inverse permutation.</summary>
    /// <exception cref="ArgumentException">Not one entry per dimension, a repeated dim, or a dim out of range.</exception>
    public static Variable Permute(Variable x, params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(dims);
        var rank = x.Shape.Length;
        if (dims.Length != rank)
        {
            throw new ArgumentException($"permute: {dims.Length} dims given for a tensor of rank {rank} (shape {FloatTensor.FormatShape(x.Shape)}); give one per dimension.", nameof(dims));
        }

        var perm = new int[rank];
        var seen = new bool[rank];
        for (var i = 0; i < rank; i++)
        {
            perm[i] = OpDims.Normalize(dims[i], rank, "permute");
            if (seen[perm[i]])
            {
                throw new ArgumentException($"permute: dim {perm[i]} appears more than once in ({string.Join(", ", dims)}).", nameof(dims));
            }

            seen[perm[i]] = true;
        }

        return PermuteCore(x, perm, "PermuteBackward0");
    }

    /// <summary>Concatenates along <paramref name="dim"/> (negative counts from the end): all inputs have the same rank
    /// and the same sizes except along <paramref name="dim"/>. Shape: (…, n_i, …) each → (…, Σ n_i, …). torch:
    /// <c>torch.cat(xs, dim)</c>. Backward: each input gets its slice of g.</summary>
    /// <exception cref="ArgumentException">No inputs, ranks differ, or a size other than along
    /// <paramref name="dim"/> differs; the message names the shapes.</exception>
    public static Variable Cat(IReadOnlyList<Variable> xs, int dim)
    {
        ArgumentNullException.ThrowIfNull(xs);
        if (xs.Count == 0)
        {
            throw new ArgumentException("cat: expected a non-empty list of variables.", nameof(xs));
        }

        var first = xs[0] ?? throw new ArgumentNullException(nameof(xs));
        var rank = first.Shape.Length;
        if (rank == 0)
        {
            throw new ArgumentException("cat: zero-dimensional variable (at position 0) cannot be concatenated.", nameof(xs));
        }

        var d = OpDims.Normalize(dim, rank, "cat");
        var sizes = new long[xs.Count];
        for (var t = 0; t < xs.Count; t++)
        {
            var x = xs[t] ?? throw new ArgumentNullException(nameof(xs));
            if (x.Shape.Length != rank)
            {
                throw new ArgumentException($"cat: variable {t} has shape {FloatTensor.FormatShape(x.Shape)}, rank {x.Shape.Length}; variable 0 has shape {FloatTensor.FormatShape(first.Shape)}, rank {rank}.", nameof(xs));
            }

            for (var i = 0; i < rank; i++)
            {
                if (i != d && x.Shape[i] != first.Shape[i])
                {
                    throw new ArgumentException($"cat: shapes {FloatTensor.FormatShape(first.Shape)} and {FloatTensor.FormatShape(x.Shape)} (variables 0 and {t}) differ in dimension {i}; only dimension {d} may differ.", nameof(xs));
                }
            }

            sizes[t] = x.Shape[d];
        }

        long[] shape = [.. first.Shape];
        shape[d] = 0;
        foreach (var s in sizes)
        {
            shape[d] += s;
        }

        return Join(xs, d, sizes, shape, "CatBackward0");
    }

    /// <summary>Stacks equal-shaped variables along a new dimension <paramref name="dim"/> (in [−(rank+1), rank]).
    /// Shape: n × (d0, …, dk) → (d0, …, n, …, dk) with n at <paramref name="dim"/>. torch: <c>torch.stack(xs, dim)</c>.
    /// Backward: each input gets its slice of g.</summary>
    /// <exception cref="ArgumentException">No inputs, or shapes differ; the message names both shapes.</exception>
    public static Variable Stack(IReadOnlyList<Variable> xs, int dim)
    {
        ArgumentNullException.ThrowIfNull(xs);
        if (xs.Count == 0)
        {
            throw new ArgumentException("stack: expected a non-empty list of variables.", nameof(xs));
        }

        var first = xs[0] ?? throw new ArgumentNullException(nameof(xs));
        var rank = first.Shape.Length;
        var d = OpDims.Normalize(dim, rank + 1, "stack");
        var sizes = new long[xs.Count];
        for (var t = 0; t < xs.Count; t++)
        {
            var x = xs[t] ?? throw new ArgumentNullException(nameof(xs));
            if (!x.Shape.SequenceEqual(first.Shape))
            {
                throw new ArgumentException($"stack: expects each variable to be equal size, but got {FloatTensor.FormatShape(first.Shape)} at entry 0 and {FloatTensor.FormatShape(x.Shape)} at entry {t}.", nameof(xs));
            }

            sizes[t] = 1;
        }

        var shape = new long[rank + 1];
        for (int i = 0, j = 0; i <= rank; i++)
        {
            shape[i] = i == d ? xs.Count : first.Shape[j++];
        }

        return Join(xs, d, sizes, shape, "StackBackward0");
    }

    /// <summary>Splits into consecutive parts of <paramref name="splitSize"/> along <paramref name="dim"/> (the last
    /// part may be smaller). Each part is a copy with its own node; a part that is not used gets no gradient, so x's
    /// gradient is 0 in its slice. Shape: (…, n, …) → ⌈n / splitSize⌉ × (…, ≤ splitSize, …). torch:
    /// <c>torch.split(x, splitSize, dim)</c>. Backward: g of each used part placed in its slice (zeros elsewhere),
    /// summed over the parts.</summary>
    /// <exception cref="ArgumentException"><paramref name="splitSize"/> is not positive, or the dim is out of
    /// range.</exception>
    public static Variable[] Split(Variable x, long splitSize, int dim)
    {
        ArgumentNullException.ThrowIfNull(x);
        var rank = x.Shape.Length;
        var d = OpDims.Normalize(dim, rank, "split");
        var n = x.Shape[d];
        if (splitSize <= 0 && !(splitSize == 0 && n == 0))
        {
            throw new ArgumentException($"split: split size must be positive, got {splitSize} (dimension {d} of shape {FloatTensor.FormatShape(x.Shape)}).", nameof(splitSize));
        }

        var count = n == 0 ? 1 : (int)((n + splitSize - 1) / splitSize);
        var parts = new Variable[count];
        for (var p = 0; p < count; p++)
        {
            var start = p * splitSize;
            parts[p] = Slice(x, d, start, Math.Min(splitSize, n - start), "SplitBackward0");
        }

        return parts;
    }

    /// <summary>Splits into consecutive parts of the given <paramref name="sizes"/> along <paramref name="dim"/>; the
    /// sizes must add up to the size of that dimension. A part that is not used gets no gradient (zeros in its slice).
    /// Shape: (…, Σ sizes, …) → (…, sizes[i], …) each. torch: <c>torch.split(x, sizes, dim)</c>. Backward: as
    /// <see cref="Split(Variable, long, int)"/>.</summary>
    /// <exception cref="ArgumentException">A negative size, or sizes that do not add up to the dimension.</exception>
    public static Variable[] Split(Variable x, long[] sizes, int dim)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(sizes);
        var rank = x.Shape.Length;
        var d = OpDims.Normalize(dim, rank, "split");
        long total = 0;
        foreach (var s in sizes)
        {
            if (s < 0)
            {
                throw new ArgumentException($"split: split sizes must be non-negative, got ({string.Join(", ", sizes)}).", nameof(sizes));
            }

            total += s;
        }

        if (total != x.Shape[d])
        {
            throw new ArgumentException($"split: sizes ({string.Join(", ", sizes)}) add up to {total}, but dimension {d} of shape {FloatTensor.FormatShape(x.Shape)} has size {x.Shape[d]}.", nameof(sizes));
        }

        var parts = new Variable[sizes.Length];
        long start = 0;
        for (var p = 0; p < sizes.Length; p++)
        {
            parts[p] = Slice(x, d, start, sizes[p], "SplitWithSizesBackward0");
            start += sizes[p];
        }

        return parts;
    }

    /// <summary>The slice [start, start + length) along <paramref name="dim"/>, as a copy; a negative
    /// <paramref name="start"/> counts from the end. Shape: (…, n, …) → (…, length, …). torch:
    /// <c>x.narrow(dim, start, length)</c>. Backward: g in the slice, zeros elsewhere.</summary>
    /// <exception cref="ArgumentException">The slice does not fit in the dimension; the message names the dim, the
    /// range and the shape.</exception>
    public static Variable Narrow(Variable x, int dim, long start, long length)
    {
        ArgumentNullException.ThrowIfNull(x);
        var rank = x.Shape.Length;
        if (rank == 0)
        {
            throw new ArgumentException("narrow: cannot be applied to a zero-dimensional variable.", nameof(x));
        }

        var d = OpDims.Normalize(dim, rank, "narrow");
        var n = x.Shape[d];
        if (start < -n || start > n)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"narrow: start {start} is out of range for dimension {d} of size {n} (shape {FloatTensor.FormatShape(x.Shape)}).");
        }

        if (start < 0)
        {
            start += n;
        }

        if (length < 0 || start + length > n)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"narrow: start {start} + length {length} exceeds dimension {d} of size {n} (shape {FloatTensor.FormatShape(x.Shape)}).");
        }

        return Slice(x, d, start, length, "SliceBackward0");
    }

    private static Variable ReshapeCore(Variable x, long[] shape, string op)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(shape);
        var target = (long[])shape.Clone();
        var infer = -1;
        long known = 1;
        for (var i = 0; i < target.Length; i++)
        {
            if (target[i] == -1)
            {
                if (infer >= 0)
                {
                    throw new ArgumentException($"{op}: only one dimension can be -1, got {FloatTensor.FormatShape(shape)}.", nameof(shape));
                }

                infer = i;
            }
            else if (target[i] < 0)
            {
                throw new ArgumentException($"{op}: invalid size {target[i]} in {FloatTensor.FormatShape(shape)}.", nameof(shape));
            }
            else
            {
                known *= target[i];
            }
        }

        var n = x.Data.Length;
        if (infer >= 0)
        {
            if (known == 0 || n % known != 0)
            {
                throw new ArgumentException($"{op}: shape {FloatTensor.FormatShape(shape)} is invalid for input of shape {FloatTensor.FormatShape(x.Shape)} ({n} elements).", nameof(shape));
            }

            target[infer] = n / known;
        }
        else if (known != n)
        {
            throw new ArgumentException($"{op}: shape {FloatTensor.FormatShape(shape)} is invalid for input of shape {FloatTensor.FormatShape(x.Shape)} ({n} elements).", nameof(shape));
        }

        var output = x.Data.Reshape(target);
        return Tracks(x.RequiresGrad) ? new Variable(output, new ReshapeNode(x, op == "view" ? "ViewBackward0" : "ReshapeAliasBackward0")) : new Variable(output);
    }

    private static Variable PermuteCore(Variable x, int[] perm, string name)
    {
        long[] shape = new long[perm.Length];
        for (var i = 0; i < perm.Length; i++)
        {
            shape[i] = x.Shape[perm[i]];
        }

        var output = new FloatTensor(shape);
        PermuteKernel(x.Data.AsSpan(), x.Shape, perm, output.AsSpan());
        return Tracks(x.RequiresGrad) ? new Variable(output, new PermuteNode(x, perm, name)) : new Variable(output);
    }

    /// <summary>Writes the permutation of <paramref name="source"/> (of <paramref name="shape"/>) into
    /// <paramref name="destination"/>: destination dimension i is source dimension perm[i]. The destination is walked
    /// in row-major order, the innermost dimension as one strided loop.</summary>
    internal static void PermuteKernel(ReadOnlySpan<float> source, ReadOnlySpan<long> shape, ReadOnlySpan<int> perm, Span<float> destination)
    {
        var rank = perm.Length;
        if (destination.Length == 0)
        {
            return;
        }

        if (rank == 0)
        {
            destination[0] = source[0];
            return;
        }

        Span<long> sourceStrides = stackalloc long[rank];
        long stride = 1;
        for (var i = rank - 1; i >= 0; i--)
        {
            sourceStrides[i] = stride;
            stride *= shape[i];
        }

        Span<long> strides = stackalloc long[rank]; // source stride of each destination dimension
        Span<long> sizes = stackalloc long[rank];
        for (var i = 0; i < rank; i++)
        {
            strides[i] = sourceStrides[perm[i]];
            sizes[i] = shape[perm[i]];
        }

        var inner = (int)sizes[rank - 1];
        var innerStride = (int)strides[rank - 1];
        Span<long> index = stackalloc long[rank];
        long at = 0;
        for (var o = 0; o < destination.Length; o += inner)
        {
            var src = (int)at;
            var dst = destination.Slice(o, inner);
            for (var j = 0; j < dst.Length; j++, src += innerStride)
            {
                dst[j] = source[src];
            }

            for (var d = rank - 2; d >= 0; d--)
            {
                at += strides[d];
                if (++index[d] < sizes[d])
                {
                    break;
                }

                at -= strides[d] * sizes[d];
                index[d] = 0;
            }
        }
    }

    /// <summary>Cat and stack: input t occupies sizes[t] positions of dimension <paramref name="dim"/> of the
    /// output.</summary>
    private static Variable Join(IReadOnlyList<Variable> xs, int dim, long[] sizes, long[] shape, string name)
    {
        var output = new FloatTensor(shape);
        var (outer, _, inner) = OpDims.Split(shape, dim);
        var o = output.AsSpan();
        var rowLength = (int)(shape[dim] * inner);
        var requiresGrad = false;
        long offset = 0;
        for (var t = 0; t < xs.Count; t++)
        {
            ReadOnlySpan<float> x = xs[t].Data.AsSpan();
            var block = (int)(sizes[t] * inner);
            for (var r = 0; r < outer; r++)
            {
                x.Slice(r * block, block).CopyTo(o.Slice((r * rowLength) + (int)(offset * inner), block));
            }

            offset += sizes[t];
            requiresGrad |= xs[t].RequiresGrad;
        }

        return Tracks(requiresGrad) ? new Variable(output, new JoinNode([.. xs], dim, sizes, name)) : new Variable(output);
    }

    private static Variable Slice(Variable x, int dim, long start, long length, string name)
    {
        long[] shape = [.. x.Shape];
        shape[dim] = length;
        var output = new FloatTensor(shape);
        SliceCopy(x.Data.AsSpan(), x.Shape, dim, start, output.AsSpan(), toSlice: true);
        return Tracks(x.RequiresGrad) ? new Variable(output, new SliceNode(x, dim, start, length, name)) : new Variable(output);
    }

    /// <summary>Copies between a whole tensor <paramref name="full"/> (of <paramref name="fullShape"/>) and its slice
    /// [start, start + slice length) along <paramref name="dim"/>: whole → slice when <paramref name="toSlice"/>, else
    /// slice → whole (the rest of the whole is left as it is).</summary>
    private static void SliceCopy(Span<float> full, ReadOnlySpan<long> fullShape, int dim, long start, Span<float> slice, bool toSlice)
    {
        var (outer, n, inner) = OpDims.Split(fullShape, dim);
        if (outer == 0 || inner == 0)
        {
            return;
        }

        var block = slice.Length / (int)outer;
        var row = (int)(n * inner);
        var first = (int)(start * inner);
        for (var r = 0; r < outer; r++)
        {
            var whole = full.Slice((r * row) + first, block);
            var part = slice.Slice(r * block, block);
            if (toSlice)
            {
                whole.CopyTo(part);
            }
            else
            {
                part.CopyTo(whole);
            }
        }
    }

    private sealed class ReshapeNode(Variable x, string name) : Node(x)
    {
        private readonly long[] _shape = [.. x.Shape];

        public override string Name => name;

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs) =>
            gradInputs[0] = gradOutput.Reshape(_shape); // shares gradOutput's storage; nothing writes into it
    }

    private sealed class PermuteNode(Variable x, int[] perm, string name) : Node(x)
    {
        private readonly long[] _shape = [.. x.Shape];

        public override string Name => name;

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var inverse = new int[perm.Length];
            for (var i = 0; i < perm.Length; i++)
            {
                inverse[perm[i]] = i;
            }

            var g = NewGradient(_shape);
            PermuteKernel(gradOutput.AsSpan(), gradOutput.Shape, inverse, g.AsSpan());
            gradInputs[0] = g;
        }
    }

    private sealed class JoinNode(Variable[] xs, int dim, long[] sizes, string name) : Node(xs)
    {
        public override string Name => name;

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var inputs = Inputs;
            long start = 0;
            for (var t = 0; t < inputs.Length; t++)
            {
                if (inputs[t].RequiresGrad)
                {
                    var g = NewGradient(inputs[t].Shape);
                    SliceCopy(gradOutput.AsSpan(), gradOutput.Shape, dim, start, g.AsSpan(), toSlice: true);
                    gradInputs[t] = g;
                }

                start += sizes[t];
            }
        }
    }

    private sealed class SliceNode(Variable x, int dim, long start, long length, string name) : Node(x)
    {
        private readonly long[] _shape = [.. x.Shape];

        public override string Name => name;

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var g = NewGradient(_shape);
            if (length > 0)
            {
                SliceCopy(g.AsSpan(), _shape, dim, start, gradOutput.AsSpan(), toSlice: false);
            }

            gradInputs[0] = g;
        }
    }
}

/// <summary>Dimension arguments of the shape, index and reduction ops: negative dims count from the end, and an
/// out-of-range dim is reported with the op, the dim and the rank.</summary>
internal static class OpDims
{
    /// <summary>Wraps <paramref name="dim"/> into [0, rank); a zero-dimensional tensor accepts 0 and −1 as PyTorch's
    /// do.</summary>
    public static int Normalize(int dim, int rank, string op)
    {
        var r = Math.Max(rank, 1);
        if (dim < -r || dim >= r)
        {
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"{op}: dim {dim} is out of range for a tensor of rank {rank} (expected {-r} to {r - 1}).");
        }

        return dim < 0 ? dim + r : dim;
    }

    /// <summary>The shape seen as (outer, n, inner) around dimension <paramref name="dim"/>.</summary>
    public static (long Outer, long N, long Inner) Split(ReadOnlySpan<long> shape, int dim)
    {
        long outer = 1, inner = 1;
        for (var i = 0; i < dim; i++)
        {
            outer *= shape[i];
        }

        for (var i = dim + 1; i < shape.Length; i++)
        {
            inner *= shape[i];
        }

        return (outer, shape.Length == 0 ? 1 : shape[dim], inner);
    }
}
