using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

/// <summary>Indexing operations: index_select, gather, masked_fill. Forward values are copies (bit-exact); gradients
/// of repeated indices are added in index order from zero, as PyTorch's <c>index_add_</c> and <c>scatter_add_</c> do
/// on the CPU.</summary>
public static partial class Ops
{
    /// <summary>The entries of <paramref name="x"/> at positions <paramref name="index"/> along <paramref name="dim"/>
    /// (a 1-D or single-element index; repeats allowed). Shape: (…, n, …) with index (k,) → (…, k, …). torch:
    /// <c>torch.index_select(x, dim, index)</c>. Backward: <c>zeros(x.shape).index_add_(dim, index, g)</c>: the
    /// gradients of repeated indices are summed in index order.</summary>
    /// <exception cref="ArgumentException">The index has more than one dimension, or an index is outside [0, n); the
    /// message names the index, the dim and the shape.</exception>
    public static Variable IndexSelect(Variable x, int dim, IndexTensor index)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(index);
        var rank = x.Shape.Length;
        var d = OpDims.Normalize(dim, rank, "index_select");
        if (index.Rank > 1)
        {
            throw new ArgumentException($"index_select: the index must be 1-D or a single element, got shape {FloatTensor.FormatShape(index.Shape)}.", nameof(index));
        }

        var (outer, n, inner) = OpDims.Split(x.Shape, d);
        ReadOnlySpan<long> idx = index.AsSpan();
        foreach (var i in idx)
        {
            if (i < 0 || i >= n)
            {
                throw new ArgumentException($"index_select: index {i} is out of range for dimension {d} of size {n} (shape {FloatTensor.FormatShape(x.Shape)}).", nameof(index));
            }
        }

        long[] shape = rank == 0 ? [] : [.. x.Shape];
        if (rank > 0)
        {
            shape[d] = idx.Length;
        }

        var output = new FloatTensor(shape);
        ReadOnlySpan<float> v = x.Data.AsSpan();
        var o = output.AsSpan();
        var block = (int)inner;
        for (var r = 0; r < outer; r++)
        {
            for (var j = 0; j < idx.Length; j++)
            {
                v.Slice((int)(((r * n) + idx[j]) * inner), block).CopyTo(o.Slice(((r * idx.Length) + j) * block, block));
            }
        }

        return Tracks(x.RequiresGrad) ? new Variable(output, new IndexSelectNode(x, d, index)) : new Variable(output);
    }

    /// <summary>Picks along <paramref name="dim"/> by an index of the same rank as <paramref name="x"/>:
    /// out[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (and so on); elsewhere the index may be smaller than x, not
    /// larger. Shape: index's shape. torch: <c>torch.gather(x, dim, index)</c>. Backward:
    /// <c>zeros(x.shape).scatter_add_(dim, index, g)</c>: repeated positions summed in order along
    /// <paramref name="dim"/>.</summary>
    /// <exception cref="ArgumentException">Ranks differ, the index is larger than x in another dimension, or an index
    /// is outside [0, n); the message names the shapes.</exception>
    public static Variable Gather(Variable x, int dim, IndexTensor index)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(index);
        var rank = x.Shape.Length;
        var d = OpDims.Normalize(dim, rank, "gather");
        if (index.Rank != rank)
        {
            throw new ArgumentException($"gather: the index has shape {FloatTensor.FormatShape(index.Shape)} and the input {FloatTensor.FormatShape(x.Shape)}; they must have the same number of dimensions.", nameof(index));
        }

        for (var i = 0; i < rank; i++)
        {
            if (i != d && index.Shape[i] > x.Shape[i])
            {
                throw new ArgumentException($"gather: index shape {FloatTensor.FormatShape(index.Shape)} is larger than input shape {FloatTensor.FormatShape(x.Shape)} in dimension {i}.", nameof(index));
            }
        }

        var n = rank == 0 ? 1 : x.Shape[d];
        foreach (var i in index.AsSpan())
        {
            if (i < 0 || i >= n)
            {
                throw new ArgumentException($"gather: index {i} is out of bounds for dimension {d} with size {n} (shape {FloatTensor.FormatShape(x.Shape)}).", nameof(index));
            }
        }

        var output = new FloatTensor(index.Shape);
        GatherScatter(x.Data.AsSpan(), x.Shape, d, index, output.AsSpan(), scatter: false);
        return Tracks(x.RequiresGrad) ? new Variable(output, new GatherNode(x, d, index)) : new Variable(output);
    }

    /// <summary>x with <paramref name="value"/> wherever <paramref name="mask"/> is nonzero (PyTorch's bool mask:
    /// nonzero = true = fill). The mask broadcasts with x (NumPy rules; the result has the broadcast shape, as
    /// torch's out-of-place <c>masked_fill</c>). Shape: broadcast(x, mask). torch: <c>x.masked_fill(mask, value)</c>.
    /// Backward: g where the mask is zero, 0 where it fills, summed back to x's shape if x was stretched.</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast; the message names both.</exception>
    public static Variable MaskedFill(Variable x, IndexTensor mask, float value)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(mask);
        var shape = Broadcast.Shape(x.Shape, mask.Shape, "masked_fill");
        var output = new FloatTensor(shape);
        MaskedFillKernel(x.Data.AsSpan(), x.Shape, mask, value, shape, output.AsSpan());
        return Tracks(x.RequiresGrad) ? new Variable(output, new MaskedFillNode(x, mask, shape)) : new Variable(output);
    }

    /// <summary>out[n] = mask at n ≠ 0 ? value : source at n, both read with broadcast strides into
    /// <paramref name="shape"/>.</summary>
    private static void MaskedFillKernel(ReadOnlySpan<float> source, ReadOnlySpan<long> sourceShape, IndexTensor mask, float value, long[] shape, Span<float> output)
    {
        var sx = Broadcast.Strides(sourceShape, shape);
        var sm = Broadcast.Strides(mask.Shape, shape);
        ReadOnlySpan<long> m = mask.AsSpan();
        var index = new long[shape.Length];
        long ix = 0, im = 0;
        for (var n = 0; n < output.Length; n++)
        {
            output[n] = m[(int)im] != 0 ? value : source[(int)ix];
            for (var d = shape.Length - 1; d >= 0; d--)
            {
                ix += sx[d];
                im += sm[d];
                if (++index[d] < shape[d])
                {
                    break;
                }

                ix -= sx[d] * shape[d];
                im -= sm[d] * shape[d];
                index[d] = 0;
            }
        }
    }

    /// <summary>Gather (values of <paramref name="data"/> at the index into <paramref name="values"/>) or, with
    /// <paramref name="scatter"/>, scatter-add (values added into <paramref name="data"/> at the index), walking the
    /// index in row-major order: each element of <paramref name="data"/> receives its additions in order along
    /// <paramref name="dim"/>.</summary>
    private static void GatherScatter(Span<float> data, ReadOnlySpan<long> dataShape, int dim, IndexTensor index, Span<float> values, bool scatter)
    {
        var rank = dataShape.Length;
        if (values.Length == 0)
        {
            return;
        }

        if (rank == 0)
        {
            if (scatter)
            {
                data[0] += values[0];
            }
            else
            {
                values[0] = data[0];
            }

            return;
        }

        Span<long> strides = stackalloc long[rank];
        long stride = 1;
        for (var i = rank - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= dataShape[i];
        }

        ReadOnlySpan<long> shape = index.Shape;
        ReadOnlySpan<long> idx = index.AsSpan();
        Span<long> position = stackalloc long[rank];
        long at = 0; // offset in data of the current index position with the index dimension at 0
        for (var n = 0; n < idx.Length; n++)
        {
            var target = (int)(at + (idx[n] * strides[dim]));
            if (scatter)
            {
                data[target] += values[n];
            }
            else
            {
                values[n] = data[target];
            }

            for (var d = rank - 1; d >= 0; d--)
            {
                if (d != dim)
                {
                    at += strides[d];
                }

                if (++position[d] < shape[d])
                {
                    break;
                }

                if (d != dim)
                {
                    at -= strides[d] * shape[d];
                }

                position[d] = 0;
            }
        }
    }

    private sealed class IndexSelectNode(Variable x, int dim, IndexTensor index) : Node(x)
    {
        private readonly long[] _shape = [.. x.Shape];

        public override string Name => "IndexSelectBackward0";

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var g = NewGradient(_shape);
            var (outer, n, inner) = OpDims.Split(_shape, dim);
            ReadOnlySpan<long> idx = index.AsSpan();
            ReadOnlySpan<float> go = gradOutput.AsSpan();
            var gx = g.AsSpan();
            var block = (int)inner;
            for (var r = 0; r < outer; r++)
            {
                for (var j = 0; j < idx.Length; j++)
                {
                    var target = gx.Slice((int)(((r * n) + idx[j]) * inner), block);
                    System.Numerics.Tensors.TensorPrimitives.Add(target, go.Slice(((r * idx.Length) + j) * block, block), target);
                }
            }

            gradInputs[0] = g;
        }
    }

    private sealed class GatherNode(Variable x, int dim, IndexTensor index) : Node(x)
    {
        private readonly long[] _shape = [.. x.Shape];

        public override string Name => "GatherBackward0";

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var g = NewGradient(_shape);
            GatherScatter(g.AsSpan(), _shape, dim, index, gradOutput.AsSpan(), scatter: true);
            gradInputs[0] = g;
        }
    }

    private sealed class MaskedFillNode(Variable x, IndexTensor mask, long[] shape) : Node(x)
    {
        private readonly long[] _shape = [.. x.Shape];

        public override string Name => "MaskedFillBackward0";

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var g = NewGradient(shape);
            MaskedFillKernel(gradOutput.AsSpan(), shape, mask, 0f, shape, g.AsSpan());
            gradInputs[0] = Broadcast.SumTo(g, _shape);
            if (!ReferenceEquals(gradInputs[0], g))
            {
                GradientBuffers.DropIfUnheld(g);
            }
        }
    }
}
