using EmbedSharp.Autograd;
using EmbedSharp.Initialization;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Nn.Positional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Nn;

/// <summary>
/// Multi-head attention, as <c>nn.MultiheadAttention(embed_dim, num_heads, dropout, batch_first)</c> of PyTorch 1.13
/// with the same parameters and names (<c>in_proj_weight</c> (3E, E), <c>in_proj_bias</c> (3E), <c>out_proj.weight</c>,
/// <c>out_proj.bias</c>), so a state dict saved by <c>torch</c> through safetensors loads as it is. Computation, in
/// PyTorch's order: q, k, v = x·W_inᵀ + b_in (one packed product for self-attention, three otherwise), heads split,
/// <c>scores = mask + (q / √d_head)·kᵀ</c> (<c>baddbmm</c>), softmax over keys, dropout, <c>·v</c>, heads joined,
/// output projection.
/// </summary>
/// <remarks>Shape (batch first): query (B, L, E), key and value (B, S, E) → (B, L, E); otherwise (L, B, E) and
/// (S, B, E). Masks: <c>attnMask</c> (L, S) or (B·H, L, S), true/non-zero = not allowed; <c>keyPaddingMask</c> (B, S),
/// true = padding. Dropout of the attention weights draws from the generator given at construction (none when
/// p = 0 or in evaluation mode).</remarks>
public sealed class MultiheadAttention : Module
{
    private readonly Generator? _dropoutGenerator;
    private RotaryEmbedding? _rotary;

    /// <summary>Creates the layer and initialises it from <paramref name="generator"/> in PyTorch's order: the output
    /// projection as <c>nn.Linear</c> (weight, then bias), then <c>xavier_uniform_</c> of <c>in_proj_weight</c>; both
    /// biases are then set to zero.</summary>
    /// <exception cref="ArgumentException">E is not divisible by the number of heads, a size is below 1, or dropout
    /// is outside [0, 1) or above 0 without a dropout generator.</exception>
    public MultiheadAttention(int embedDim, int numHeads, IRandomSource generator, double dropout = 0.0, bool batchFirst = true, Generator? dropoutGenerator = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (embedDim < 1 || numHeads < 1 || embedDim % numHeads != 0)
        {
            throw new ArgumentException($"MultiheadAttention: embed_dim {embedDim} must be a positive multiple of num_heads {numHeads}.", nameof(numHeads));
        }

        if (!(dropout >= 0 && dropout < 1) || (dropout > 0 && dropoutGenerator is null))
        {
            throw new ArgumentException($"MultiheadAttention: dropout {dropout} must be in [0, 1), and above 0 needs a dropout generator.", nameof(dropout));
        }

        EmbedDim = embedDim;
        NumHeads = numHeads;
        Dropout = dropout;
        BatchFirst = batchFirst;
        _dropoutGenerator = dropoutGenerator;
        InProjWeight = RegisterParameter("in_proj_weight", new Parameter(new FloatTensor(3L * embedDim, embedDim)));
        InProjBias = RegisterParameter("in_proj_bias", new Parameter(new FloatTensor(3L * embedDim)));
        OutProj = RegisterModule("out_proj", new Linear(embedDim, embedDim, generator));
        Init.XavierUniform(InProjWeight.Value, generator);
        Init.Zeros(OutProj.Bias!.Value);
    }

    /// <summary>E, the model width.</summary>
    public int EmbedDim { get; }

    /// <summary>H, the number of heads; each has E / H dimensions.</summary>
    public int NumHeads { get; }

    /// <summary>Dropout probability on the attention weights (training mode only).</summary>
    public double Dropout { get; }

    /// <summary>Whether inputs are (batch, sequence, E) rather than (sequence, batch, E).</summary>
    public bool BatchFirst { get; }

    /// <summary>The packed q, k, v projection weights. Shape: (3E, E).</summary>
    public Parameter InProjWeight { get; }

    /// <summary>The packed q, k, v projection biases. Shape: (3E).</summary>
    public Parameter InProjBias { get; }

    /// <summary>The output projection (E → E).</summary>
    public Linear OutProj { get; }

    /// <summary>Whether self-attention without dropout runs as one fused node (<see cref="FusedSelfAttention"/>) rather than
    /// the composed ops; the values are the same (tests compare both).</summary>
    internal bool FusedSelfAttentionEnabled { get; set; } = true;

    /// <summary>
    /// Rotary position embedding (RoPE) applied to every head's queries and keys after the in-projection and before the
    /// scores, positions 0…L−1 of query and key sequence: q_m ↦ R(m)·q_m, k_n ↦ R(n)·k_n, so that the score of (m, n)
    /// depends on the positions only through m − n (RoFormer; LLaMA, GPT-NeoX). Null by default, as torch's
    /// <c>nn.MultiheadAttention</c>, which has none. Self-attention rotates the packed projection's query and key columns
    /// before the fused node (the same bits as rotating after the head split, which the other paths do). Its <see cref="RotaryEmbedding.HeadDim"/> must be EmbedDim / NumHeads; it should be one instance per
    /// model (its table grows on first use of a new position, which is not thread-safe).
    /// </summary>
    /// <exception cref="ArgumentException">The rotary head width is not EmbedDim / NumHeads.</exception>
    public RotaryEmbedding? Rotary
    {
        get => _rotary;
        set
        {
            if (value is not null && value.HeadDim != EmbedDim / NumHeads)
            {
                throw new ArgumentException($"MultiheadAttention: the rotary embedding rotates heads of width {value.HeadDim}, but this attention's heads are {EmbedDim / NumHeads} wide (E = {EmbedDim}, {NumHeads} heads).", nameof(value));
            }

            _rotary = value;
        }
    }

    /// <summary>Self-attention: <c>Forward(x, x, x, …)</c>.</summary>
    public Variable Forward(Variable x, IndexTensor? attnMask = null, IndexTensor? keyPaddingMask = null) =>
        Forward(x, x, x, attnMask, keyPaddingMask);

    /// <summary>Attention of <paramref name="query"/> over <paramref name="key"/>/<paramref name="value"/>, recorded for
    /// backward. torch: <c>forward(query, key, value, key_padding_mask, need_weights=False, attn_mask)</c>.</summary>
    /// <exception cref="ArgumentException">A shape or mask does not fit (names them).</exception>
    public Variable Forward(Variable query, Variable key, Variable value, IndexTensor? attnMask = null, IndexTensor? keyPaddingMask = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        var e = EmbedDim;
        if (query.Data.Rank != 3 || key.Data.Rank != 3 || value.Data.Rank != 3 || query.Shape[2] != e || key.Shape[2] != e || value.Shape[2] != e
            || !key.Shape.SequenceEqual(value.Shape) || query.Shape[BatchFirst ? 0 : 1] != key.Shape[BatchFirst ? 0 : 1])
        {
            throw new ArgumentException($"MultiheadAttention: query {FloatTensor.FormatShape(query.Shape)}, key {FloatTensor.FormatShape(key.Shape)} and value {FloatTensor.FormatShape(value.Shape)} do not fit E = {e}{(BatchFirst ? " (batch first)" : "")}.");
        }

        // PyTorch works sequence first: (L, B, E).
        var self = ReferenceEquals(query, key) && ReferenceEquals(key, value);
        Variable q;
        Variable k;
        Variable v;
        if (self && FusedSelfAttentionEnabled && !(Dropout > 0 && Training))
        {
            // One node for split, heads, scores, softmax and the weighted sum (same values, none of their copies). The
            // projections still see the tokens sequence first, as torch's do: their weight gradients sum over the
            // tokens in that order.
            var seqFirst = BatchFirst ? Ops.Transpose(query, 0, 1) : query;
            var packed = F.Linear(seqFirst, InProjWeight, InProjBias);
            if (_rotary is { } rotary)
            {
                packed = rotary.ForwardPackedQueryKey(packed);
            }

            var fusedMask = BuildMask(attnMask, keyPaddingMask, (int)seqFirst.Shape[1], NumHeads, (int)seqFirst.Shape[0], (int)seqFirst.Shape[0]);
            var projected = OutProj.Forward(FusedSelfAttention.Forward(packed, fusedMask, NumHeads));
            return BatchFirst ? Ops.Transpose(projected, 0, 1) : projected;
        }

        if (BatchFirst)
        {
            q = Ops.Transpose(query, 0, 1);
            k = self ? q : Ops.Transpose(key, 0, 1);
            v = self ? q : ReferenceEquals(key, value) ? k : Ops.Transpose(value, 0, 1);
        }
        else
        {
            (q, k, v) = (query, key, value);
        }

        var tgtLen = q.Shape[0];
        var bsz = q.Shape[1];
        var srcLen = k.Shape[0];
        var heads = NumHeads;
        var headDim = e / heads;
        if (self)
        {
            var parts = Ops.Split(F.Linear(q, InProjWeight, InProjBias), e, 2);
            (q, k, v) = (parts[0], parts[1], parts[2]);
        }
        else
        {
            var w = Ops.Split(InProjWeight, e, 0);
            var b = Ops.Split(InProjBias, e, 0);
            (q, k, v) = (F.Linear(q, w[0], b[0]), F.Linear(k, w[1], b[1]), F.Linear(v, w[2], b[2]));
        }

        // (L, B, E) → (L, B·H, d) → (B·H, L, d)
        q = Ops.Transpose(Ops.Reshape(q, tgtLen, bsz * heads, headDim), 0, 1);
        k = Ops.Transpose(Ops.Reshape(k, srcLen, bsz * heads, headDim), 0, 1);
        v = Ops.Transpose(Ops.Reshape(v, srcLen, bsz * heads, headDim), 0, 1);
        if (_rotary is { } rope)
        {
            q = rope.Forward(q);
            k = rope.Forward(k);
        }

        var mask = BuildMask(attnMask, keyPaddingMask, (int)bsz, heads, (int)tgtLen, (int)srcLen);
        var scaled = Ops.Div(q, (float)Math.Sqrt(headDim));
        var scores = mask is null ? Ops.MatMul(scaled, k, transposeA: false, transposeB: true) : AttentionScores.Baddbmm(mask, scaled, k);
        var weights = Ops.Softmax(scores, -1);
        if (Dropout > 0 && Training)
        {
            weights = F.Dropout(weights, Dropout, training: true, _dropoutGenerator!);
        }

        var attended = Ops.Bmm(weights, v);                                               // (B·H, L, d)
        var joined = Ops.Reshape(Ops.Transpose(attended, 0, 1), tgtLen * bsz, e);        // (L·B, E)
        var output = Ops.Reshape(OutProj.Forward(joined), tgtLen, bsz, e);               // (L, B, E)
        return BatchFirst ? Ops.Transpose(output, 0, 1) : output;
    }

    /// <summary>The additive float mask PyTorch builds: key padding (B, S) expanded to (B·H, 1, S) and merged with the
    /// attention mask by logical or, then −∞ where masked and 0 elsewhere. Null when there is no mask.</summary>
    private static FloatTensor? BuildMask(IndexTensor? attnMask, IndexTensor? keyPaddingMask, int bsz, int heads, int tgtLen, int srcLen)
    {
        if (attnMask is null && keyPaddingMask is null)
        {
            return null;
        }

        if (attnMask is not null && !(attnMask.Shape.SequenceEqual([tgtLen, srcLen]) || attnMask.Shape.SequenceEqual([bsz * heads, tgtLen, srcLen])))
        {
            throw new ArgumentException($"MultiheadAttention: attn_mask has shape {FloatTensor.FormatShape(attnMask.Shape)}; expected ({tgtLen}, {srcLen}) or ({bsz * heads}, {tgtLen}, {srcLen}).", nameof(attnMask));
        }

        if (keyPaddingMask is not null && !keyPaddingMask.Shape.SequenceEqual([bsz, srcLen]))
        {
            throw new ArgumentException($"MultiheadAttention: key_padding_mask has shape {FloatTensor.FormatShape(keyPaddingMask.Shape)}; expected ({bsz}, {srcLen}).", nameof(keyPaddingMask));
        }

        var perBatch = keyPaddingMask is not null || attnMask!.Rank == 3;
        var mask = perBatch ? new FloatTensor(bsz * heads, tgtLen, srcLen) : new FloatTensor(tgtLen, srcLen);
        var m = mask.AsSpan();
        ReadOnlySpan<long> am = attnMask is null ? default : attnMask.AsSpan();
        ReadOnlySpan<long> kp = keyPaddingMask is null ? default : keyPaddingMask.AsSpan();
        var batches = perBatch ? bsz * heads : 1;
        for (var n = 0; n < batches; n++)
        {
            for (var i = 0; i < tgtLen; i++)
            {
                for (var j = 0; j < srcLen; j++)
                {
                    var masked = (attnMask is not null && am[attnMask.Rank == 3 ? (((n * tgtLen) + i) * srcLen) + j : (i * srcLen) + j] != 0)
                        || (keyPaddingMask is not null && kp[((n / heads) * srcLen) + j] != 0);
                    m[(((n * tgtLen) + i) * srcLen) + j] = masked ? float.NegativeInfinity : 0f;
                }
            }
        }

        return mask;
    }

    /// <summary>A causal mask for <paramref name="length"/> positions: entry (i, j) is 1 (not allowed) for j &gt; i.
    /// torch: <c>nn.Transformer.generate_square_subsequent_mask</c> as a boolean mask (<c>ones(L, L).triu(1)</c>).</summary>
    public static IndexTensor CausalMask(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var values = new long[(long)length * length];
        for (var i = 0; i < length; i++)
        {
            for (var j = i + 1; j < length; j++)
            {
                values[((long)i * length) + j] = 1;
            }
        }

        return new IndexTensor(values, length, length);
    }

    /// <inheritdoc />
    public override string ToString() => $"MultiheadAttention(embed_dim={EmbedDim}, num_heads={NumHeads}, batch_first={(BatchFirst ? "True" : "False")})";
}
