using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace EmbedSharp.Initialization;

/// <summary>
/// Reduced QR by Householder reflections in double precision, for <see cref="Init.Orthogonal"/>.
/// For A (m × n, m ≥ n): H_k = I − β_k·v_k·v_kᵀ zeroes column k below the diagonal, R_kk = −sign(a_kk)·‖a_k‖ (LAPACK's
/// convention), Q = H_0 ⋯ H_{n−1}·I[:, :n]. Columns are stored contiguously (column-major) so each reflection is a
/// dot product and an axpy on contiguous spans; large matrices update columns in parallel, and the result does not
/// depend on the thread count because every column's arithmetic is the same whichever thread runs it.
/// </summary>
internal static class HouseholderQr
{
    private const long ParallelThreshold = 1 << 20; // elements touched by one reflection before going parallel

    /// <summary>Replaces <paramref name="data"/>, a (rows, cols) row-major matrix, by the orthonormal factor torch's
    /// orthogonal_ builds: Q·diag(sign(diag R)) of the QR of the matrix (or of its transpose when rows &lt; cols,
    /// transposed back), rounded to float. Shape: (rows, cols) in and out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    public static void OrthonormalFactor(Span<float> data, int rows, int cols)
    {
        var transposed = rows < cols;
        var m = transposed ? cols : rows; // A is m × n with m ≥ n
        var n = transposed ? rows : cols;

        // A's columns: for rows ≥ cols column j of the data; for rows < cols (A = dataᵀ) row j of the data.
        var a = new double[n][];
        for (var j = 0; j < n; j++)
        {
            var col = a[j] = new double[m];
            if (transposed)
            {
                TensorPrimitives.ConvertChecked<float, double>(data.Slice(j * cols, cols), col);
            }
            else
            {
                for (var i = 0; i < m; i++)
                {
                    col[i] = data[(i * cols) + j];
                }
            }
        }

        var beta = new double[n];
        var diag = new double[n];
        for (var k = 0; k < n; k++)
        {
            var x = a[k].AsSpan(k);
            var normSq = TensorPrimitives.Dot<double>(x, x);
            var norm = Math.Sqrt(normSq);
            var x0 = x[0];
            var alpha = x0 >= 0 ? -norm : norm;
            var v0 = x0 - alpha;
            var vNormSq = normSq - (x0 * x0) + (v0 * v0);
            if (norm == 0 || vNormSq == 0)
            {
                diag[k] = x0;
                beta[k] = 0; // H_k = I
                continue;
            }

            x[0] = v0; // column k now holds v_k from row k on
            diag[k] = alpha;
            beta[k] = 2.0 / vNormSq;
            ApplyReflection(a, k, k + 1, n, a[k].AsSpan(k), beta[k]);
        }

        // Q = H_0 ⋯ H_{n−1} applied to the first n columns of the identity; reflection k leaves columns j < k alone.
        var q = new double[n][];
        for (var j = 0; j < n; j++)
        {
            q[j] = new double[m];
            q[j][j] = 1.0;
        }

        for (var k = n - 1; k >= 0; k--)
        {
            if (beta[k] != 0)
            {
                ApplyReflection(q, k, k, n, a[k].AsSpan(k), beta[k]);
            }
        }

        for (var j = 0; j < n; j++)
        {
            var sign = Math.Sign(diag[j]);
            var col = q[j];
            if (transposed)
            {
                var row = data.Slice(j * cols, cols);
                for (var i = 0; i < m; i++)
                {
                    row[i] = (float)col[i] * sign;
                }
            }
            else
            {
                for (var i = 0; i < m; i++)
                {
                    data[(i * cols) + j] = (float)col[i] * sign;
                }
            }
        }
    }

    /// <summary>For columns j in [from, to): c_j[k..] −= β·(v·c_j[k..])·v.</summary>
    private static void ApplyReflection(double[][] columns, int k, int from, int to, ReadOnlySpan<double> v, double beta)
    {
        var count = to - from;
        if (count <= 0)
        {
            return;
        }

        if ((long)count * v.Length < ParallelThreshold || count < 4)
        {
            for (var j = from; j < to; j++)
            {
                Reflect(columns[j].AsSpan(k), v, beta);
            }

            return;
        }

        var vArray = v.ToArray();
        Parallel.For(from, to, j => Reflect(columns[j].AsSpan(k), vArray, beta));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    private static void Reflect(Span<double> c, ReadOnlySpan<double> v, double beta)
    {
        var s = beta * TensorPrimitives.Dot(v, c);
        if (s != 0)
        {
            TensorPrimitives.MultiplyAdd(v, -s, c, c);
        }
    }
}
