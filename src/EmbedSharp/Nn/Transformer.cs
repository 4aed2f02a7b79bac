using EmbedSharp.Autograd;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Nn;

/// <summary>The activation inside a Transformer block's feed-forward part.</summary>
public enum TransformerActivation
{
    /// <summary>max(x, 0). torch: <c>activation="relu"</c> (the default of <c>nn.TransformerEncoderLayer</c>).</summary>
    Relu,

    /// <summary>The exact GELU, x·Φ(x). torch: <c>activation="gelu"</c>.</summary>
    Gelu,
}

/// <summary>
/// One Transformer encoder layer, as PyTorch 1.13's <c>nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward,
/// dropout, activation, layer_norm_eps, batch_first, norm_first)</c>, with its parameter names (<c>self_attn.*</c>,
/// <c>linear1.*</c>, <c>linear2.*</c>, <c>norm1.*</c>, <c>norm2.*</c>). Post-norm (default):
/// <c>x = norm1(x + sa(x)); x = norm2(x + ff(x))</c>; pre-norm (<c>normFirst</c>): <c>x = x + sa(norm1(x)); x = x + ff(norm2(x))</c>,
/// where <c>sa(x) = dropout1(self_attn(x, x, x))</c> and <c>ff(x) = dropout2(linear2(dropout(act(linear1(x)))))</c>.
/// </summary>
/// <remarks>Shape: (B, L, d_model) with batch first, else (L, B, d_model). The dropouts draw, in PyTorch's call order,
/// from the one generator given at construction.</remarks>
public sealed class TransformerEncoderLayer : Module, ILayer
{
    private readonly Generator? _dropoutGenerator;

    /// <summary>Creates the layer, drawing its initial weights from <paramref name="generator"/> in PyTorch's order
    /// (self-attention, linear1, linear2).</summary>
    /// <exception cref="ArgumentException">A size does not fit, or dropout &gt; 0 without a dropout generator.</exception>
    public TransformerEncoderLayer(int dModel, int nHead, IRandomSource generator, int dimFeedforward = 2048, double dropout = 0.1,
        TransformerActivation activation = TransformerActivation.Relu, double layerNormEps = 1e-5, bool batchFirst = true,
        bool normFirst = false, Generator? dropoutGenerator = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (dropout > 0 && dropoutGenerator is null)
        {
            throw new ArgumentException("TransformerEncoderLayer: dropout above 0 needs a dropout generator (pass dropout: 0 for none).", nameof(dropoutGenerator));
        }

        SelfAttn = RegisterModule("self_attn", new MultiheadAttention(dModel, nHead, generator, dropout, batchFirst, dropoutGenerator));
        Linear1 = RegisterModule("linear1", new Linear(dModel, dimFeedforward, generator));
        Linear2 = RegisterModule("linear2", new Linear(dimFeedforward, dModel, generator));
        Norm1 = RegisterModule("norm1", new LayerNorm(dModel, layerNormEps));
        Norm2 = RegisterModule("norm2", new LayerNorm(dModel, layerNormEps));
        DropoutP = dropout;
        Activation = activation;
        NormFirst = normFirst;
        _dropoutGenerator = dropoutGenerator;
    }

    /// <summary>The self-attention.</summary>
    public MultiheadAttention SelfAttn { get; }

    /// <summary>d_model → dim_feedforward.</summary>
    public Linear Linear1 { get; }

    /// <summary>dim_feedforward → d_model.</summary>
    public Linear Linear2 { get; }

    /// <summary>The first layer norm (before attention with NormFirst, after its residual otherwise).</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>The second layer norm.</summary>
    public LayerNorm Norm2 { get; }

    /// <summary>The dropout probability of every dropout in the layer.</summary>
    public double DropoutP { get; }

    /// <summary>The feed-forward activation.</summary>
    public TransformerActivation Activation { get; }

    /// <summary>Pre-norm (true) or post-norm (false). torch: <c>norm_first</c>.</summary>
    public bool NormFirst { get; }

    /// <inheritdoc />
    public Variable Forward(Variable input) => Forward(input, null, null);

    /// <summary>Runs the layer. torch: <c>forward(src, src_mask, src_key_padding_mask)</c>.</summary>
    /// <param name="src">The input.</param>
    /// <param name="srcMask">(L, L), non-zero = not allowed (e.g. <see cref="MultiheadAttention.CausalMask"/>).</param>
    /// <param name="srcKeyPaddingMask">(B, L), non-zero = padding.</param>
    public Variable Forward(Variable src, IndexTensor? srcMask, IndexTensor? srcKeyPaddingMask)
    {
        ArgumentNullException.ThrowIfNull(src);
        var x = src;
        if (NormFirst)
        {
            x = Ops.Add(x, SelfAttentionBlock(Norm1.Forward(x), srcMask, srcKeyPaddingMask));
            return Ops.Add(x, FeedForwardBlock(Norm2.Forward(x)));
        }

        x = Norm1.Forward(Ops.Add(x, SelfAttentionBlock(x, srcMask, srcKeyPaddingMask)));
        return Norm2.Forward(Ops.Add(x, FeedForwardBlock(x)));
    }

    private Variable SelfAttentionBlock(Variable x, IndexTensor? mask, IndexTensor? padding) =>
        DropoutIfTraining(SelfAttn.Forward(x, mask, padding));

    private Variable FeedForwardBlock(Variable x)
    {
        var h = Linear1.Forward(x);
        h = Activation == TransformerActivation.Gelu ? Ops.Gelu(h) : Ops.Relu(h);
        return DropoutIfTraining(Linear2.Forward(DropoutIfTraining(h)));
    }

    private Variable DropoutIfTraining(Variable x) =>
        DropoutP > 0 && Training ? F.Dropout(x, DropoutP, training: true, _dropoutGenerator!) : x;
}

/// <summary>
/// A decoder-only (GPT-style) Transformer block with a causal mask, pre-norm:
/// <c>h = h + attn(ln1(h)) ; h = h + fc2(gelu(fc1(ln2(h))))</c>, the attention causal (position i sees positions ≤ i)
/// and optionally also masking padding keys. Parameter names <c>ln1</c>, <c>attn</c>, <c>ln2</c>, <c>fc1</c>,
/// <c>fc2</c>, as the PyTorch block in tools/goldens/make_autograd.py and make_lm.py. Shape: (B, L, d) → (B, L, d).
/// </summary>
public sealed class DecoderOnlyBlock : Module, ILayer
{
    private readonly Generator? _dropoutGenerator;
    private IndexTensor? _causal;

    /// <summary>Creates the block, drawing initial weights from <paramref name="generator"/> in PyTorch's construction
    /// order (attn, fc1, fc2).</summary>
    /// <exception cref="ArgumentException">A size does not fit, or dropout &gt; 0 without a dropout generator.</exception>
    public DecoderOnlyBlock(int dModel, int nHead, int dimFeedforward, IRandomSource generator, double dropout = 0.0, Generator? dropoutGenerator = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (dropout > 0 && dropoutGenerator is null)
        {
            throw new ArgumentException("DecoderOnlyBlock: dropout above 0 needs a dropout generator.", nameof(dropoutGenerator));
        }

        Ln1 = RegisterModule("ln1", new LayerNorm(dModel));
        Attn = RegisterModule("attn", new MultiheadAttention(dModel, nHead, generator, dropout, batchFirst: true, dropoutGenerator));
        Ln2 = RegisterModule("ln2", new LayerNorm(dModel));
        Fc1 = RegisterModule("fc1", new Linear(dModel, dimFeedforward, generator));
        Fc2 = RegisterModule("fc2", new Linear(dimFeedforward, dModel, generator));
        DropoutP = dropout;
        _dropoutGenerator = dropoutGenerator;
    }

    /// <summary>The norm before attention.</summary>
    public LayerNorm Ln1 { get; }

    /// <summary>The causal self-attention.</summary>
    public MultiheadAttention Attn { get; }

    /// <summary>The norm before the feed-forward part.</summary>
    public LayerNorm Ln2 { get; }

    /// <summary>d → dim_feedforward.</summary>
    public Linear Fc1 { get; }

    /// <summary>dim_feedforward → d.</summary>
    public Linear Fc2 { get; }

    /// <summary>Dropout after the attention and after the feed-forward part (training mode only).</summary>
    public double DropoutP { get; }

    /// <inheritdoc />
    public Variable Forward(Variable input) => Forward(input, null);

    /// <summary>Runs the block on (B, L, d), keys marked non-zero in <paramref name="keyPaddingMask"/> (B, L) ignored.</summary>
    public Variable Forward(Variable h, IndexTensor? keyPaddingMask)
    {
        ArgumentNullException.ThrowIfNull(h);
        if (h.Data.Rank != 3)
        {
            throw new ArgumentException($"DecoderOnlyBlock: the input must be (batch, length, d); it has shape {FloatTensor.FormatShape(h.Shape)}.", nameof(h));
        }

        var length = (int)h.Shape[1];
        if (_causal is null || _causal.Shape[0] != length)
        {
            _causal = MultiheadAttention.CausalMask(length);
        }

        var a = Ln1.Forward(h);
        h = Ops.Add(h, DropoutIfTraining(Attn.Forward(a, a, a, _causal, keyPaddingMask)));
        return Ops.Add(h, DropoutIfTraining(Fc2.Forward(Ops.Gelu(Fc1.Forward(Ln2.Forward(h))))));
    }

    private Variable DropoutIfTraining(Variable x) =>
        DropoutP > 0 && Training ? F.Dropout(x, DropoutP, training: true, _dropoutGenerator!) : x;
}
