using EmbedSharp.Autograd;
using EmbedSharp.Numerics;

namespace EmbedSharp.Nn;

/// <summary>
/// A leaf <see cref="Variable"/> that optimisers update, with its gradient: dense (<see cref="Variable.Grad"/>, same
/// shape as <see cref="Value"/>) or sparse rows (<see cref="SparseGrad"/>, what an embedding with <c>sparse: true</c>
/// produces). torch: <c>nn.Parameter</c>.
/// </summary>
/// <remarks>
/// A parameter is used in operations like any variable (<c>Ops.MatMul(x, weight)</c>); <c>loss.Backward()</c> sums the
/// gradients of all its uses (a tied weight used as input embedding and output projection gets both) and adds the sum
/// to <see cref="Variable.Grad"/>, keeping one storage across steps so that a warmed-up step allocates no gradient.
/// Backward passes accumulate into the gradient (<c>+=</c>, as PyTorch's autograd does) until <see cref="ZeroGrad"/>.
/// A parameter with <see cref="Variable.RequiresGrad"/> false receives no gradient and is never changed by an optimiser.
/// <see cref="FrozenRows"/> freezes single rows (for example the pretrained rows of an embedding table while new
/// token rows train): optimisers skip those rows entirely, so weight decay and momentum never touch them.
/// </remarks>
public sealed class Parameter : Variable, IEmbeddingGradientSink
{
    private bool[]? _frozenRows;

    /// <summary>Wraps <paramref name="value"/> (no copy) as a parameter.</summary>
    public Parameter(FloatTensor value, bool requiresGrad = true)
        : base(value ?? throw new ArgumentNullException(nameof(value)), requiresGrad)
    {
    }

    /// <summary>The parameter's values: the same tensor as <see cref="Variable.Data"/> (torch: <c>param.data</c>).</summary>
    public FloatTensor Value => Data;

    /// <summary>The accumulated dense gradient (<see cref="Variable.Grad"/>), or null when none has been computed since
    /// the last <see cref="ZeroGrad"/>. The tensor is valid until <see cref="ZeroGrad"/> (its storage is then reused) and
    /// may be written (clipping, noise): after it has been handed out, the parameter no longer assumes that rows an
    /// embedding backward did not touch are zero, so the next <see cref="ZeroGrad"/> and backward zero the whole storage
    /// and the next SGD step visits every row.</summary>
    private protected override FloatTensor? GetGrad()
    {
        if (_grad is not null)
        {
            _rowsKnown = false;
        }

        return _grad;
    }

    /// <inheritdoc />
    internal override FloatTensor? DenseGradSink() => DenseGradForAccumulation();

    /// <inheritdoc />
    internal override bool HasPendingGrad => _grad is not null || SparseGrad is not null;

    /// <summary>Adds a backward run's summed gradient to the dense gradient, in the kept storage: a copy when none is
    /// pending (torch: <c>AccumulateGrad</c> stores the gradient), else <c>grad += gradient</c>.</summary>
    internal override void Accumulate(FloatTensor gradient)
    {
        var pending = _grad is not null;
        var grad = DenseGradForOverwrite(out _);
        for (long r = 0; r < grad.RowCount && grad.Length > 0; r++)
        {
            if (pending)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(grad.Row(r), gradient.Row(r), grad.Row(r));
            }
            else
            {
                gradient.Row(r).CopyTo(grad.Row(r));
            }
        }
    }

    /// <summary><see cref="Variable.Grad"/> for the library's own readers (optimisers, layers), which do not write it: reading it
    /// here keeps the record of which rows may be non-zero.</summary>
    internal FloatTensor? PendingDenseGrad => _grad;

    /// <summary>While a dense gradient is pending and only row-wise backward passes wrote it (no one was handed the
    /// tensor), the rows that may be non-zero: every other row is all +0. Null when unknown.</summary>
    internal RowMarks? DirtyRows => _grad is not null && _rowsKnown ? _rows : null;

    /// <summary>The accumulated sparse row gradient, or null when none has been computed since the last <see cref="ZeroGrad"/>.</summary>
    public SparseGradient? SparseGrad { get; private set; }

    /// <summary>Rows an optimiser must not change (null: none). Indexed by row of <see cref="Value"/>.</summary>
    public ReadOnlySpan<bool> FrozenRows => _frozenRows;

    /// <summary>Whether any row is frozen.</summary>
    public bool HasFrozenRows => _frozenRows is not null;

    /// <summary>The dense gradient, created as zeros if there is none (kept across <see cref="ZeroGrad"/> calls so a
    /// warmed-up training step allocates nothing).</summary>
    /// <exception cref="InvalidOperationException">A sparse gradient is pending: dense and sparse gradients are not mixed.</exception>
    public FloatTensor DenseGradForAccumulation()
    {
        var grad = DenseGradForOverwrite(out var stale);
        if (stale)
        {
            grad.Fill(0f);
        }

        return grad;
    }

    /// <summary>The dense gradient for a kernel that can zero it itself: as <see cref="DenseGradForAccumulation"/>, but a
    /// storage kept from before the last <see cref="ZeroGrad"/> is returned as it is, with <paramref name="stale"/> true;
    /// the caller must then write every element (zero or gradient) before anyone reads it, or call
    /// <see cref="ZeroGrad"/> if it fails.</summary>
    internal FloatTensor DenseGradForOverwrite(out bool stale)
    {
        var grad = DenseStorage();
        stale = _denseStale;
        _denseStale = false;
        _rowsKnown = false; // the caller may write any row; it can say which it wrote with RowsWrittenOverZeros
        _grad = grad;
        return grad;
    }

    /// <summary>The dense gradient for a backward that adds into the rows <paramref name="rows"/> only (except
    /// <paramref name="skip"/>, the padding row; −1: none) and leaves every other row as it is. A storage kept from
    /// before the last <see cref="ZeroGrad"/> is zeroed first: only the rows the earlier row-wise backward passes wrote,
    /// when those are known, else all of it. The rows are recorded as possibly non-zero.</summary>
    internal FloatTensor DenseGradForRows(ReadOnlySpan<long> rows, long skip)
    {
        var grad = DenseStorage();
        if (_denseStale)
        {
            if (_rowsKnown)
            {
                if (_rows is { } marks)
                {
                    Functional.EmbeddingKernels.ClearMarkedRows(grad, marks);
                }
            }
            else
            {
                grad.Fill(0f);
                _rowsKnown = true;
            }

            _rows?.Clear();
            _denseStale = false;
        }

        if (_rowsKnown && Value.Rank >= 1)
        {
            (_rows ??= new RowMarks(Value.Shape[0])).Mark(rows, skip);
        }

        _grad = grad;
        return grad;
    }

    /// <summary>Says that the storage handed out by <see cref="DenseGradForOverwrite"/> is now zero except the rows
    /// <paramref name="rows"/> (except <paramref name="skip"/>): the caller overwrote every row with zero or its
    /// gradient.</summary>
    internal void RowsWrittenOverZeros(ReadOnlySpan<long> rows, long skip)
    {
        if (Value.Rank < 1)
        {
            return;
        }

        var marks = _rows ??= new RowMarks(Value.Shape[0]);
        marks.Clear();
        marks.Mark(rows, skip);
        _rowsKnown = true;
    }

    /// <summary>How many rows may be non-zero in the storage (kept or pending), or −1 when that is not known.</summary>
    internal long KnownDirtyRowCount() => _denseStorage is null ? 0 : _rowsKnown ? _rows?.Count() ?? 0 : -1;

    private FloatTensor DenseStorage()
    {
        if (SparseGrad is { Count: > 0 })
        {
            throw new InvalidOperationException("This parameter holds a sparse gradient; call ZeroGrad() before a dense backward.");
        }

        return _denseStorage ??= new FloatTensor(Value.Shape);
    }

    /// <summary>The sparse row gradient, created empty if there is none (its buffers are reused after <see cref="ZeroGrad"/>).</summary>
    /// <exception cref="InvalidOperationException">A dense gradient is pending.</exception>
    public SparseGradient SparseGradForAccumulation()
    {
        if (_grad is not null)
        {
            throw new InvalidOperationException("This parameter holds a dense gradient; call ZeroGrad() before a sparse backward.");
        }

        if (Value.Rank < 1)
        {
            throw new InvalidOperationException("A sparse row gradient needs a parameter of rank 1 or more.");
        }

        _sparseStorage ??= new SparseGradient(Value.Shape[0], Value.RowLength);
        SparseGrad = _sparseStorage;
        return SparseGrad;
    }

    private FloatTensor? _grad;
    private FloatTensor? _denseStorage;
    private bool _denseStale; // _denseStorage still holds an old gradient: zeroed when next handed out
    private RowMarks? _rows; // with _rowsKnown: every row of _denseStorage outside it is all +0 (null: none is non-zero)
    private bool _rowsKnown = true; // a new storage is all zeros
    private SparseGradient? _sparseStorage;

    /// <summary>Clears the gradient (torch: <c>zero_grad(set_to_none=True)</c>): <see cref="Variable.Grad"/> and
    /// <see cref="SparseGrad"/> become null; their storage is kept for reuse and zeroed when the next backward asks for it:
    /// only the rows the last embedding backward passes wrote when those are known, else all of it (a bag backward that
    /// visits the rows in order zeroes them on the way).</summary>
    public override void ZeroGrad()
    {
        if (_grad is not null)
        {
            _grad = null;
            _denseStale = true;
        }

        if (SparseGrad is not null)
        {
            SparseGrad.Clear();
            SparseGrad = null;
        }
    }

    private int[] _countScratch = [];
    private FloatTensor? _accumulateScratch; // kept all +0 between calls

    /// <inheritdoc />
    void IEmbeddingGradientSink.AccumulateEmbeddingDense(ReadOnlySpan<long> indices, ReadOnlySpan<float> gradOutput, long? paddingIdx, bool scaleGradByFreq) =>
        AccumulateEmbeddingDense(indices, gradOutput, paddingIdx, scaleGradByFreq);

    /// <inheritdoc />
    void IEmbeddingGradientSink.AccumulateEmbeddingSparse(ReadOnlySpan<long> indices, ReadOnlySpan<float> gradOutput, long? paddingIdx) =>
        AccumulateEmbeddingSparse(indices, gradOutput, paddingIdx);

    /// <summary>The dense embedding backward into this parameter's gradient (checked indices): written straight into the
    /// rows the indices touch when no gradient is pending, else computed from zero in a kept scratch table and added
    /// once (autograd's <c>grad += g</c>). torch: <c>embedding_dense_backward_cpu</c> then <c>AccumulateGrad</c>.</summary>
    internal void AccumulateEmbeddingDense(ReadOnlySpan<long> indices, ReadOnlySpan<float> gradOutput, long? paddingIdx, bool scaleGradByFreq)
    {
        if (scaleGradByFreq && _countScratch.Length < Value.Shape[0])
        {
            _countScratch = new int[Value.Shape[0]];
        }

        var fresh = _grad is null;
        var grad = DenseGradForRows(indices, paddingIdx ?? -1);
        if (fresh)
        {
            Functional.EmbeddingFunctions.DenseBackward(indices, gradOutput, paddingIdx, scaleGradByFreq, _countScratch, grad);
            return;
        }

        var scratch = _accumulateScratch ??= new FloatTensor(Value.Shape);
        Functional.EmbeddingFunctions.DenseBackward(indices, gradOutput, paddingIdx, scaleGradByFreq, _countScratch, scratch);
        Embedding.AddTouchedRows(indices, scratch, grad);
    }

    /// <summary>The sparse embedding backward: one copied row entry per non-padding index, in input order.
    /// torch: <c>embedding_sparse_backward</c>.</summary>
    internal void AccumulateEmbeddingSparse(ReadOnlySpan<long> indices, ReadOnlySpan<float> gradOutput, long? paddingIdx) =>
        Functional.EmbeddingFunctions.SparseBackward(indices, gradOutput, paddingIdx, false, SparseGradForAccumulation());

    /// <summary>Freezes or unfreezes the given rows: an optimiser step leaves frozen rows exactly as they are.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A row is outside [0, rows).</exception>
    public void SetRowsFrozen(ReadOnlySpan<long> rows, bool frozen = true)
    {
        if (Value.Rank < 1)
        {
            throw new InvalidOperationException("Row freezing needs a parameter of rank 1 or more.");
        }

        var count = Value.Shape[0];
        foreach (var r in rows)
        {
            if ((ulong)r >= (ulong)count)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), $"Row {r} is outside a parameter with {count} rows.");
            }
        }

        _frozenRows ??= new bool[count];
        foreach (var r in rows)
        {
            _frozenRows[r] = frozen;
        }

        if (!frozen && Array.IndexOf(_frozenRows, true) < 0)
        {
            _frozenRows = null;
        }
    }

    /// <summary>Whether row <paramref name="row"/> is frozen.</summary>
    public bool IsRowFrozen(long row) => _frozenRows is not null && _frozenRows[row];
}
