using EmbedSharp.Autograd;
using EmbedSharp.Numerics;

namespace EmbedSharp.Nn.Functional;

/// <summary>
/// Differentiable functions over the layer kernels, as <c>torch.nn.functional</c> (imported as <c>F</c> in PyTorch
/// code): each computes its result with the library's PyTorch-exact kernel and records a node whose backward is the
/// kernel's backward. See docs/autograd.md.
/// </summary>
public static partial class F
{
    /// <summary>Looks up rows of <paramref name="weight"/>: <c>out[i…, :] = weight[indices[i…], :]</c>.
    /// torch: <c>F.embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse)</c>.
    /// Shape: indices (*), weight (num, D) → (*, D).</summary>
    /// <remarks>
    /// <para>With <paramref name="maxNorm"/>, the looked-up rows whose <paramref name="normType"/>-norm exceeds it are
    /// first rescaled IN PLACE in <paramref name="weight"/> by <c>maxNorm / (norm + 1e-7)</c>, as PyTorch does
    /// (<c>embedding_renorm_</c>, not recorded in the graph).</para>
    /// <para>Backward: the padding row gets no gradient; with <paramref name="scaleGradByFreq"/> each row's gradient is
    /// divided by its count in <paramref name="indices"/>. Dense: the rows are added in input order into a table that
    /// starts at zero (<c>embedding_dense_backward_cpu</c>); when the weight is a <see cref="Parameter"/> and this is its
    /// only use in the backward run, they go straight into its gradient, touching only those rows. Sparse
    /// (<paramref name="sparse"/>): the parameter receives one uncoalesced row entry per non-padding index
    /// (<see cref="Parameter.SparseGrad"/>); this needs the weight to be a <see cref="Parameter"/>.</para>
    /// </remarks>
    /// <exception cref="ArgumentException">The weight is not 2-D.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index or the padding index is outside the table.</exception>
    /// <exception cref="NotSupportedException">Sparse with a weight that is not a parameter (at forward); sparse with
    /// scale-grad-by-freq is refused at backward, as PyTorch refuses it.</exception>
    public static Variable Embedding(IndexTensor indices, Variable weight, long? paddingIdx = null, double? maxNorm = null,
        double normType = 2.0, bool scaleGradByFreq = false, bool sparse = false)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Data.Rank != 2)
        {
            throw new ArgumentException($"embedding: the weight must be 2-D (num_embeddings, embedding_dim); it has shape {FloatTensor.FormatShape(weight.Shape)}.", nameof(weight));
        }

        var num = weight.Shape[0];
        var pad = NormalizePadding(paddingIdx, num);
        if (sparse && weight.RequiresGrad && weight is not IEmbeddingGradientSink)
        {
            throw new NotSupportedException("embedding: sparse gradients need the weight to be a Parameter (the sparse rows are stored in Parameter.SparseGrad).");
        }

        var flat = indices.AsSpan();
        EmbeddingFunctions.CheckIndices(flat, num);
        if (maxNorm is { } m && EmbeddingFunctions.Renormalize(weight.Data, flat, m, normType) > 0)
        {
            weight.Data.BumpVersion();
        }

        var shape = new long[indices.Rank + 1];
        indices.Shape.CopyTo(shape);
        shape[^1] = weight.Shape[1];
        var output = FloatTensor.Rent(shape); // every element is written: storage a disposed result gave back will do
        EmbeddingFunctions.Lookup(weight.Data, flat, output.AsSpan());
        return Ops.Tracks(weight.RequiresGrad)
            ? new Variable(output, new EmbeddingNode(weight, indices, pad, scaleGradByFreq, sparse))
            : new Variable(output);
    }

    private static long? NormalizePadding(long? paddingIdx, long num)
    {
        if (paddingIdx is not { } p)
        {
            return null;
        }

        if (p < -num || p >= num)
        {
            throw new ArgumentOutOfRangeException(nameof(paddingIdx), $"embedding: padding_idx {p} is outside a table of {num} rows (allowed: {-num} to {num - 1}).");
        }

        return p < 0 ? p + num : p;
    }

    private sealed class EmbeddingNode(Variable weight, IndexTensor indices, long? pad, bool scaleGradByFreq, bool sparse) : Node(weight)
    {
        // The indices are copied: the caller may reuse its index tensor for the next batch before backward.
        private long[]? _indices = indices.AsSpan().ToArray();

        public override string Name => "EmbeddingBackward0";

        // The backward reads the indices only, never the weight's values (max_norm changed them before this node).
        private protected override bool ReadsInput(int index) => false;

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var idx = _indices ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            ReadOnlySpan<float> g = gradOutput.AsSpan();
            if (sparse)
            {
                if (scaleGradByFreq)
                {
                    throw EmbeddingFunctions.SparseScaleGradByFreq(); // forward works, backward refuses: as PyTorch
                }

                ((IEmbeddingGradientSink)weight).AccumulateEmbeddingSparse(idx, g, pad);
                return;
            }

            if (weight is IEmbeddingGradientSink sink && weight.Pending == 1 && weight.GradSum is null)
            {
                sink.AccumulateEmbeddingDense(idx, g, pad, scaleGradByFreq);
                return;
            }

            var grad = NewGradient(weight.Shape);
            var counts = scaleGradByFreq ? new int[weight.Shape[0]] : [];
            EmbeddingFunctions.DenseBackward(idx, g, pad, scaleGradByFreq, counts, grad);
            gradInputs[0] = grad;
        }

        private protected override void ReleaseSaved() => _indices = null;
    }
}
