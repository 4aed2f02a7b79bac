using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using EmbedSharp.Numerics;

namespace EmbedSharp.Nn.Functional;

/// <summary>
/// The stateless math of <see cref="Embedding"/> and <see cref="EmbeddingBag"/>, in PyTorch 1.13's CPU (AVX2) order of
/// operations: lookup, max-norm renormalisation, dense and sparse backward, bag forward and backward.
/// torch: <c>F.embedding</c>, <c>F.embedding_bag</c>, <c>torch.embedding_renorm_</c> and their backward kernels.
/// </summary>
/// <remarks>
/// Tables are (num, D) <see cref="FloatTensor"/>s (storage may be chunked; rows are addressed with <see cref="FloatTensor.Row"/>).
/// Every method validates all of its inputs before it writes anything. Padding rows are given as a normalised row
/// number (0 ≤ p &lt; num) or null for none. Kernels write into the caller's destination (last argument) and allocate
/// nothing, except where a remark says otherwise.
/// </remarks>
public static partial class EmbeddingFunctions
{
    /// <summary>Throws if any index lies outside [0, <paramref name="numEmbeddings"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Names the first bad index, its flat position and the table size.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void CheckIndices(ReadOnlySpan<long> indices, long numEmbeddings)
    {
        var i = IndexScan.FirstOutOfRange(indices, numEmbeddings);
        if (i >= 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(indices),
                string.Create(CultureInfo.InvariantCulture, $"Index {indices[i]} at position {i} is outside the embedding table of {numEmbeddings} rows (valid: 0 to {numEmbeddings - 1})."));
        }
    }

    /// <summary>Copies row <c>indices[i]</c> of <paramref name="weight"/> to row i of <paramref name="destination"/>.
    /// torch: <c>F.embedding</c> forward (<c>index_select</c>); the padding row is looked up like any other.</summary>
    /// <remarks>Shape: weight (num, D), indices (N,), destination (N·D) row-major.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the table (nothing is written).</exception>
    /// <exception cref="ArgumentException">The destination length is not N·D.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Lookup(FloatTensor weight, ReadOnlySpan<long> indices, Span<float> destination)
    {
        var dim = CheckTable(weight);
        CheckLength(destination.Length, (long)indices.Length * dim, "destination", "N·D");
        CheckIndices(indices, weight.RowCount);
        EmbeddingKernels.Lookup(weight, indices, destination);
    }

    /// <summary>The p-norm of one float32 row exactly as <c>FloatTensor.norm(p)</c> computes it on a contiguous CPU row
    /// (AVX2 build). p=2: 8 lanes of fma over full blocks of 8, lanes summed in order, then the tail (groups of 4
    /// squares rounded and added, the last &lt;4 fma'd), sqrt. p=1: sequential Σ|x|. p=∞: max |x|. Other p:
    /// sequential <c>acc += powf(|x|, p)</c>, then <c>powf(acc, 1/p)</c> with 1/p in float.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="normType"/> is not positive.</exception>
    public static float RowNorm(ReadOnlySpan<float> row, double normType)
    {
        CheckNormType(normType);
        if (normType == 2.0)
        {
            return RowNorm2(row);
        }

        if (normType == 1.0)
        {
            var s = 0f;
            foreach (var x in row)
            {
                s += MathF.Abs(x);
            }

            return s;
        }

        if (double.IsPositiveInfinity(normType))
        {
            var m = 0f;
            foreach (var x in row)
            {
                var a = MathF.Abs(x);
                if (a > m || float.IsNaN(a))
                {
                    m = a;
                }
            }

            return m;
        }

        var p = (float)normType;
        var acc = 0f;
        foreach (var x in row)
        {
            acc += MathF.Pow(MathF.Abs(x), p);
        }

        return MathF.Pow(acc, 1f / p);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float RowNorm2(ReadOnlySpan<float> row)
    {
        const int Lanes = 8, TailGroup = 4;
        Span<float> lanes = stackalloc float[Lanes];
        lanes.Clear();
        var n = row.Length;
        var d = 0;
        for (; d + Lanes <= n; d += Lanes)
        {
            for (var l = 0; l < Lanes; l++)
            {
                lanes[l] = MathF.FusedMultiplyAdd(row[d + l], row[d + l], lanes[l]);
            }
        }

        var acc = lanes[0];
        for (var l = 1; l < Lanes; l++)
        {
            acc += lanes[l];
        }

        // This GCC-12 build rounds the tail squares in groups of 4 before adding them; the last <4 are fma'd.
        for (; n - d >= TailGroup; d += TailGroup)
        {
            for (var j = 0; j < TailGroup; j++)
            {
                var sq = row[d + j] * row[d + j];
                acc += sq;
            }
        }

        for (; d < n; d++)
        {
            acc = MathF.FusedMultiplyAdd(row[d], row[d], acc);
        }

        return MathF.Sqrt(acc);
    }

    /// <summary>Rescales IN PLACE every distinct row named in <paramref name="indices"/> whose p-norm exceeds
    /// <paramref name="maxNorm"/>: visiting the distinct indices in ascending order, each once,
    /// <c>row *= (float)(maxNorm / (norm + 1e-7))</c> with the quotient in double. torch: <c>embedding_renorm_</c>.</summary>
    /// <param name="weight">The (num, D) table, modified in place.</param>
    /// <param name="indices">Rows to check; duplicates are visited once.</param>
    /// <param name="maxNorm">Largest allowed norm (positive).</param>
    /// <param name="normType">p of the norm (positive, or +∞).</param>
    /// <param name="scratch">At least <c>indices.Length</c> longs of scratch (overwritten).</param>
    /// <returns>The number of rows that were rescaled.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the table, or maxNorm/normType are not positive; nothing changes.</exception>
    public static int Renormalize(FloatTensor weight, ReadOnlySpan<long> indices, double maxNorm, double normType, Span<long> scratch)
    {
        CheckTable(weight);
        CheckMaxNorm(maxNorm);
        CheckNormType(normType);
        if (scratch.Length < indices.Length)
        {
            throw new ArgumentException($"Scratch holds {scratch.Length} entries; {indices.Length} are needed.", nameof(scratch));
        }

        CheckIndices(indices, weight.RowCount);
        var sorted = scratch[..indices.Length];
        indices.CopyTo(sorted);
        sorted.Sort();
        var changed = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            if (i > 0 && sorted[i] == sorted[i - 1])
            {
                continue;
            }

            var row = weight.Row(sorted[i]);
            double norm = RowNorm(row, normType);
            if (norm > maxNorm)
            {
                var scale = (float)(maxNorm / (norm + 1e-7));
                for (var j = 0; j < row.Length; j++)
                {
                    row[j] *= scale;
                }

                changed++;
            }
        }

        return changed;
    }

    /// <summary>As <see cref="Renormalize(FloatTensor, ReadOnlySpan{long}, double, double, Span{long})"/>, renting its scratch
    /// from the shared array pool.</summary>
    public static int Renormalize(FloatTensor weight, ReadOnlySpan<long> indices, double maxNorm, double normType)
    {
        var rented = ArrayPool<long>.Shared.Rent(Math.Max(1, indices.Length));
        try
        {
            return Renormalize(weight, indices, maxNorm, normType, rented);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(rented);
        }
    }

    /// <summary>Dense embedding backward: for each i in input order with <c>k = indices[i] ≠ paddingIdx</c>,
    /// <c>gradWeight[k] = fma(gradOutput[i], s, gradWeight[k])</c>, s = (float)(1/count(k)) with the count over the whole
    /// input when <paramref name="scaleGradByFreq"/>, else 1. torch: <c>embedding_dense_backward_cpu</c>.</summary>
    /// <remarks>Shape: indices (N,), gradOutput (N·D) row-major, gradWeight (num, D). Adds into gradWeight; bit-exact with
    /// PyTorch's gradient when gradWeight is zero on entry.</remarks>
    /// <param name="indices">The forward's indices.</param>
    /// <param name="gradOutput">Gradient of the loss w.r.t. the forward output.</param>
    /// <param name="paddingIdx">Normalised padding row, or null.</param>
    /// <param name="scaleGradByFreq">Divide by each row's frequency in the input.</param>
    /// <param name="countScratch">With <paramref name="scaleGradByFreq"/>: at least num ints (overwritten); else may be empty.</param>
    /// <param name="gradWeight">The (num, D) gradient to add into.</param>
    public static void DenseBackward(ReadOnlySpan<long> indices, ReadOnlySpan<float> gradOutput, long? paddingIdx, bool scaleGradByFreq,
        Span<int> countScratch, FloatTensor gradWeight)
    {
        var dim = CheckTable(gradWeight);
        var num = gradWeight.RowCount;
        CheckLength(gradOutput.Length, (long)indices.Length * dim, "gradOutput", "N·D");
        CheckIndices(indices, num);
        CheckPadding(paddingIdx, num);
        if (scaleGradByFreq && countScratch.Length < num)
        {
            throw new ArgumentException($"Count scratch holds {countScratch.Length} entries; {num} are needed.", nameof(countScratch));
        }

        if (scaleGradByFreq)
        {
            CountRows(indices, countScratch);
        }

        EmbeddingKernels.DenseBackward(indices, gradOutput, paddingIdx ?? -1, scaleGradByFreq ? countScratch : default, gradWeight);
    }

    /// <summary>Sparse embedding backward: appends, in input order, one uncoalesced entry <c>(indices[i], gradOutput[i])</c>
    /// per non-padding index (duplicates are not summed). torch: <c>embedding_sparse_backward</c>.</summary>
    /// <exception cref="NotSupportedException"><paramref name="scaleGradByFreq"/> is set: PyTorch 1.13 raises
    /// "embedding_backward: scale_grad_by_freq not supported with sparse gradients".</exception>
    public static void SparseBackward(ReadOnlySpan<long> indices, ReadOnlySpan<float> gradOutput, long? paddingIdx, bool scaleGradByFreq,
        SparseGradient destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (scaleGradByFreq)
        {
            throw SparseScaleGradByFreq();
        }

        var dim = destination.RowLength;
        CheckLength(gradOutput.Length, (long)indices.Length * dim, "gradOutput", "N·D");
        CheckIndices(indices, destination.RowCount);
        CheckPadding(paddingIdx, destination.RowCount);
        var pad = paddingIdx ?? -1;
        for (var i = 0; i < indices.Length; i++)
        {
            if (indices[i] != pad)
            {
                destination.Append(indices[i], gradOutput.Slice(i * dim, dim));
            }
        }
    }

    /// <summary>Zero-copy sparse embedding backward: appends one uncoalesced entry <c>(indices[i], gradOutput[i])</c> per
    /// non-padding index, in input order, that BORROWS <paramref name="indices"/> and <paramref name="gradOutput"/>
    /// (<see cref="SparseGradient.AppendBorrowed"/>): as in PyTorch, the gradient values are a view of the upstream
    /// gradient, so both tensors must stay unchanged until the optimiser step and ZeroGrad.
    /// torch: <c>embedding_sparse_backward</c>.</summary>
    /// <remarks>Shape: indices (*), gradOutput with N·D elements in one chunk (else use the span overload, which copies).</remarks>
    /// <exception cref="NotSupportedException"><paramref name="scaleGradByFreq"/> is set.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index or the padding row is outside the table; nothing is appended.</exception>
    /// <exception cref="ArgumentException">gradOutput does not hold N·D elements in one chunk.</exception>
    public static void SparseBackward(IndexTensor indices, FloatTensor gradOutput, long? paddingIdx, bool scaleGradByFreq,
        SparseGradient destination)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(gradOutput);
        ArgumentNullException.ThrowIfNull(destination);
        if (scaleGradByFreq)
        {
            throw SparseScaleGradByFreq();
        }

        CheckPadding(paddingIdx, destination.RowCount);
        CheckBorrowable(indices, gradOutput, destination.RowLength);
        CheckIndices(indices.AsSpan(), destination.RowCount);
        destination.AppendBorrowedChecked(indices, gradOutput, paddingIdx);
    }

    /// <summary>Throws unless <paramref name="gradOutput"/> holds N·D elements in one chunk.</summary>
    internal static void CheckBorrowable(IndexTensor indices, FloatTensor gradOutput, int dim)
    {
        CheckLength(gradOutput.Length, (long)indices.Length * dim, "gradOutput", "N·D");
        if (!gradOutput.IsSingleChunk)
        {
            throw new ArgumentException($"A borrowed gradient must be stored in one chunk; gradOutput has {gradOutput.ChunkCount}.", nameof(gradOutput));
        }
    }

    internal static void CountRows(ReadOnlySpan<long> indices, Span<int> counts)
    {
        foreach (var k in indices)
        {
            counts[(int)k] = 0;
        }

        foreach (var k in indices)
        {
            counts[(int)k]++;
        }
    }

    internal static NotSupportedException SparseScaleGradByFreq() =>
        new("scale_grad_by_freq is not supported with sparse gradients (PyTorch 1.13 raises \"embedding_backward: scale_grad_by_freq not supported with sparse gradients\" at backward).");

    internal static void CheckMaxNorm(double maxNorm)
    {
        if (!(maxNorm > 0) || double.IsNaN(maxNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), string.Create(CultureInfo.InvariantCulture, $"max_norm must be positive, but got {maxNorm}."));
        }
    }

    internal static void CheckNormType(double normType)
    {
        if (!(normType > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(normType), string.Create(CultureInfo.InvariantCulture, $"norm_type must be positive (or +infinity), but got {normType}."));
        }
    }

    internal static void CheckPadding(long? paddingIdx, long num)
    {
        if (paddingIdx is { } p && (ulong)p >= (ulong)num)
        {
            throw new ArgumentOutOfRangeException(nameof(paddingIdx), $"Padding index {p} is outside the table of {num} rows.");
        }
    }

    private static int CheckTable(FloatTensor table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Rank != 2)
        {
            throw new ArgumentException($"An embedding table must be 2-D (num, D), but has shape {FloatTensor.FormatShape(table.Shape)}.", nameof(table));
        }

        return (int)table.Shape[1];
    }

    private static void CheckLength(long actual, long expected, string name, string what)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{name} holds {actual} elements; {what} = {expected} are needed.", name);
        }
    }

    private static void FmaRow(ReadOnlySpan<float> x, float s, Span<float> acc) => RowKernels.FmaRow(x, s, acc);

    private static void ScaleInto(ReadOnlySpan<float> x, float s, Span<float> destination) => RowKernels.ScaleInto(x, s, destination);
}
