using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbedSharp.FastText;

/// <summary>
/// The vector kernels of the training loops (fastText's <c>Vector::addRow</c>, <c>Matrix::dotRow</c>,
/// <c>Matrix::addVectorToRow</c>) on raw rows of a few hundred floats: one call per row, no span checks, no
/// length dispatch, and the pair of updates of an output row fused into one pass over it. Sums use four
/// Vector256 accumulators and <c>MultiplyAddEstimate</c> (an FMA where the CPU has one), so the order of the
/// float additions is fixed for a given CPU and the results are deterministic; they are not TensorPrimitives' bits.
/// </summary>
internal static unsafe class RowKernels
{
    /// <summary>x·y over n floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(float* x, float* y, int n)
    {
        var i = 0;
        var sum = 0f;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var s0 = Vector256<float>.Zero;
            var s1 = Vector256<float>.Zero;
            var s2 = Vector256<float>.Zero;
            var s3 = Vector256<float>.Zero;
            for (; i <= n - 32; i += 32)
            {
                s0 = Vector256.MultiplyAddEstimate(Vector256.Load(x + i), Vector256.Load(y + i), s0);
                s1 = Vector256.MultiplyAddEstimate(Vector256.Load(x + i + 8), Vector256.Load(y + i + 8), s1);
                s2 = Vector256.MultiplyAddEstimate(Vector256.Load(x + i + 16), Vector256.Load(y + i + 16), s2);
                s3 = Vector256.MultiplyAddEstimate(Vector256.Load(x + i + 24), Vector256.Load(y + i + 24), s3);
            }

            for (; i <= n - 8; i += 8)
            {
                s0 = Vector256.MultiplyAddEstimate(Vector256.Load(x + i), Vector256.Load(y + i), s0);
            }

            sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        }

        if (Vector128.IsHardwareAccelerated && i <= n - 4)
        {
            sum += Vector128.Sum(Vector128.Load(x + i) * Vector128.Load(y + i));
            i += 4;
        }

        for (; i < n; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    /// <summary>y += x over n floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(float* y, float* x, int n)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                Vector256.Store(Vector256.Load(y + i) + Vector256.Load(x + i), y + i);
                Vector256.Store(Vector256.Load(y + i + 8) + Vector256.Load(x + i + 8), y + i + 8);
            }

            for (; i <= n - 8; i += 8)
            {
                Vector256.Store(Vector256.Load(y + i) + Vector256.Load(x + i), y + i);
            }
        }

        if (Vector128.IsHardwareAccelerated && i <= n - 4)
        {
            Vector128.Store(Vector128.Load(y + i) + Vector128.Load(x + i), y + i);
            i += 4;
        }

        for (; i < n; i++)
        {
            y[i] += x[i];
        }
    }

    /// <summary>y += a·x over n floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaled(float* y, float* x, float a, int n)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            for (; i <= n - 16; i += 16)
            {
                Vector256.Store(Vector256.MultiplyAddEstimate(Vector256.Load(x + i), va, Vector256.Load(y + i)), y + i);
                Vector256.Store(Vector256.MultiplyAddEstimate(Vector256.Load(x + i + 8), va, Vector256.Load(y + i + 8)), y + i + 8);
            }

            for (; i <= n - 8; i += 8)
            {
                Vector256.Store(Vector256.MultiplyAddEstimate(Vector256.Load(x + i), va, Vector256.Load(y + i)), y + i);
            }
        }

        if (Vector128.IsHardwareAccelerated && i <= n - 4)
        {
            Vector128.Store(Vector128.MultiplyAddEstimate(Vector128.Load(x + i), Vector128.Create(a), Vector128.Load(y + i)), y + i);
            i += 4;
        }

        for (; i < n; i++)
        {
            y[i] += a * x[i];
        }
    }

    /// <summary>x *= a over n floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale(float* x, float a, int n)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            for (; i <= n - 8; i += 8)
            {
                Vector256.Store(Vector256.Load(x + i) * va, x + i);
            }
        }

        for (; i < n; i++)
        {
            x[i] *= a;
        }
    }

    /// <summary>The two updates of a scored output row in one pass, as fastText's binaryLogistic and softmax:
    /// grad += α·out, then out += α·hidden (the grad update reads the row before it moves).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UpdateOutput(float* grad, float* output, float* hidden, float alpha, int n)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(alpha);
            for (; i <= n - 8; i += 8)
            {
                var o = Vector256.Load(output + i);
                Vector256.Store(Vector256.MultiplyAddEstimate(o, va, Vector256.Load(grad + i)), grad + i);
                Vector256.Store(Vector256.MultiplyAddEstimate(Vector256.Load(hidden + i), va, o), output + i);
            }
        }

        if (Vector128.IsHardwareAccelerated && i <= n - 4)
        {
            var va = Vector128.Create(alpha);
            var o = Vector128.Load(output + i);
            Vector128.Store(Vector128.MultiplyAddEstimate(o, va, Vector128.Load(grad + i)), grad + i);
            Vector128.Store(Vector128.MultiplyAddEstimate(Vector128.Load(hidden + i), va, o), output + i);
            i += 4;
        }

        for (; i < n; i++)
        {
            var o = output[i];
            grad[i] += alpha * o;
            output[i] = o + (alpha * hidden[i]);
        }
    }

    /// <summary>grad += a·out, then out += b·hidden, in one pass (the grad update reads the row before it moves).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UpdateOutputScaled(float* grad, float* output, float* hidden, float a, float b, int n)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            var vb = Vector256.Create(b);
            for (; i <= n - 8; i += 8)
            {
                var o = Vector256.Load(output + i);
                Vector256.Store(Vector256.MultiplyAddEstimate(o, va, Vector256.Load(grad + i)), grad + i);
                Vector256.Store(Vector256.MultiplyAddEstimate(Vector256.Load(hidden + i), vb, o), output + i);
            }
        }

        for (; i < n; i++)
        {
            var o = output[i];
            grad[i] += a * o;
            output[i] = o + (b * hidden[i]);
        }
    }

    /// <summary>dst = 0 + Σ_k matrix[rows[k]] over n floats per row, summed in list order per element (fastText's
    /// computeHidden before its scaling: zero the vector, then <see cref="Add"/> each row in turn, the same bits), with the
    /// partial sums of up to 64 columns held in registers across the whole list instead of loaded and stored per row
    /// (row by row, each add waited for the store of the one before). The caller checks the row numbers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SumRows<TIndex>(float* dst, float* matrix, ReadOnlySpan<TIndex> rows, int n)
        where TIndex : unmanaged, IBinaryInteger<TIndex>
    {
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - 64; j += 64)
            {
                var a0 = Vector256<float>.Zero;
                var a1 = Vector256<float>.Zero;
                var a2 = Vector256<float>.Zero;
                var a3 = Vector256<float>.Zero;
                var a4 = Vector256<float>.Zero;
                var a5 = Vector256<float>.Zero;
                var a6 = Vector256<float>.Zero;
                var a7 = Vector256<float>.Zero;
                for (var k = 0; k < rows.Length; k++)
                {
                    var p = matrix + (long.CreateTruncating(rows[k]) * n) + j;
                    a0 += Vector256.Load(p);
                    a1 += Vector256.Load(p + 8);
                    a2 += Vector256.Load(p + 16);
                    a3 += Vector256.Load(p + 24);
                    a4 += Vector256.Load(p + 32);
                    a5 += Vector256.Load(p + 40);
                    a6 += Vector256.Load(p + 48);
                    a7 += Vector256.Load(p + 56);
                }

                a0.Store(dst + j);
                a1.Store(dst + j + 8);
                a2.Store(dst + j + 16);
                a3.Store(dst + j + 24);
                a4.Store(dst + j + 32);
                a5.Store(dst + j + 40);
                a6.Store(dst + j + 48);
                a7.Store(dst + j + 56);
            }

            for (; j <= n - 32; j += 32)
            {
                var a0 = Vector256<float>.Zero;
                var a1 = Vector256<float>.Zero;
                var a2 = Vector256<float>.Zero;
                var a3 = Vector256<float>.Zero;
                for (var k = 0; k < rows.Length; k++)
                {
                    var p = matrix + (long.CreateTruncating(rows[k]) * n) + j;
                    a0 += Vector256.Load(p);
                    a1 += Vector256.Load(p + 8);
                    a2 += Vector256.Load(p + 16);
                    a3 += Vector256.Load(p + 24);
                }

                a0.Store(dst + j);
                a1.Store(dst + j + 8);
                a2.Store(dst + j + 16);
                a3.Store(dst + j + 24);
            }

            for (; j <= n - 8; j += 8)
            {
                var a = Vector256<float>.Zero;
                for (var k = 0; k < rows.Length; k++)
                {
                    a += Vector256.Load(matrix + (long.CreateTruncating(rows[k]) * n) + j);
                }

                a.Store(dst + j);
            }
        }

        if (Vector128.IsHardwareAccelerated && j <= n - 4)
        {
            var a = Vector128<float>.Zero;
            for (var k = 0; k < rows.Length; k++)
            {
                a += Vector128.Load(matrix + (long.CreateTruncating(rows[k]) * n) + j);
            }

            a.Store(dst + j);
            j += 4;
        }

        for (; j < n; j++)
        {
            var a = 0f;
            for (var k = 0; k < rows.Length; k++)
            {
                a += matrix[(long.CreateTruncating(rows[k]) * n) + j];
            }

            dst[j] = a;
        }
    }

    /// <summary>matrix[rows[k]] += x for every k in list order (a row listed twice gets x twice), n floats per row:
    /// the bits of <see cref="Add"/> row by row, with up to 64 columns of x held in registers across the list. The
    /// caller checks the row numbers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddToRows<TIndex>(float* matrix, ReadOnlySpan<TIndex> rows, float* x, int n)
        where TIndex : unmanaged, IBinaryInteger<TIndex>
    {
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - 64; j += 64)
            {
                var x0 = Vector256.Load(x + j);
                var x1 = Vector256.Load(x + j + 8);
                var x2 = Vector256.Load(x + j + 16);
                var x3 = Vector256.Load(x + j + 24);
                var x4 = Vector256.Load(x + j + 32);
                var x5 = Vector256.Load(x + j + 40);
                var x6 = Vector256.Load(x + j + 48);
                var x7 = Vector256.Load(x + j + 56);
                for (var k = 0; k < rows.Length; k++)
                {
                    var p = matrix + (long.CreateTruncating(rows[k]) * n) + j;
                    (Vector256.Load(p) + x0).Store(p);
                    (Vector256.Load(p + 8) + x1).Store(p + 8);
                    (Vector256.Load(p + 16) + x2).Store(p + 16);
                    (Vector256.Load(p + 24) + x3).Store(p + 24);
                    (Vector256.Load(p + 32) + x4).Store(p + 32);
                    (Vector256.Load(p + 40) + x5).Store(p + 40);
                    (Vector256.Load(p + 48) + x6).Store(p + 48);
                    (Vector256.Load(p + 56) + x7).Store(p + 56);
                }
            }

            for (; j <= n - 32; j += 32)
            {
                var x0 = Vector256.Load(x + j);
                var x1 = Vector256.Load(x + j + 8);
                var x2 = Vector256.Load(x + j + 16);
                var x3 = Vector256.Load(x + j + 24);
                for (var k = 0; k < rows.Length; k++)
                {
                    var p = matrix + (long.CreateTruncating(rows[k]) * n) + j;
                    (Vector256.Load(p) + x0).Store(p);
                    (Vector256.Load(p + 8) + x1).Store(p + 8);
                    (Vector256.Load(p + 16) + x2).Store(p + 16);
                    (Vector256.Load(p + 24) + x3).Store(p + 24);
                }
            }

            for (; j <= n - 8; j += 8)
            {
                var x0 = Vector256.Load(x + j);
                for (var k = 0; k < rows.Length; k++)
                {
                    var p = matrix + (long.CreateTruncating(rows[k]) * n) + j;
                    (Vector256.Load(p) + x0).Store(p);
                }
            }
        }

        if (Vector128.IsHardwareAccelerated && j <= n - 4)
        {
            var x0 = Vector128.Load(x + j);
            for (var k = 0; k < rows.Length; k++)
            {
                var p = matrix + (long.CreateTruncating(rows[k]) * n) + j;
                (Vector128.Load(p) + x0).Store(p);
            }

            j += 4;
        }

        for (; j < n; j++)
        {
            var xj = x[j];
            for (var k = 0; k < rows.Length; k++)
            {
                matrix[(long.CreateTruncating(rows[k]) * n) + j] += xj;
            }
        }
    }

    /// <summary>Asks the CPU to bring the cache lines of a row of n floats into L1 (a hint: no effect on results).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(float* row, int n)
    {
        if (Sse.IsSupported)
        {
            var p = (byte*)row;
            var end = (byte*)(row + n);
            for (; p < end; p += 64)
            {
                Sse.Prefetch0(p);
            }

            Sse.Prefetch0(end - 1);
        }
    }
}
