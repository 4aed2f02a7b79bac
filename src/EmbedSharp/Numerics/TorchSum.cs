using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EmbedSharp.Numerics;

/// <summary>
/// PyTorch 1.13's CPU float32 <c>sum</c> order (the cascade sum of <c>native/cpu/SumKernel.cpp</c>), reproduced so that
/// reductions such as a bias gradient (<c>grad.sum(0)</c>) and a loss's mean are bit-exact. Written from the observed
/// behaviour (tools/goldens/make_layers.py checks it):
/// <list type="bullet">
/// <item><b>Cascade</b> over n values: level power P = max(4, ⌈log2 n⌉/4); values are added one by one into level 0;
/// after every 2^P values level 0 is added into level 1 and cleared, carrying upward while the count is a multiple of
/// the next level's span; the leftover values go into level 0; finally level 0 += levels 1, 2, 3.</item>
/// <item><b>Row sum</b> (4-way interleave): four cascades over the values at positions ≡ 0, 1, 2, 3 (mod 4) of the first
/// 4·⌊n/4⌋, the leftover values added to the first, then the first += the other three in order.</item>
/// </list>
/// Not reproduced: PyTorch splits reductions over more than 32768 elements across threads, so for those its result
/// depends on the thread count; ours is the single-thread order.
/// </summary>
internal static class TorchSum
{
    private const int Levels = 4;
    private const int VectorWidth = 8; // AVX2 Vectorized<float>::size()

    /// <summary>Cascade sum of <paramref name="count"/> values at <c>start + i·stride</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Cascade(ReadOnlySpan<float> data, int start, int stride, int count)
    {
        var power = Math.Max(4, CeilLog2(count) / Levels);
        var step = 1 << power;
        var mask = step - 1;
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        var i = 0;
        var pos = start;
        while (i + step <= count)
        {
            for (var j = 0; j < step; j++, i++, pos += stride)
            {
                a0 += data[pos];
            }

            a1 += a0;
            a0 = 0;
            if ((i & (mask << power)) != 0)
            {
                continue;
            }

            a2 += a1;
            a1 = 0;
            if ((i & (mask << (2 * power))) != 0)
            {
                continue;
            }

            a3 += a2;
            a2 = 0;
        }

        for (; i < count; i++, pos += stride)
        {
            a0 += data[pos];
        }

        a0 += a1;
        a0 += a2;
        a0 += a3;
        return a0;
    }

    /// <summary><see cref="Cascade"/> of eight adjacent columns at once: lane l sums the values at
    /// <c>start + l + i·stride</c>, each lane with exactly <see cref="Cascade"/>'s additions in its order, so each lane's
    /// result has its bits; the eight columns are read as one vector per row instead of eight strided walks.</summary>
    internal static Vector256<float> CascadeLanes(ReadOnlySpan<float> data, int start, int stride, int count)
    {
        var power = Math.Max(4, CeilLog2(count) / Levels);
        var step = 1 << power;
        var mask = step - 1;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var i = 0;
        ref var origin = ref MemoryMarshal.GetReference(data);
        if (count > 0 && (long)start + ((long)(count - 1) * stride) + VectorWidth > data.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count), "The columns run past the data.");
        }

        var pos = (nuint)start;
        var jump = (nuint)stride;
        while (i + step <= count)
        {
            for (var j = 0; j < step; j++, i++, pos += jump)
            {
                a0 += Vector256.LoadUnsafe(ref origin, pos);
            }

            a1 += a0;
            a0 = default;
            if ((i & (mask << power)) != 0)
            {
                continue;
            }

            a2 += a1;
            a1 = default;
            if ((i & (mask << (2 * power))) != 0)
            {
                continue;
            }

            a3 += a2;
            a2 = default;
        }

        for (; i < count; i++, pos += jump)
        {
            a0 += Vector256.LoadUnsafe(ref origin, pos);
        }

        a0 += a1;
        a0 += a2;
        a0 += a3;
        return a0;
    }

    /// <summary>Four-way interleaved row sum of <paramref name="count"/> values at <c>start + i·stride</c>.</summary>
    internal static float RowSum(ReadOnlySpan<float> data, int start, int stride, int count)
    {
        var groups = count / 4;
        var p0 = Cascade(data, start, 4 * stride, groups);
        var p1 = Cascade(data, start + stride, 4 * stride, groups);
        var p2 = Cascade(data, start + (2 * stride), 4 * stride, groups);
        var p3 = Cascade(data, start + (3 * stride), 4 * stride, groups);
        for (var i = groups * 4; i < count; i++)
        {
            p0 += data[start + (i * stride)];
        }

        p0 += p1;
        p0 += p2;
        p0 += p3;
        return p0;
    }

    /// <summary>Sum of all values, as <c>torch.sum</c> of a contiguous float32 tensor (≤ 32768 elements exact).</summary>
    internal static float All(ReadOnlySpan<float> data)
    {
        var n = data.Length;
        if (n < VectorWidth)
        {
            return RowSum(data, 0, 1, n);
        }

        // Vectorised inner sum: a row sum over 8-float vectors (each lane its own interleaved cascade),
        // the scalar tail summed from zero, then the eight lanes added to it in order.
        var vectors = n / VectorWidth;
        Span<float> lanes = stackalloc float[VectorWidth];
        for (var l = 0; l < VectorWidth; l++)
        {
            lanes[l] = RowSum(data, l, VectorWidth, vectors);
        }

        float acc = 0;
        for (var k = vectors * VectorWidth; k < n; k++)
        {
            acc += data[k];
        }

        for (var l = 0; l < VectorWidth; l++)
        {
            acc += lanes[l];
        }

        return acc;
    }

    /// <summary>Column sums of a row-major (rows, cols) matrix, as <c>torch.sum(m, 0)</c>, written to
    /// <paramref name="destination"/> (length cols).</summary>
    internal static void Columns(ReadOnlySpan<float> data, int rows, int cols, Span<float> destination)
    {
        if (cols == 1)
        {
            destination[0] = All(data[..rows]);
            return;
        }

        // Vectorised outer sum (cols ≥ 8): whole blocks of 4 vectors (32 columns) use the plain cascade; the single
        // vectors and leftover columns after them use the interleaved row sum. Scalar outer sum (cols < 8): whole groups
        // of 4 columns use the cascade, the rest the row sum.
        var cascaded = cols >= VectorWidth ? cols - (cols % (4 * VectorWidth)) : cols - (cols % 4);
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + VectorWidth <= cascaded; j += VectorWidth)
            {
                CascadeLanes(data, j, cols, rows).StoreUnsafe(ref destination[j]);
            }
        }

        for (; j < cascaded; j++)
        {
            destination[j] = Cascade(data, j, cols, rows);
        }

        for (; j < cols; j++)
        {
            destination[j] = RowSum(data, j, cols, rows);
        }
    }

    /// <summary>Sums the row-major <paramref name="data"/> of <paramref name="shape"/> over the dimensions marked in
    /// <paramref name="reduced"/> into <paramref name="output"/> (row-major, the kept dimensions in order), in the order
    /// of <c>torch.sum(x, dims)</c> on one thread: the dimensions are ordered as PyTorch's TensorIterator orders them
    /// (reduced dimensions first, each group by increasing stride), adjacent ones are merged where the strides allow,
    /// and each 2-D block goes through the kernel <c>cascade_sum</c> picks for its strides (inner contiguous:
    /// <see cref="All"/> per row; outer contiguous: <see cref="Columns"/>'s order; otherwise the scalar row sum or
    /// 4-column cascade). A reduction that spans several blocks adds each block's partial sum into the output in
    /// turn, from zero.</summary>
    internal static void Reduce(ReadOnlySpan<float> data, ReadOnlySpan<long> shape, ReadOnlySpan<bool> reduced, bool keepDim, Span<float> output)
    {
        output.Clear();
        var rank = shape.Length;
        if (data.Length == 0)
        {
            return;
        }

        if (rank == 0)
        {
            output[0] += data[0];
            return;
        }

        // Strides in elements, as torch computes them for a contiguous tensor (a size-1 dimension takes the next
        // stride). The output is viewed with the input's rank: stride 0 along a reduced dimension (of size > 1, or of
        // size 1 without keepdim).
        var sizes = new long[rank];
        var inStrides = new long[rank];
        var outStrides = new long[rank];
        long stride = 1, outStride = 1;
        for (var d = rank - 1; d >= 0; d--)
        {
            sizes[d] = shape[d];
            inStrides[d] = stride;
            stride *= Math.Max(shape[d], 1);
            if (reduced[d] && !keepDim)
            {
                outStrides[d] = 0;
                continue;
            }

            outStrides[d] = reduced[d] && shape[d] != 1 ? 0 : outStride;
            outStride *= reduced[d] ? 1 : Math.Max(shape[d], 1);
        }

        // TensorIterator::reorder_dimensions: start from the reversed order, insertion-sort with its comparison.
        var perm = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            perm[i] = rank - 1 - i;
        }

        for (var i = 1; i < rank; i++)
        {
            var dim1 = i;
            for (var dim0 = i - 1; dim0 >= 0; dim0--)
            {
                var comparison = ShouldSwap(perm[dim0], perm[dim1], sizes, outStrides, inStrides);
                if (comparison > 0)
                {
                    (perm[dim0], perm[dim1]) = (perm[dim1], perm[dim0]);
                    dim1 = dim0;
                }
                else if (comparison < 0)
                {
                    break;
                }
            }
        }

        var n = new long[rank];
        var so = new long[rank];
        var si = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            n[i] = sizes[perm[i]];
            so[i] = outStrides[perm[i]];
            si[i] = inStrides[perm[i]];
        }

        // TensorIterator::coalesce_dimensions.
        var prev = 0;
        for (var d = 1; d < rank; d++)
        {
            var canMerge = n[prev] == 1 || n[d] == 1 || (n[prev] * so[prev] == so[d] && n[prev] * si[prev] == si[d]);
            if (canMerge)
            {
                if (n[prev] == 1)
                {
                    so[prev] = so[d];
                    si[prev] = si[d];
                }

                n[prev] *= n[d];
            }
            else
            {
                prev++;
                if (prev != d)
                {
                    so[prev] = so[d];
                    si[prev] = si[d];
                    n[prev] = n[d];
                }
            }
        }

        var ndim = prev + 1;
        if (ndim == 1)
        {
            Block(data, output, 0, 0, so[0], si[0], 0, 0, (int)n[0], 1);
            return;
        }

        // Dimensions 0 and 1 form each 2-D block; the outer ones are walked with dimension 2 fastest.
        var counter = new long[ndim];
        long outBase = 0, inBase = 0;
        while (true)
        {
            Block(data, output, outBase, inBase, so[0], si[0], so[1], si[1], (int)n[0], (int)n[1]);
            var d = 2;
            for (; d < ndim; d++)
            {
                outBase += so[d];
                inBase += si[d];
                if (++counter[d] < n[d])
                {
                    break;
                }

                outBase -= so[d] * n[d];
                inBase -= si[d] * n[d];
                counter[d] = 0;
            }

            if (d == ndim)
            {
                return;
            }
        }
    }

    /// <summary>TensorIterator's comparison of two dimensions for a reduction (output first, then input): 1 moves
    /// <paramref name="dim0"/> after <paramref name="dim1"/>, −1 keeps it before, 0 is undecided.</summary>
    private static int ShouldSwap(int dim0, int dim1, long[] sizes, long[] outStrides, long[] inStrides)
    {
        for (var operand = 0; operand < 2; operand++)
        {
            var strides = operand == 0 ? outStrides : inStrides;
            long s0 = strides[dim0], s1 = strides[dim1];
            if (operand == 0 && (s0 == 0) != (s1 == 0))
            {
                return s1 == 0 ? 1 : -1;
            }

            if (s0 == 0 || s1 == 0)
            {
                continue;
            }

            if (s0 != s1)
            {
                return s0 < s1 ? -1 : 1;
            }

            if (sizes[dim0] > sizes[dim1])
            {
                return 1;
            }
        }

        return 0;
    }

    /// <summary>One 2-D block of <c>cascade_sum</c>: size0 × size1 values, each partial sum added into the output.</summary>
    private static void Block(ReadOnlySpan<float> data, Span<float> output, long outBase, long inBase, long out0, long in0, long out1, long in1, int size0, int size1)
    {
        if (out0 != 0 && out1 == 0)
        {
            (out0, out1) = (out1, out0);
            (in0, in1) = (in1, in0);
            (size0, size1) = (size1, size0);
        }

        if (out0 != 0 && out1 != 0)
        {
            for (var j = 0; j < size1; j++)
            {
                for (var i = 0; i < size0; i++)
                {
                    output[(int)(outBase + (i * out0) + (j * out1))] += data[(int)(inBase + (i * in0) + (j * in1))];
                }
            }

            return;
        }

        var start = (int)inBase;
        int s0 = (int)in0, s1 = (int)in1;
        if (in0 == 1 && size0 >= VectorWidth)
        {
            for (var j = 0; j < size1; j++)
            {
                output[(int)(outBase + (j * out1))] += All(data.Slice(start + (j * s1), size0));
            }
        }
        else if (in1 == 1 && size1 >= VectorWidth)
        {
            var j = 0;
            for (; j + (4 * VectorWidth) <= size1; j += 4 * VectorWidth)
            {
                for (var k = j; k < j + (4 * VectorWidth); k++)
                {
                    output[(int)(outBase + (k * out1))] += Cascade(data, start + k, s0, size0);
                }
            }

            for (; j < size1; j++)
            {
                output[(int)(outBase + (j * out1))] += RowSum(data, start + j, s0, size0);
            }
        }
        else if (in0 < in1)
        {
            for (var j = 0; j < size1; j++)
            {
                output[(int)(outBase + (j * out1))] += RowSum(data, start + (j * s1), s0, size0);
            }
        }
        else
        {
            var j = 0;
            for (; j + 3 < size1; j += 4)
            {
                for (var k = j; k < j + 4; k++)
                {
                    output[(int)(outBase + (k * out1))] += Cascade(data, start + (k * s1), s0, size0);
                }
            }

            for (; j < size1; j++)
            {
                output[(int)(outBase + (j * out1))] += RowSum(data, start + (j * s1), s0, size0);
            }
        }
    }

    private static int CeilLog2(int n) => n <= 1 ? 0 : 32 - int.LeadingZeroCount(n - 1);
}
