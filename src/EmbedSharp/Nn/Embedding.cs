using EmbedSharp.Autograd;
using EmbedSharp.Initialization;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Nn;

/// <summary>
/// A lookup table of <see cref="NumEmbeddings"/> vectors of size <see cref="EmbeddingDim"/>: output[…, :] =
/// Weight[indices[…], :]. torch: <c>nn.Embedding</c> / <c>F.embedding</c>, bit-exact with PyTorch 1.13 (CPU, AVX2) in
/// initialisation, forward, max-norm renormalisation and backward.
/// </summary>
/// <remarks>
/// Shape: indices (*) → output (*, D); Weight (num, D), registered as "weight".
/// <para><b>Side effect:</b> with <see cref="EmbeddingOptions.MaxNorm"/> set, every forward rescales the looked-up rows
/// of <see cref="Weight"/> IN PLACE before reading them, exactly as PyTorch does. Call <see cref="Renormalize(IndexTensor)"/>
/// to do that step explicitly.</para>
/// <para>Backward accumulates into Weight's gradient as autograd does: the first backward after
/// <see cref="Parameter.ZeroGrad"/> writes PyTorch's gradient bit for bit; later ones add a separately computed gradient
/// (<c>grad += new</c>), as autograd's AccumulateGrad does. Per-row freezing is <see cref="Parameter.SetRowsFrozen"/>'s
/// job: frozen rows still receive a gradient, optimisers leave them unchanged.</para>
/// </remarks>
public sealed class Embedding : Module
{
    private long[] _sortScratch = [];

    /// <summary>Creates a table initialised like <c>torch.manual_seed(s); nn.Embedding(num, dim, …)</c>: N(0, 1) on the
    /// whole table from <paramref name="generator"/>, then the padding row zeroed.</summary>
    /// <param name="numEmbeddings">Rows of the table (≥ 0).</param>
    /// <param name="embeddingDim">Length of each vector (≥ 0).</param>
    /// <param name="generator">Random source; a <see cref="Generator"/> reproduces PyTorch's stream.</param>
    /// <param name="options">Padding row, max norm, gradient options.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, the padding row is outside [−num, num),
    /// or MaxNorm/NormType are not positive.</exception>
    public Embedding(long numEmbeddings, long embeddingDim, IRandomSource generator, EmbeddingOptions? options = null)
        : this(CreateTable(numEmbeddings, embeddingDim), true, options ?? new EmbeddingOptions())
    {
        ArgumentNullException.ThrowIfNull(generator);
        ResetParameters(generator);
    }

    private Embedding(FloatTensor weight, bool requiresGrad, EmbeddingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        PaddingIdx = CheckTable(weight, options.PaddingIdx, options.MaxNorm, options.NormType);
        NumEmbeddings = weight.Shape[0];
        EmbeddingDim = weight.Shape[1];
        Options = options;
        Weight = RegisterParameter("weight", new Parameter(weight, requiresGrad));
    }

    /// <summary>Wraps <paramref name="weights"/> (no copy, no random draws) as an embedding. The padding row is NOT
    /// zeroed. torch: <c>nn.Embedding.from_pretrained(embeddings, freeze, …)</c>.</summary>
    /// <param name="weights">The (num, D) table; it becomes <see cref="Weight"/>'s storage.</param>
    /// <param name="freeze">When true (default), <see cref="Autograd.Variable.RequiresGrad"/> is false.</param>
    /// <param name="options">Padding row, max norm, gradient options.</param>
    public static Embedding FromPretrained(FloatTensor weights, bool freeze = true, EmbeddingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return new Embedding(weights, !freeze, options ?? new EmbeddingOptions());
    }

    /// <summary>Number of rows (torch: <c>num_embeddings</c>).</summary>
    public long NumEmbeddings { get; }

    /// <summary>Vector length (torch: <c>embedding_dim</c>).</summary>
    public long EmbeddingDim { get; }

    /// <summary>The padding row, normalised to [0, num), or null.</summary>
    public long? PaddingIdx { get; }

    /// <summary>The options this embedding was built with (PaddingIdx as given, possibly negative).</summary>
    public EmbeddingOptions Options { get; }

    /// <summary>The (num, D) table (torch: <c>weight</c>).</summary>
    public Parameter Weight { get; }

    /// <summary>Re-initialises the table: N(0, 1) from <paramref name="generator"/>, then the padding row zeroed.
    /// torch: <c>reset_parameters()</c>.</summary>
    public void ResetParameters(IRandomSource generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Init.Normal(Weight.Value, generator);
        if (PaddingIdx is { } p)
        {
            Weight.Value.Row(p).Clear();
        }
    }

    /// <summary>Looks up every index: result[…, :] = Weight[indices[…], :], recorded for backward
    /// (<see cref="F.Embedding"/> with this layer's options): <c>loss.Backward()</c> fills Weight's gradient, dense or
    /// sparse. With MaxNorm, first rescales the looked-up rows of Weight IN PLACE (see
    /// <see cref="Renormalize(IndexTensor)"/>). torch: <c>Embedding.forward</c>.</summary>
    /// <remarks>Shape: indices (*) → (*, D).</remarks>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, num); names it, its position and the table
    /// size, and nothing changes.</exception>
    public Variable Forward(IndexTensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return F.Embedding(indices, Weight, PaddingIdx, Options.MaxNorm, Options.NormType, Options.ScaleGradByFreq, Options.Sparse);
    }

    /// <summary>Allocation-free forward (after the first call with MaxNorm): writes row <c>indices[i]</c> to
    /// <c>destination[i·D .. (i+1)·D)</c>. With MaxNorm, first rescales the looked-up rows IN PLACE.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, num); nothing changes.</exception>
    /// <exception cref="ArgumentException">The destination length is not N·D.</exception>
    internal void Forward(ReadOnlySpan<long> indices, Span<float> destination)
    {
        if (destination.Length != indices.Length * EmbeddingDim)
        {
            throw new ArgumentException($"destination holds {destination.Length} elements; {indices.Length} indices × {EmbeddingDim} = {indices.Length * EmbeddingDim} are needed.", nameof(destination));
        }

        EmbeddingFunctions.CheckIndices(indices, NumEmbeddings);
        MaybeRenormalize(indices);
        EmbeddingFunctions.Lookup(Weight.Value, indices, destination);
    }

    /// <summary>The MaxNorm step on its own: rescales IN PLACE each distinct row of <paramref name="indices"/> whose
    /// NormType-norm exceeds MaxNorm, by <c>(float)(maxNorm / (norm + 1e-7))</c>. torch: <c>embedding_renorm_</c>.</summary>
    /// <returns>The number of rows rescaled.</returns>
    /// <exception cref="InvalidOperationException">This embedding has no MaxNorm.</exception>
    public int Renormalize(IndexTensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return Renormalize(indices.AsSpan());
    }

    /// <inheritdoc cref="Renormalize(IndexTensor)"/>
    public int Renormalize(ReadOnlySpan<long> indices)
    {
        if (Options.MaxNorm is not { } maxNorm)
        {
            throw new InvalidOperationException("This embedding has no MaxNorm; set EmbeddingOptions.MaxNorm to renormalise rows.");
        }

        EnsureCapacity(ref _sortScratch, indices.Length);
        var changed = EmbeddingFunctions.Renormalize(Weight.Value, indices, maxNorm, Options.NormType, _sortScratch);
        if (changed > 0)
        {
            Weight.Value.BumpVersion();
        }

        return changed;
    }

    /// <summary>Backward of <see cref="Forward(IndexTensor)"/>: accumulates dL/dWeight from <paramref name="gradOutput"/>
    /// (= dL/doutput) into <see cref="Weight"/>'s gradient; does nothing if Weight does not require a gradient.
    /// Dense: <c>gW[k] = fma(grad[i], s, gW[k])</c> in input order, padding skipped, s = 1/count(k) with
    /// ScaleGradByFreq. Sparse: one uncoalesced entry per non-padding index, in input order.
    /// torch: <c>embedding_dense_backward_cpu</c> / <c>embedding_sparse_backward</c>.</summary>
    /// <remarks>Shape: indices (*), gradOutput (*, D).
    /// <para>Sparse gradients are zero-copy by default (<see cref="GradientStorage.Borrow"/>, as PyTorch's gradient is a
    /// view of the upstream gradient): the entries refer to <paramref name="indices"/> and <paramref name="gradOutput"/>,
    /// which must then stay unchanged until the optimiser step and <see cref="Parameter.ZeroGrad"/>. Pass
    /// <see cref="GradientStorage.Copy"/> to reuse those tensors right away (for example to accumulate several
    /// backward passes through one gradient buffer). Dense gradients are never affected.</para></remarks>
    /// <exception cref="ArgumentException">gradOutput's shape is not indices' shape + (D); names both shapes.</exception>
    /// <exception cref="NotSupportedException">Sparse together with ScaleGradByFreq (PyTorch raises at backward too).</exception>
    internal void Backward(IndexTensor indices, FloatTensor gradOutput, GradientStorage storage = GradientStorage.Borrow)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(gradOutput);
        var ok = gradOutput.Rank == indices.Rank + 1 && gradOutput.Shape[^1] == EmbeddingDim
            && gradOutput.Shape[..^1].SequenceEqual(indices.Shape);
        if (!ok)
        {
            var expected = new long[indices.Rank + 1];
            indices.Shape.CopyTo(expected);
            expected[^1] = EmbeddingDim;
            throw new ArgumentException(
                $"gradOutput has shape {FloatTensor.FormatShape(gradOutput.Shape)} but the indices {FloatTensor.FormatShape(indices.Shape)} need {FloatTensor.FormatShape(expected)}.", nameof(gradOutput));
        }

        if (Options.Sparse && storage == GradientStorage.Borrow && gradOutput.IsSingleChunk && EmbeddingDim > 0)
        {
            EmbeddingFunctions.CheckIndices(indices.AsSpan(), NumEmbeddings);
            if (Options.ScaleGradByFreq)
            {
                throw EmbeddingFunctions.SparseScaleGradByFreq();
            }

            if (Weight.RequiresGrad)
            {
                // Everything is checked: only now does the parameter get a (borrowing) sparse gradient.
                Weight.SparseGradForAccumulation().AppendBorrowedChecked(indices, gradOutput, PaddingIdx);
            }

            return;
        }

        if (gradOutput.IsSingleChunk)
        {
            Backward(indices.AsSpan(), gradOutput.AsSpan());
        }
        else
        {
            Backward(indices.AsSpan(), gradOutput.ToArray());
        }
    }

    /// <summary>Allocation-free backward (after warm-up): as <see cref="Backward(IndexTensor, FloatTensor, GradientStorage)"/>
    /// with flat indices (N,) and gradOutput (N·D). A sparse gradient COPIES the values here (spans cannot be borrowed).</summary>
    internal void Backward(ReadOnlySpan<long> indices, ReadOnlySpan<float> gradOutput)
    {
        if (gradOutput.Length != indices.Length * EmbeddingDim)
        {
            throw new ArgumentException($"gradOutput holds {gradOutput.Length} elements; {indices.Length} indices × {EmbeddingDim} = {indices.Length * EmbeddingDim} are needed.", nameof(gradOutput));
        }

        EmbeddingFunctions.CheckIndices(indices, NumEmbeddings);
        if (Options.Sparse && Options.ScaleGradByFreq)
        {
            throw EmbeddingFunctions.SparseScaleGradByFreq();
        }

        if (!Weight.RequiresGrad)
        {
            return;
        }

        if (Options.Sparse)
        {
            Weight.AccumulateEmbeddingSparse(indices, gradOutput, PaddingIdx);
            return;
        }

        Weight.AccumulateEmbeddingDense(indices, gradOutput, PaddingIdx, Options.ScaleGradByFreq);
    }

    internal static void AddTouchedRows(ReadOnlySpan<long> rows, FloatTensor scratch, FloatTensor grad)
    {
        foreach (var k in rows)
        {
            var s = scratch.Row(k);
            var g = grad.Row(k);
            for (var d = 0; d < g.Length; d++)
            {
                g[d] += s[d];
            }

            s.Clear(); // a row touched twice adds its (then cleared) zeros the second time: x + 0 = x
        }
    }

    internal static void EnsureCapacity<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[length];
        }
    }

    /// <summary>The checks every embedding table shares: a 2-D weight, a padding row in [−num, num) (returned
    /// normalised to [0, num)), a positive max norm and a valid norm type.</summary>
    internal static long? CheckTable(FloatTensor weight, long? paddingIdx, double? maxNorm, double normType)
    {
        if (weight.Rank != 2)
        {
            throw new ArgumentException($"Embedding weights must be 2-D (num, D), but have shape {FloatTensor.FormatShape(weight.Shape)}.", nameof(weight));
        }

        if (maxNorm is { } m)
        {
            EmbeddingFunctions.CheckMaxNorm(m);
        }

        EmbeddingFunctions.CheckNormType(normType);
        return NormalizePadding(paddingIdx, weight.Shape[0]);
    }

    internal static long? NormalizePadding(long? paddingIdx, long num)
    {
        if (paddingIdx is not { } p)
        {
            return null;
        }

        if (p < -num || p >= num)
        {
            throw new ArgumentOutOfRangeException(nameof(paddingIdx), $"Padding index {p} must be within [{-num}, {num}) for a table of {num} rows.");
        }

        return p < 0 ? p + num : p;
    }

    internal static FloatTensor CreateTable(long numEmbeddings, long embeddingDim)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numEmbeddings);
        ArgumentOutOfRangeException.ThrowIfNegative(embeddingDim);
        return new FloatTensor(numEmbeddings, embeddingDim);
    }

    private void MaybeRenormalize(ReadOnlySpan<long> indices)
    {
        if (Options.MaxNorm is not null)
        {
            Renormalize(indices);
        }
    }
}
