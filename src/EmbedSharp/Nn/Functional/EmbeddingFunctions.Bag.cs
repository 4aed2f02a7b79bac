using System.Buffers;
using EmbedSharp.Numerics;

namespace EmbedSharp.Nn.Functional;

/// <content>EmbeddingBag (torch: <c>F.embedding_bag</c>): bag offsets, forward, dense and sparse backward, the gradient of
/// the per-sample weights.</content>
public static partial class EmbeddingFunctions
{
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
}
