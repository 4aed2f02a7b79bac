using EmbedSharp.Autograd;
using EmbedSharp.Initialization;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Nn;

/// <summary>
/// Sums, averages or takes the element-wise max of bags of embedding rows without materialising the rows:
/// output[b] = reduce(Weight[indices[j]] for j in bag b, j not padding). torch: <c>nn.EmbeddingBag</c> /
/// <c>F.embedding_bag</c>, bit-exact with PyTorch 1.13 (CPU, AVX2) forward and backward.
/// </summary>
/// <remarks>
/// Input: 2-D indices (B, N) are B bags of N; 1-D indices (N,) need offsets (B,) — bag b is
/// [offsets[b], offsets[b+1]), the last running to N — or (B+1,) with IncludeLastOffset.
/// Shape: output (B, D); Weight (num, D), registered as "weight".
/// <para><b>Side effect:</b> with MaxNorm, every forward rescales the looked-up rows of Weight IN PLACE first.</para>
/// <para>Backward needs what the forward recorded (bag sizes, arg-max rows), so <see cref="ForwardResult"/> returns an
/// <see cref="EmbeddingBagResult"/> that <see cref="Backward"/> takes back. Call Backward before changing Weight: the
/// gradient w.r.t. per-sample weights reads the current table.</para>
/// </remarks>
public sealed class EmbeddingBag : Module
{
    private FloatTensor? _accumulateScratch;
    private long[] _sortScratch = [];

    /// <summary>Creates a table initialised exactly like <see cref="Embedding"/> (N(0, 1), padding row zeroed).
    /// torch: <c>torch.manual_seed(s); nn.EmbeddingBag(num, dim, …)</c>.</summary>
    /// <exception cref="ArgumentException">Max mode with Sparse or ScaleGradByFreq (PyTorch: ValueError).</exception>
    /// <exception cref="ArgumentOutOfRangeException">Bad sizes, padding row, MaxNorm or NormType.</exception>
    public EmbeddingBag(long numEmbeddings, long embeddingDim, IRandomSource generator, EmbeddingBagOptions? options = null)
        : this(Embedding.CreateTable(numEmbeddings, embeddingDim), true, options ?? new EmbeddingBagOptions())
    {
        ArgumentNullException.ThrowIfNull(generator);
        ResetParameters(generator);
    }

    private EmbeddingBag(FloatTensor weight, bool requiresGrad, EmbeddingBagOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Enum.IsDefined(options.Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"Unknown mode {options.Mode}.");
        }

        if (options.Mode == EmbeddingBagMode.Max && options.ScaleGradByFreq)
        {
            throw new ArgumentException("Max mode does not support scaling the gradient by the frequency (ScaleGradByFreq).", nameof(options));
        }

        if (options.Mode == EmbeddingBagMode.Max && options.Sparse)
        {
            throw new ArgumentException("Max mode does not support sparse weights (Sparse).", nameof(options));
        }

        PaddingIdx = Embedding.CheckTable(weight, options.PaddingIdx, options.MaxNorm, options.NormType);
        NumEmbeddings = weight.Shape[0];
        EmbeddingDim = weight.Shape[1];
        Options = options;
        Weight = RegisterParameter("weight", new Parameter(weight, requiresGrad));
    }

    /// <summary>Wraps <paramref name="weights"/> (no copy; padding row not zeroed). torch: <c>nn.EmbeddingBag.from_pretrained</c>.</summary>
    public static EmbeddingBag FromPretrained(FloatTensor weights, bool freeze = true, EmbeddingBagOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return new EmbeddingBag(weights, !freeze, options ?? new EmbeddingBagOptions());
    }

    /// <summary>Number of rows (torch: <c>num_embeddings</c>).</summary>
    public long NumEmbeddings { get; }

    /// <summary>Vector length (torch: <c>embedding_dim</c>).</summary>
    public long EmbeddingDim { get; }

    /// <summary>The padding row, normalised to [0, num), or null.</summary>
    public long? PaddingIdx { get; }

    /// <summary>The reduction.</summary>
    public EmbeddingBagMode Mode => Options.Mode;

    /// <summary>The options this module was built with.</summary>
    public EmbeddingBagOptions Options { get; }

    /// <summary>The (num, D) table (torch: <c>weight</c>).</summary>
    public Parameter Weight { get; }

    /// <summary>Re-initialises the table: N(0, 1), then the padding row zeroed. torch: <c>reset_parameters()</c>.</summary>
    public void ResetParameters(IRandomSource generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Init.Normal(Weight.Value, generator);
        if (PaddingIdx is { } p)
        {
            Weight.Value.Row(p).Clear();
        }
    }

    /// <summary>Reduces each bag through the graph: <see cref="F.EmbeddingBag"/> with this module's options, recording a
    /// node whose backward gives Weight its gradient (dense, or sparse rows with Sparse) and the per-sample weights
    /// theirs. With MaxNorm, first rescales the looked-up rows of Weight IN PLACE.
    /// torch: <c>nn.EmbeddingBag.forward(input, offsets, per_sample_weights)</c>.
    /// Shape: input (B, N), or (N,) with offsets (B,) / (B+1,) with IncludeLastOffset → (B, D).</summary>
    /// <param name="input">(B, N) bags, or (N,) indices with <paramref name="offsets"/>.</param>
    /// <param name="offsets">Bag starts, or null for 2-D input.</param>
    /// <param name="perSampleWeights">Weights of the same shape as <paramref name="input"/> (Sum mode only), or null.</param>
    /// <exception cref="ArgumentException">Bad ranks, offsets, or per-sample weights; nothing changes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the table; nothing changes.</exception>
    public Variable Forward(IndexTensor input, IndexTensor? offsets = null, Variable? perSampleWeights = null) =>
        F.EmbeddingBag(input, Weight, offsets, Options.MaxNorm, Options.NormType, Options.ScaleGradByFreq, Mode, Options.Sparse,
            perSampleWeights, Options.IncludeLastOffset, PaddingIdx);

    /// <summary>Reduces each bag. With MaxNorm, first rescales the looked-up rows of Weight IN PLACE.</summary>
    /// <param name="input">(B, N) bags, or (N,) indices with <paramref name="offsets"/>.</param>
    /// <param name="offsets">Bag starts (B,), or (B+1,) with IncludeLastOffset; null for 2-D input.</param>
    /// <param name="perSampleWeights">Weights of the same shape as <paramref name="input"/> (Sum mode only), or null.</param>
    /// <returns>The (B, D) output and what <see cref="Backward"/> needs.</returns>
    /// <exception cref="ArgumentException">Bad ranks, offsets, or per-sample weights; nothing changes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the table; nothing changes.</exception>
    internal EmbeddingBagResult ForwardResult(IndexTensor input, IndexTensor? offsets = null, FloatTensor? perSampleWeights = null)
    {
        var result = new EmbeddingBagResult();
        Forward(input, offsets, perSampleWeights, result);
        return result;
    }

    /// <summary>Allocation-free forward (once <paramref name="result"/> has seen inputs of this shape): as
    /// <see cref="ForwardResult"/>, writing into <paramref name="result"/>, whose buffers
    /// (output, recorded indices, bag sizes, …) are reused when the shapes repeat and replaced when they change.
    /// Everything is validated before <paramref name="result"/> or the table changes.</summary>
    /// <exception cref="ArgumentException">Bad ranks, offsets, or per-sample weights; nothing changes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the table; nothing changes.</exception>
    internal void Forward(IndexTensor input, IndexTensor? offsets, FloatTensor? perSampleWeights, EmbeddingBagResult result)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(result);
        var indices = input.AsSpan();
        int bags;
        if (input.Rank == 2)
        {
            if (offsets is not null)
            {
                throw new ArgumentException($"With 2-D input {FloatTensor.FormatShape(input.Shape)} the offsets must be null.", nameof(offsets));
            }

            bags = (int)input.Shape[0];
        }
        else if (input.Rank == 1)
        {
            if (offsets is null || offsets.Rank != 1)
            {
                throw new ArgumentException($"1-D input needs 1-D offsets, but got {(offsets is null ? "none" : FloatTensor.FormatShape(offsets.Shape))}.", nameof(offsets));
            }

            bags = EmbeddingFunctions.BagCount(offsets.AsSpan(), Options.IncludeLastOffset, indices.Length);
        }
        else
        {
            throw new ArgumentException($"Input must be 1-D (with offsets) or 2-D, but has shape {FloatTensor.FormatShape(input.Shape)}.", nameof(input));
        }

        if (perSampleWeights is not null)
        {
            if (!perSampleWeights.Shape.SequenceEqual(input.Shape))
            {
                throw new ArgumentException(
                    $"Per-sample weights have shape {FloatTensor.FormatShape(perSampleWeights.Shape)} but the input has {FloatTensor.FormatShape(input.Shape)}.", nameof(perSampleWeights));
            }

            if (Mode != EmbeddingBagMode.Sum)
            {
                throw new ArgumentException($"Per-sample weights are only supported with mode Sum (got {Mode}).", nameof(perSampleWeights));
            }
        }

        EmbeddingFunctions.CheckIndices(indices, NumEmbeddings);

        // Valid: from here on the result and (with MaxNorm) the table change.
        var dim = (int)EmbeddingDim;
        result.Prepare(input, bags, dim, Options.IncludeLastOffset, Mode == EmbeddingBagMode.Max, perSampleWeights is not null);
        indices.CopyTo(result.IndicesArray);
        if (input.Rank == 2)
        {
            var n = input.Shape[1];
            for (var i = 0; i < result.OffsetsArray.Length; i++)
            {
                result.OffsetsArray[i] = i * n;
            }
        }
        else
        {
            offsets!.AsSpan().CopyTo(result.OffsetsArray);
        }

        perSampleWeights?.CopyTo(result.PerSampleWeightsArray);
        if (Options.MaxNorm is { } maxNorm)
        {
            Embedding.EnsureCapacity(ref _sortScratch, indices.Length);
            EmbeddingFunctions.Renormalize(Weight.Value, indices, maxNorm, Options.NormType, _sortScratch);
        }

        var output = result.Output;
        var outSpan = output.IsSingleChunk ? output.AsSpan() : new float[bags * dim];
        EmbeddingFunctions.BagForwardIndicesChecked(Weight.Value, result.IndicesArray, result.OffsetsArray, Options.IncludeLastOffset, Mode,
            result.PerSampleWeightsArray, PaddingIdx, outSpan, result.MaxIndicesArray, result.BagSizesArray);
        if (!output.IsSingleChunk)
        {
            output.CopyFrom(outSpan);
        }
    }

    /// <summary>Backward of <see cref="ForwardResult"/>: accumulates dL/dWeight into Weight's gradient (if it requires one) and
    /// returns dL/dperSampleWeights (shape of the input) when the forward had per-sample weights, else null.
    /// Sum/Mean distribute each bag's gradient to its rows (Mean divides by the count), Max routes it to the arg-max
    /// row; the order of operations is PyTorch's (see <see cref="EmbeddingFunctions.BagDenseBackward"/>).</summary>
    /// <remarks>Shape: gradOutput (B, D).</remarks>
    /// <exception cref="ArgumentException">gradOutput's shape is not (B, D); names both shapes.</exception>
    /// <exception cref="NotSupportedException">Sparse with ScaleGradByFreq (PyTorch 1.13 raises at backward too).</exception>
    internal FloatTensor? Backward(EmbeddingBagResult forward, FloatTensor gradOutput)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(gradOutput);
        if (!gradOutput.Shape.SequenceEqual(forward.Output.Shape))
        {
            throw new ArgumentException(
                $"gradOutput has shape {FloatTensor.FormatShape(gradOutput.Shape)} but the forward output has {FloatTensor.FormatShape(forward.Output.Shape)}.", nameof(gradOutput));
        }

        if (Options.Sparse && Options.ScaleGradByFreq)
        {
            throw EmbeddingFunctions.SparseScaleGradByFreq();
        }

        var g = gradOutput.IsSingleChunk ? gradOutput.AsSpan() : gradOutput.ToArray();
        var indices = forward.IndicesArray;
        var bounds = forward.OffsetsArray;
        FloatTensor? pswGrad = null;
        if (forward.HasPerSampleWeights)
        {
            var values = new float[indices.Length];
            EmbeddingFunctions.BagPerSampleWeightsBackward(Weight.Value, indices, bounds, Options.IncludeLastOffset, PaddingIdx, g, values);
            pswGrad = FloatTensor.FromArray(values, forward.InputShape);
        }

        if (!Weight.RequiresGrad)
        {
            return pswGrad;
        }

        if (Options.Sparse)
        {
            EmbeddingFunctions.BagSparseBackward(indices, bounds, Options.IncludeLastOffset, Mode, forward.PerSampleWeightsArray, PaddingIdx,
                false, forward.BagSizesArray, g, Weight.SparseGradForAccumulation());
            return pswGrad;
        }

        // Many rows (or unknown ones) to zero: the kernel zeroes the whole table as it walks the sorted keys. Few known
        // rows (or a pending gradient to add to): only those rows are zeroed, and only the bags' rows are written.
        var fresh = Weight.PendingDenseGrad is null;
        var known = Weight.KnownDirtyRowCount();
        var wholeTable = fresh && (known < 0 || known > Weight.Value.Shape[0] / 4);
        var pad = PaddingIdx ?? -1;
        var stale = false;
        var grad = wholeTable ? Weight.DenseGradForOverwrite(out stale) : Weight.DenseGradForRows(indices, pad);
        var target = fresh ? grad : (_accumulateScratch ??= new FloatTensor(Weight.Value.Shape));
        try
        {
            EmbeddingFunctions.BagDenseBackward(indices, bounds, Options.IncludeLastOffset, Mode, forward.PerSampleWeightsArray, PaddingIdx,
                Options.ScaleGradByFreq, forward.BagSizesArray, forward.MaxIndicesArray, g, target, gradWeightIsStale: stale);
        }
        catch when (fresh)
        {
            Weight.ZeroGrad(); // no gradient, as before the call (the storage is zeroed when next handed out)
            throw;
        }

        if (wholeTable)
        {
            Weight.RowsWrittenOverZeros(indices, pad);
        }

        if (!fresh)
        {
            Embedding.AddTouchedRows(indices, target, grad);
        }

        return pswGrad;
    }
}

/// <summary>
/// The output of <see cref="EmbeddingBag.ForwardResult"/> and what its backward needs: the flat indices, the bag offsets,
/// the per-sample weights, each bag's non-padding count and (Max mode) the arg-max row of every output element.
/// </summary>
internal sealed class EmbeddingBagResult
{
    private static readonly FloatTensor Empty = new(0L, 0L);
    private long[] _indices = [];
    private long[] _offsets = [];
    private float[] _perSampleWeights = [];
    private int[] _bagSizes = [];
    private long[] _maxIndices = [];

    /// <summary>An empty result for <c>EmbeddingBag</c>'s explicit forward
    /// to fill; reusing it across steps makes the forward allocation-free.</summary>
    public EmbeddingBagResult()
    {
    }

    /// <summary>The (B, D) result.</summary>
    public FloatTensor Output { get; private set; } = Empty;

    /// <summary>Per bag, the number of entries that are not the padding row (torch: <c>bag_size</c>, which PyTorch zeroes
    /// in Sum mode; here it is always the count).</summary>
    public ReadOnlySpan<int> BagSizes => BagSizesArray;

    /// <summary>Max mode: (B·D) row-major, the table row each output element came from (−1 for an empty bag); empty
    /// otherwise (torch: <c>max_indices</c>).</summary>
    public ReadOnlySpan<long> MaxIndices => MaxIndicesArray;

    internal long[] IndicesArray => _indices;

    internal long[] OffsetsArray => _offsets;

    internal float[] PerSampleWeightsArray => _perSampleWeights;

    internal bool HasPerSampleWeights { get; private set; }

    internal int[] BagSizesArray => _bagSizes;

    internal long[] MaxIndicesArray => _maxIndices;

    internal long[] InputShape { get; private set; } = [];

    /// <summary>Sizes every buffer for an input of this shape, reusing those that already fit exactly.</summary>
    internal void Prepare(IndexTensor input, int bags, int dim, bool includeLastOffset, bool max, bool weighted)
    {
        var n = input.Length;
        if (Output.Rank != 2 || Output.Shape[0] != bags || Output.Shape[1] != dim)
        {
            Output = new FloatTensor(bags, dim);
        }

        Resize(ref _indices, n);
        Resize(ref _offsets, bags + (includeLastOffset ? 1 : 0)); // (B,) or (B+1,), as the forward's offsets
        Resize(ref _perSampleWeights, weighted ? n : 0);
        Resize(ref _bagSizes, bags);
        Resize(ref _maxIndices, max ? bags * dim : 0);
        HasPerSampleWeights = weighted;
        if (!InputShape.AsSpan().SequenceEqual(input.Shape))
        {
            InputShape = input.Shape.ToArray();
        }
    }

    private static void Resize<T>(ref T[] buffer, int length)
    {
        if (buffer.Length != length)
        {
            buffer = length == 0 ? [] : new T[length];
        }
    }
}
