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
public static class EmbeddingFunctions
{
    /// <summary>Throws if any index lies outside [0, <paramref name="numEmbeddings"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Names the first bad index, its flat position and the table size.</exception>
    public static void CheckIndices(ReadOnlySpan<long> indices, long numEmbeddings)
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

    /// <summary>Number of bags described by <paramref name="offsets"/>: its length, or its length − 1 with
    /// <paramref name="includeLastOffset"/>. Checks that offsets[0] = 0, offsets never decrease and never pass
    /// <paramref name="inputLength"/>, and (with includeLastOffset) that the last offset is the input length.</summary>
    /// <exception cref="ArgumentException">Names the offending offset, its position and the input length.</exception>
    public static int BagCount(ReadOnlySpan<long> offsets, bool includeLastOffset, int inputLength)
    {
        if (offsets.Length > 0 && offsets[0] != 0)
        {
            throw new ArgumentException($"offsets[0] has to be 0 (the first bag starts at position 0), but got {offsets[0]}.", nameof(offsets));
        }

        for (var b = 0; b < offsets.Length; b++)
        {
            if (b > 0 && offsets[b] < offsets[b - 1])
            {
                throw new ArgumentException($"Offsets must not decrease: offsets[{b}] = {offsets[b]} is less than offsets[{b - 1}] = {offsets[b - 1]}.", nameof(offsets));
            }

            if (offsets[b] > inputLength)
            {
                throw new ArgumentException($"offsets[{b}] = {offsets[b]} is past the end of the input (length {inputLength}).", nameof(offsets));
            }
        }

        if (!includeLastOffset)
        {
            return offsets.Length;
        }

        if (offsets.Length == 0)
        {
            throw new ArgumentException("With include_last_offset the offsets need at least one entry (the end of the input).", nameof(offsets));
        }

        if (offsets[^1] != inputLength)
        {
            throw new ArgumentException(
                $"With include_last_offset the last offset must equal the input length {inputLength}, but got {offsets[^1]}: indices after it would belong to no bag.", nameof(offsets));
        }

        return offsets.Length - 1;
    }

    /// <summary>EmbeddingBag forward: bag b covers indices[offsets[b] .. offsets[b+1]) (the last bag runs to the end of
    /// the input); entries equal to the padding row are skipped. Sum: sequential float add from 0 (with per-sample
    /// weights: <c>acc = fma(w, row, acc)</c> without a padding row, <c>acc + round(row·w)</c> with one). Mean: that sum /
    /// max(count, 1). Max: element-wise max, a later row wins only if strictly larger. Empty bags give zeros.
    /// torch: <c>F.embedding_bag</c> (<c>_embedding_bag_cpu_impl_out</c>).</summary>
    /// <remarks>Shape: weight (num, D), indices (N,), offsets (B,) or (B+1,), perSampleWeights (N,) or empty,
    /// destination (B·D), maxIndices (B·D) for Max (−1 for an empty bag) or empty, bagSizes (B) = non-padding counts.</remarks>
    /// <exception cref="ArgumentException">Offsets, lengths or the mode/per-sample-weights combination are invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the table.</exception>
    public static void BagForward(FloatTensor weight, ReadOnlySpan<long> indices, ReadOnlySpan<long> offsets, bool includeLastOffset,
        EmbeddingBagMode mode, ReadOnlySpan<float> perSampleWeights, long? paddingIdx,
        Span<float> destination, Span<long> maxIndices, Span<int> bagSizes)
    {
        CheckTable(weight);
        CheckIndices(indices, weight.RowCount);
        BagForwardIndicesChecked(weight, indices, offsets, includeLastOffset, mode, perSampleWeights, paddingIdx, destination, maxIndices, bagSizes);
    }

    /// <summary><see cref="BagForward"/> for a caller that has already checked the indices against the table (the
    /// <see cref="EmbeddingBag"/> module checks them before it changes anything), so they are not scanned twice.</summary>
    internal static void BagForwardIndicesChecked(FloatTensor weight, ReadOnlySpan<long> indices, ReadOnlySpan<long> offsets, bool includeLastOffset,
        EmbeddingBagMode mode, ReadOnlySpan<float> perSampleWeights, long? paddingIdx,
        Span<float> destination, Span<long> maxIndices, Span<int> bagSizes)
    {
        var dim = CheckTable(weight);
        var bags = BagCount(offsets, includeLastOffset, indices.Length);
        CheckPerSampleWeights(mode, perSampleWeights, indices.Length);
        CheckLength(destination.Length, (long)bags * dim, "destination", "B·D");
        CheckLength(bagSizes.Length, bags, "bagSizes", "B");
        if (mode == EmbeddingBagMode.Max)
        {
            CheckLength(maxIndices.Length, (long)bags * dim, "maxIndices", "B·D");
        }

        CheckPadding(paddingIdx, weight.RowCount);
        EmbeddingKernels.BagForward(weight, indices, offsets, bags, mode, perSampleWeights, paddingIdx, destination, maxIndices, bagSizes);
    }

    /// <summary>Dense EmbeddingBag backward into <paramref name="gradWeight"/> (added; bit-exact with PyTorch when it is
    /// zero on entry). Sum/Mean (torch: <c>_embedding_bag_dense_backward_cpu_sum_mean</c>): the indices are ordered with
    /// libstdc++'s (unstable) <c>std::sort</c>, exactly as <c>indices.sort()</c> orders them, and each entry j of row k adds
    /// <c>gradWeight[k] = fma(gradOutput[bag(j)], (float)scale, gradWeight[k])</c> with scale = per-sample weight (or 1),
    /// divided (in double) by the frequency and, for Mean, by the bag's count. Max: each (bag, d) adds its gradient to
    /// the arg-max row, bags in order, skipping bags without a non-padding entry.</summary>
    /// <remarks>
    /// PyTorch 1.13 quirk, reproduced: with <paramref name="scaleGradByFreq"/> the divisor for the g-th group of equal
    /// indices is the frequency of <c>sorted[g]</c> (the g-th smallest input index), not of the group's own index.
    /// Rents scratch arrays from the shared pool. Shape: as <see cref="BagForward"/>; gradOutput (B·D).
    /// </remarks>
    /// <exception cref="ArgumentException">Lengths, offsets or mode combinations are invalid.</exception>
    public static void BagDenseBackward(ReadOnlySpan<long> indices, ReadOnlySpan<long> offsets, bool includeLastOffset,
        EmbeddingBagMode mode, ReadOnlySpan<float> perSampleWeights, long? paddingIdx, bool scaleGradByFreq,
        ReadOnlySpan<int> bagSizes, ReadOnlySpan<long> maxIndices, ReadOnlySpan<float> gradOutput, FloatTensor gradWeight,
        bool gradWeightIsStale = false)
    {
        var dim = CheckTable(gradWeight);
        var num = gradWeight.RowCount;
        var bags = BagCount(offsets, includeLastOffset, indices.Length);
        CheckPerSampleWeights(mode, perSampleWeights, indices.Length);
        CheckLength(gradOutput.Length, (long)bags * dim, "gradOutput", "B·D");
        CheckLength(bagSizes.Length, bags, "bagSizes", "B");
        CheckIndices(indices, num);
        CheckPadding(paddingIdx, num);
        if (mode == EmbeddingBagMode.Max)
        {
            if (scaleGradByFreq)
            {
                throw new ArgumentException("Max mode does not support scaling the gradient by the frequency.", nameof(scaleGradByFreq));
            }

            CheckLength(maxIndices.Length, (long)bags * dim, "maxIndices", "B·D");
            for (var b = 0; b < bags; b++)
            {
                if (bagSizes[b] != 0)
                {
                    CheckIndices(maxIndices.Slice(b * dim, dim), num);
                }
            }

            if (gradWeightIsStale)
            {
                gradWeight.Fill(0f);
            }

            for (var b = 0; b < bags; b++)
            {
                if (bagSizes[b] == 0)
                {
                    continue;
                }

                for (var d = 0; d < dim; d++)
                {
                    gradWeight.Row(maxIndices[(b * dim) + d])[d] += gradOutput[(b * dim) + d];
                }
            }

            return;
        }

        var n = indices.Length;
        if (gradWeightIsStale && (n == 0 || scaleGradByFreq))
        {
            gradWeight.Fill(0f);
            gradWeightIsStale = false;
        }

        if (n == 0)
        {
            return;
        }

        var keys = ArrayPool<long>.Shared.Rent(n);
        var order = ArrayPool<int>.Shared.Rent(n);
        var bagOf = ArrayPool<int>.Shared.Rent(n);
        try
        {
            for (var b = 0; b < bags; b++)
            {
                var (start, end) = BagBounds(offsets, b, n);
                bagOf.AsSpan(start, end - start).Fill(b);
            }

            for (var j = 0; j < n; j++)
            {
                keys[j] = indices[j];
                order[j] = j;
            }

            LibstdcxxSort.Sort(keys.AsSpan(0, n), order.AsSpan(0, n));
            var pad = paddingIdx ?? -1;
            if (!scaleGradByFreq)
            {
                EmbeddingKernels.BagDenseBackwardGroups(keys.AsSpan(0, n), order.AsSpan(0, n), bagOf.AsSpan(0, n), bagSizes, perSampleWeights,
                    pad, mode == EmbeddingBagMode.Mean, gradOutput, gradWeight, gradWeightIsStale);
                return;
            }

            var group = 0;
            var s = 0;
            while (s < n)
            {
                var k = keys[s];
                var e = s + 1;
                while (e < n && keys[e] == k)
                {
                    e++;
                }

                if (k != pad)
                {
                    var target = gradWeight.Row(k);
                    // PyTorch 1.13 looks the count up with the group number (see remarks): the frequency of keys[group].
                    var freq = scaleGradByFreq ? RunLength(keys.AsSpan(0, n), keys[group]) : 0;

                    for (var j = s; j < e; j++)
                    {
                        var pos = order[j];
                        var bag = bagOf[pos];
                        var scale = perSampleWeights.IsEmpty ? 1.0 : perSampleWeights[pos];
                        if (scaleGradByFreq)
                        {
                            scale /= freq;
                        }

                        if (mode == EmbeddingBagMode.Mean && bagSizes[bag] != 0)
                        {
                            scale /= bagSizes[bag];
                        }

                        FmaRow(gradOutput.Slice(bag * dim, dim), (float)scale, target);
                    }
                }

                group++;
                s = e;
            }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(keys);
            ArrayPool<int>.Shared.Return(order);
            ArrayPool<int>.Shared.Return(bagOf);
        }
    }

    /// <summary>Sparse EmbeddingBag backward: for each non-padding entry j in input order, appends
    /// <c>(indices[j], gradOutput[bag(j)] · f)</c>, f = (1f / count) for Mean, the per-sample weight for weighted Sum,
    /// nothing otherwise (one float multiply). torch: <c>_embedding_bag_sparse_backward</c>.</summary>
    /// <exception cref="NotSupportedException"><paramref name="scaleGradByFreq"/> is set (PyTorch raises at backward).</exception>
    /// <exception cref="ArgumentException">Max mode, or invalid lengths/offsets.</exception>
    public static void BagSparseBackward(ReadOnlySpan<long> indices, ReadOnlySpan<long> offsets, bool includeLastOffset,
        EmbeddingBagMode mode, ReadOnlySpan<float> perSampleWeights, long? paddingIdx, bool scaleGradByFreq,
        ReadOnlySpan<int> bagSizes, ReadOnlySpan<float> gradOutput, SparseGradient destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (mode == EmbeddingBagMode.Max)
        {
            throw new ArgumentException("Max mode does not support sparse gradients.", nameof(mode));
        }

        if (scaleGradByFreq)
        {
            throw SparseScaleGradByFreq();
        }

        var dim = destination.RowLength;
        var bags = BagCount(offsets, includeLastOffset, indices.Length);
        CheckPerSampleWeights(mode, perSampleWeights, indices.Length);
        CheckLength(gradOutput.Length, (long)bags * dim, "gradOutput", "B·D");
        CheckLength(bagSizes.Length, bags, "bagSizes", "B");
        CheckIndices(indices, destination.RowCount);
        CheckPadding(paddingIdx, destination.RowCount);
        var pad = paddingIdx ?? -1;
        // Every index is in a bag (BagCount checked the offsets), so every non-padding index gets an entry, in input order.
        var values = destination.AppendUninitialized(indices, pad);
        EmbeddingKernels.BagSparseValues(indices, offsets, mode == EmbeddingBagMode.Mean, perSampleWeights, pad, bagSizes, gradOutput, values, dim);
    }

    /// <summary>Gradient w.r.t. the per-sample weights (Sum mode): <c>destination[j] = Σ_d gradOutput[bag(j), d] ·
    /// weight[indices[j], d]</c> as a sequential float sum of rounded products (reference BLAS <c>sdot</c>), 0 for padding
    /// entries. torch: <c>_embedding_bag_per_sample_weights_backward_cpu</c>.</summary>
    /// <remarks>Shape: weight (num, D), indices (N,), gradOutput (B·D), destination (N,).</remarks>
    public static void BagPerSampleWeightsBackward(FloatTensor weight, ReadOnlySpan<long> indices, ReadOnlySpan<long> offsets,
        bool includeLastOffset, long? paddingIdx, ReadOnlySpan<float> gradOutput, Span<float> destination)
    {
        var dim = CheckTable(weight);
        var bags = BagCount(offsets, includeLastOffset, indices.Length);
        CheckLength(gradOutput.Length, (long)bags * dim, "gradOutput", "B·D");
        CheckLength(destination.Length, indices.Length, "destination", "N");
        CheckIndices(indices, weight.RowCount);
        CheckPadding(paddingIdx, weight.RowCount);
        var pad = paddingIdx ?? -1;
        destination.Clear();
        for (var b = 0; b < bags; b++)
        {
            var (start, end) = BagBounds(offsets, b, indices.Length);
            var g = gradOutput.Slice(b * dim, dim);
            for (var j = start; j < end; j++)
            {
                if (indices[j] == pad)
                {
                    continue;
                }

                var row = weight.Row(indices[j]);
                var acc = 0f;
                for (var d = 0; d < dim; d++)
                {
                    var p = g[d] * row[d];
                    acc += p;
                }

                destination[j] = acc;
            }
        }
    }

    private static int RunLength(ReadOnlySpan<long> sorted, long value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        var first = lo;
        hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo - first;
    }

    internal static (int Start, int End) BagBounds(ReadOnlySpan<long> offsets, int bag, int inputLength) =>
        ((int)offsets[bag], bag + 1 < offsets.Length ? (int)offsets[bag + 1] : inputLength);

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

    private static void CheckPerSampleWeights(EmbeddingBagMode mode, ReadOnlySpan<float> perSampleWeights, int inputLength)
    {
        if (perSampleWeights.IsEmpty)
        {
            return;
        }

        if (mode != EmbeddingBagMode.Sum)
        {
            throw new ArgumentException($"Per-sample weights are only supported with mode Sum (got {mode}).", nameof(perSampleWeights));
        }

        if (perSampleWeights.Length != inputLength)
        {
            throw new ArgumentException($"Per-sample weights hold {perSampleWeights.Length} values but the input has {inputLength} indices.", nameof(perSampleWeights));
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
