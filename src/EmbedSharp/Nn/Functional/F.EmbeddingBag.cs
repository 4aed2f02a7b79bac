using EmbedSharp.Autograd;
using EmbedSharp.Numerics;

namespace EmbedSharp.Nn.Functional;

/// <content>The differentiable embedding bag (torch: <c>F.embedding_bag</c>).</content>
public static partial class F
{
    /// <summary>Reduces bags of rows of <paramref name="weight"/> without materialising them:
    /// <c>out[b, :] = reduce(psw[j] · weight[input[j], :] for j in bag b, input[j] ≠ padding)</c> with reduce = sum, mean or
    /// element-wise max. torch: <c>F.embedding_bag(input, weight, offsets, max_norm, norm_type, scale_grad_by_freq, mode,
    /// sparse, per_sample_weights, include_last_offset, padding_idx)</c>.
    /// Shape: input (B, N), or (N,) with offsets (B,) — (B+1,) with <paramref name="includeLastOffset"/>; weight (num, D);
    /// perSampleWeights the shape of input → (B, D).</summary>
    /// <remarks>
    /// <para>Bag b of a 1-D input is <c>[offsets[b], offsets[b+1])</c>, the last running to N; a 2-D input is B bags of N.
    /// Empty bags give zeros. The forward is PyTorch 1.13's CPU kernel bit for bit (see
    /// <see cref="EmbeddingFunctions.BagForward"/>).</para>
    /// <para>With <paramref name="maxNorm"/>, the looked-up rows whose <paramref name="normType"/>-norm exceeds it are
    /// first rescaled IN PLACE in <paramref name="weight"/> (<c>embedding_renorm_</c>, not recorded).</para>
    /// <para>Backward, weight: Sum/Mean add each bag's gradient (times the per-sample weight, divided by the bag's count
    /// for Mean and by the index's frequency with <paramref name="scaleGradByFreq"/>) to each of its rows; Max routes each
    /// element's gradient to its arg-max row (<see cref="EmbeddingFunctions.BagDenseBackward"/>). Sparse: the parameter
    /// receives one uncoalesced row entry per non-padding index (needs the weight to be a <see cref="Parameter"/>).
    /// Backward, per-sample weights: <c>dpsw[j] = Σ_d g[bag(j), d] · weight[input[j], d]</c> (0 for padding).</para>
    /// </remarks>
    /// <exception cref="ArgumentException">Bad ranks, offsets or per-sample weights, or a mode combination PyTorch refuses.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index or the padding index is outside the table.</exception>
    /// <exception cref="NotSupportedException">Sparse with a weight that is not a parameter; sparse with scale-grad-by-freq
    /// is refused at backward, as PyTorch refuses it.</exception>
    public static Variable EmbeddingBag(IndexTensor input, Variable weight, IndexTensor? offsets = null, double? maxNorm = null,
        double normType = 2.0, bool scaleGradByFreq = false, EmbeddingBagMode mode = EmbeddingBagMode.Mean, bool sparse = false,
        Variable? perSampleWeights = null, bool includeLastOffset = false, long? paddingIdx = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Data.Rank != 2)
        {
            throw new ArgumentException($"embedding_bag: the weight must be 2-D (num_embeddings, embedding_dim); it has shape {FloatTensor.FormatShape(weight.Shape)}.", nameof(weight));
        }

        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), $"embedding_bag: unknown mode {mode}.");
        }

        var num = weight.Shape[0];
        var dim = (int)weight.Shape[1];
        long? pad = null;
        if (paddingIdx is { } p)
        {
            if (p < -num || p >= num)
            {
                throw new ArgumentOutOfRangeException(nameof(paddingIdx), $"embedding_bag: padding_idx {p} is outside a table of {num} rows (allowed: {-num} to {num - 1}).");
            }

            pad = p < 0 ? p + num : p;
        }

        if (mode == EmbeddingBagMode.Max && scaleGradByFreq)
        {
            throw new ArgumentException("embedding_bag: max mode does not support scaling the gradient by the frequency (scale_grad_by_freq).", nameof(scaleGradByFreq));
        }

        if (mode == EmbeddingBagMode.Max && sparse)
        {
            throw new ArgumentException("embedding_bag: max mode does not support sparse weights.", nameof(sparse));
        }

        if (sparse && weight.RequiresGrad && weight is not IEmbeddingGradientSink)
        {
            throw new NotSupportedException("embedding_bag: sparse gradients need the weight to be a Parameter (the sparse rows are stored in Parameter.SparseGrad).");
        }

        var indices = input.AsSpan();
        long[] bounds;
        if (input.Rank == 2)
        {
            if (offsets is not null)
            {
                throw new ArgumentException($"embedding_bag: with 2-D input {FloatTensor.FormatShape(input.Shape)} the offsets must be null.", nameof(offsets));
            }

            var n = input.Shape[1];
            bounds = new long[input.Shape[0]];
            for (var b = 0; b < bounds.Length; b++)
            {
                bounds[b] = b * n;
            }

            includeLastOffset = false;
        }
        else if (input.Rank == 1)
        {
            if (offsets is null || offsets.Rank != 1)
            {
                throw new ArgumentException($"embedding_bag: 1-D input {FloatTensor.FormatShape(input.Shape)} needs 1-D offsets, but got {(offsets is null ? "none" : FloatTensor.FormatShape(offsets.Shape))}.", nameof(offsets));
            }

            bounds = offsets.AsSpan().ToArray();
        }
        else
        {
            throw new ArgumentException($"embedding_bag: the input must be 1-D (with offsets) or 2-D, but has shape {FloatTensor.FormatShape(input.Shape)}.", nameof(input));
        }

        var bags = EmbeddingFunctions.BagCount(bounds, includeLastOffset, indices.Length);
        if (perSampleWeights is not null)
        {
            if (!perSampleWeights.Shape.SequenceEqual(input.Shape))
            {
                throw new ArgumentException(
                    $"embedding_bag: per_sample_weights have shape {FloatTensor.FormatShape(perSampleWeights.Shape)} but the input has {FloatTensor.FormatShape(input.Shape)}.", nameof(perSampleWeights));
            }

            if (mode != EmbeddingBagMode.Sum)
            {
                throw new ArgumentException($"embedding_bag: per_sample_weights are only supported with mode Sum (got {mode}).", nameof(perSampleWeights));
            }
        }

        EmbeddingFunctions.CheckIndices(indices, num);

        // Valid: from here on the table may change (max_norm).
        if (maxNorm is { } m && EmbeddingFunctions.Renormalize(weight.Data, indices, m, normType) > 0)
        {
            weight.Data.BumpVersion();
        }

        var psw = perSampleWeights is null ? [] : perSampleWeights.Data.AsSpan().ToArray();
        var output = FloatTensor.Rent([bags, dim]); // every bag's row is written (an empty bag's with zeros)
        var maxIndices = mode == EmbeddingBagMode.Max ? new long[bags * dim] : [];
        var bagSizes = new int[bags];
        EmbeddingFunctions.BagForwardIndicesChecked(weight.Data, indices, bounds, includeLastOffset, mode, psw, pad, output.AsSpan(), maxIndices, bagSizes);
        var pswGrad = perSampleWeights is { RequiresGrad: true };
        if (!Ops.Tracks(weight.RequiresGrad || pswGrad))
        {
            return new Variable(output);
        }

        var saved = new EmbeddingBagSaved(indices.ToArray(), bounds, includeLastOffset, mode, psw, pad, scaleGradByFreq, sparse, bagSizes, maxIndices);
        var node = perSampleWeights is null
            ? new EmbeddingBagNode(saved, weight)
            : new EmbeddingBagNode(saved, weight, perSampleWeights);
        return new Variable(output, node);
    }

    /// <summary>What the bag's backward needs (the indices and weights are copies: the caller may reuse its tensors).</summary>
    private sealed record EmbeddingBagSaved(long[] Indices, long[] Offsets, bool IncludeLastOffset, EmbeddingBagMode Mode, float[] PerSampleWeights,
        long? Pad, bool ScaleGradByFreq, bool Sparse, int[] BagSizes, long[] MaxIndices);

    private sealed class EmbeddingBagNode(EmbeddingBagSaved saved, params Variable[] inputs) : Node(inputs)
    {
        private readonly Variable _weight = inputs[0];
        private readonly Variable? _perSampleWeights = inputs.Length > 1 ? inputs[1] : null;
        private EmbeddingBagSaved? _saved = saved;

        public override string Name => "EmbeddingBagBackward0";

        // The weight's values are read only for the per-sample weights' gradient; the per-sample weights' values are
        // copied at forward.
        private protected override bool ReadsInput(int index) => index == 0 && _perSampleWeights is { RequiresGrad: true };

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var s = _saved ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            ReadOnlySpan<float> g = gradOutput.AsSpan();
            if (_perSampleWeights is { RequiresGrad: true } psw)
            {
                var grad = NewGradient(psw.Shape);
                EmbeddingFunctions.BagPerSampleWeightsBackward(_weight.Data, s.Indices, s.Offsets, s.IncludeLastOffset, s.Pad, g, grad.AsSpan());
                gradInputs[1] = grad;
            }

            if (!_weight.RequiresGrad)
            {
                return;
            }

            if (s.Sparse)
            {
                var sink = (IEmbeddingGradientSink)_weight;
                EmbeddingFunctions.BagSparseBackward(s.Indices, s.Offsets, s.IncludeLastOffset, s.Mode, s.PerSampleWeights, s.Pad,
                    s.ScaleGradByFreq, s.BagSizes, g, sink.SparseGradForAccumulation());
                return;
            }

            // The kernel's sum is PyTorch's when the table starts at zero: write straight into a parameter's gradient only
            // when none is pending and this is its one contributor in the run, else into a new table the engine adds.
            var direct = _weight.HasPendingGrad ? null : _weight.DirectGradTarget();
            var target = direct ?? NewGradient(_weight.Shape);
            EmbeddingFunctions.BagDenseBackward(s.Indices, s.Offsets, s.IncludeLastOffset, s.Mode, s.PerSampleWeights, s.Pad,
                s.ScaleGradByFreq, s.BagSizes, s.MaxIndices, g, target);
            if (direct is null)
            {
                gradInputs[0] = target;
            }
        }

        private protected override void ReleaseSaved() => _saved = null;
    }
}
