using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

public static partial class Ops
{
    /// <summary>Scaled dot-product attention, the math path: softmax(q·kᵀ·scale + mask)·v, composed from
    /// <see cref="MatMul(Variable, Variable, bool, bool)"/> (kᵀ by flag, no copy), the scale, the additive mask,
    /// <see cref="Softmax"/> over the last dimension and a second matmul, so its numbers and gradients are those of the
    /// explicit torch expression <c>torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(E) + mask, dim=-1) @ v</c>.
    /// torch: <c>F.scaled_dot_product_attention(q, k, v, attn_mask, is_causal=is_causal, scale=scale)</c> (torch ≥ 2.0;
    /// its math kernel scales q and k by √scale each, which rounds differently).
    /// Shape: q (…, L, E), k (…, S, E), v (…, S, Ev), batch dimensions broadcasting; attnMask broadcastable to
    /// (…, L, S); output (…, L, Ev).
    /// Backward: through the composed ops (matmul, division, softmax, matmul).</summary>
    /// <param name="q">Queries.</param>
    /// <param name="k">Keys.</param>
    /// <param name="v">Values.</param>
    /// <param name="attnMask">Added to the scores (−∞ masks a key out; see <see cref="AttentionMask"/>); no gradient.</param>
    /// <param name="isCausal">Also mask the keys after each query (an (L, S) upper-triangular −∞ mask).</param>
    /// <param name="scale">The score scale; null means 1/√E, applied as a division by √E rounded to float (as the
    /// explicit expression); a given scale multiplies.</param>
    /// <remarks>A query row whose keys are all masked gives NaN, as torch 1.13's softmax of an all −∞ row
    /// (exp(−∞ − (−∞))); its gradients are NaN too. Mask such rows out downstream, or leave at least one key.</remarks>
    /// <exception cref="ArgumentException">The shapes do not fit; the message names them.</exception>
    public static Variable ScaledDotProductAttention(Variable q, Variable k, Variable v, FloatTensor? attnMask = null, bool isCausal = false, double? scale = null)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(k);
        ArgumentNullException.ThrowIfNull(v);
        if (q.Shape.Length < 2 || k.Shape.Length < 2 || v.Shape.Length < 2 || q.Shape[^1] != k.Shape[^1] || k.Shape[^2] != v.Shape[^2])
        {
            throw new ArgumentException($"scaled_dot_product_attention: q {FloatTensor.FormatShape(q.Shape)}, k {FloatTensor.FormatShape(k.Shape)} and v {FloatTensor.FormatShape(v.Shape)} do not fit (q (…, L, E), k (…, S, E), v (…, S, Ev) are needed).");
        }

        var scores = MatMul(q, k, transposeA: false, transposeB: true);
        scores = scale is { } s
            ? Mul(scores, new Variable(FloatTensor.FromArray([(float)s])))
            : Div(scores, new Variable(FloatTensor.FromArray([(float)Math.Sqrt(q.Shape[^1])])));
        long length = q.Shape[^2], keys = k.Shape[^2];
        if (attnMask is not null)
        {
            if (!Broadcast.Shape(attnMask.Shape, scores.Shape, "scaled_dot_product_attention (mask)").AsSpan().SequenceEqual(scores.Shape))
            {
                throw new ArgumentException($"scaled_dot_product_attention: the mask's shape {FloatTensor.FormatShape(attnMask.Shape)} does not broadcast to the scores' shape {FloatTensor.FormatShape(scores.Shape)}.", nameof(attnMask));
            }

            scores = Add(scores, new Variable(attnMask));
        }

        if (isCausal)
        {
            scores = Add(scores, new Variable(AttentionMask.Causal(length, keys)));
        }

        return MatMul(Softmax(scores, -1), v);
    }
}
