using System.Runtime.CompilerServices;

namespace EmbedSharp.Nn.Functional;

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
        for (; j < cascaded; j++)
        {
            destination[j] = Cascade(data, j, cols, rows);
        }

        for (; j < cols; j++)
        {
            destination[j] = RowSum(data, j, cols, rows);
        }
    }

    private static int CeilLog2(int n) => n <= 1 ? 0 : 32 - int.LeadingZeroCount(n - 1);
}
