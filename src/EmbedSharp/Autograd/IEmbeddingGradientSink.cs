using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

/// <summary>
/// A leaf that keeps its own gradient storage and can take an embedding backward's rows directly (a parameter):
/// a dense row-wise gradient added into the rows the indices touch, without a table-sized temporary, or sparse rows.
/// The embedding's backward uses it only when it is the one remaining contributor of the leaf's gradient in the current
/// backward run, so the sum it forms is the one PyTorch forms (<c>embedding_dense_backward</c> then
/// <c>AccumulateGrad</c>).
/// </summary>
internal interface IEmbeddingGradientSink
{
    /// <summary>Adds the dense embedding gradient of <paramref name="gradOutput"/> (N·D) for <paramref name="indices"/>
    /// (N) to the leaf's gradient: padding rows skipped, each row's contribution scaled by 1/count with
    /// <paramref name="scaleGradByFreq"/>; computed from zero and added once when a gradient is pending.</summary>
    void AccumulateEmbeddingDense(ReadOnlySpan<long> indices, ReadOnlySpan<float> gradOutput, long? paddingIdx, bool scaleGradByFreq);

    /// <summary>Appends one sparse row entry per non-padding index, in input order (values copied).</summary>
    void AccumulateEmbeddingSparse(ReadOnlySpan<long> indices, ReadOnlySpan<float> gradOutput, long? paddingIdx);

    /// <summary>The leaf's sparse gradient, created if there is none, for an embedding-bag backward to append its row
    /// entries to (uncoalesced, in input order).</summary>
    SparseGradient SparseGradForAccumulation();
}
