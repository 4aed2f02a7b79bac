using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

/// <summary>
/// NumPy/PyTorch broadcasting: shapes are aligned on the right, and a dimension of 1 (or a missing one) stretches to
/// the other's. The general path walks the output in row-major order with each operand's broadcast strides (0 along a
/// stretched dimension); equal shapes take the flat <c>TensorPrimitives</c> path.
/// </summary>
internal static class Broadcast
{
    /// <summary>The broadcast shape of <paramref name="a"/> and <paramref name="b"/>, or an error naming the op and
    /// both shapes.</summary>
    public static long[] Shape(ReadOnlySpan<long> a, ReadOnlySpan<long> b, string op)
    {
        var rank = Math.Max(a.Length, b.Length);
        var shape = new long[rank];
        for (var i = 1; i <= rank; i++)
        {
            var da = i <= a.Length ? a[^i] : 1;
            var db = i <= b.Length ? b[^i] : 1;
            if (da != db && da != 1 && db != 1)
            {
                throw new ArgumentException($"{op}: shapes {FloatTensor.FormatShape(a)} and {FloatTensor.FormatShape(b)} do not broadcast (dimension {rank - i}: {da} vs {db}).");
            }

            shape[^i] = da == 1 ? db : da;
        }

        return shape;
    }

    /// <summary>Strides (in elements) for reading an operand of <paramref name="shape"/> as if it had
    /// <paramref name="target"/>: 0 along dimensions it stretches.</summary>
    public static long[] Strides(ReadOnlySpan<long> shape, ReadOnlySpan<long> target)
    {
        var strides = new long[target.Length];
        long stride = 1;
        for (var i = 1; i <= target.Length; i++)
        {
            var d = i <= shape.Length ? shape[^i] : 1;
            strides[^i] = d == 1 ? 0 : stride;
            stride *= d;
        }

        return strides;
    }

    /// <summary>Applies <typeparamref name="TOp"/> elementwise with broadcasting into a new tensor of
    /// <paramref name="shape"/> (<paramref name="gradient"/>: a gradient a backward kernel returns, from
    /// <see cref="GradientBuffers"/>).</summary>
    public static FloatTensor Apply<TOp>(FloatTensor a, FloatTensor b, long[] shape, bool gradient = false)
        where TOp : struct, IBinary
    {
        var output = gradient ? GradientBuffers.Rent(shape, zeroed: false) : new FloatTensor(shape);
        var o = output.AsSpan();
        if (a.Shape.SequenceEqual(shape) && b.Shape.SequenceEqual(shape))
        {
            default(TOp).Flat(a.AsSpan(), b.AsSpan(), o);
            return output;
        }

        var sa = Strides(a.Shape, shape);
        var sb = Strides(b.Shape, shape);
        ReadOnlySpan<float> x = a.AsSpan(), y = b.AsSpan();
        var index = new long[shape.Length];
        long ia = 0, ib = 0;
        for (var n = 0; n < o.Length; n++)
        {
            o[n] = default(TOp).One(x[(int)ia], y[(int)ib]);
            for (var d = shape.Length - 1; d >= 0; d--)
            {
                ia += sa[d];
                ib += sb[d];
                if (++index[d] < shape[d])
                {
                    break;
                }

                ia -= sa[d] * shape[d];
                ib -= sb[d] * shape[d];
                index[d] = 0;
            }
        }

        return output;
    }

    /// <summary>Sums <paramref name="gradient"/> (of a broadcast shape) down to <paramref name="shape"/>: the gradient of
    /// an operand that was stretched is the sum over the stretched dimensions, added in row-major order of the
    /// gradient. torch: <c>sum_to_size</c>. Returns the same tensor when nothing was stretched.</summary>
    public static FloatTensor SumTo(FloatTensor gradient, ReadOnlySpan<long> shape)
    {
        if (gradient.Shape.SequenceEqual(shape))
        {
            return gradient;
        }

        var full = gradient.Shape;
        var result = GradientBuffers.Rent(shape, zeroed: true);
        var r = result.AsSpan();
        var strides = Strides(shape, full);
        ReadOnlySpan<float> g = gradient.AsSpan();
        var index = new long[full.Length];
        long at = 0;
        for (var n = 0; n < g.Length; n++)
        {
            r[(int)at] += g[n];
            for (var d = full.Length - 1; d >= 0; d--)
            {
                at += strides[d];
                if (++index[d] < full[d])
                {
                    break;
                }

                at -= strides[d] * full[d];
                index[d] = 0;
            }
        }

        return result;
    }

    /// <summary>An elementwise binary function: one element, and a whole span when shapes are equal.</summary>
    internal interface IBinary
    {
        float One(float x, float y);

        void Flat(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination);
    }
}
