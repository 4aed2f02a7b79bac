using System.Numerics.Tensors;
using EmbedSharp.Autograd;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using FloatTensor = EmbedSharp.Numerics.FloatTensor;

namespace EmbedSharp.Nn.Positional;

/// <summary>
/// Token embedding plus position: y[b, s] = E[ids[b, s]]·α + P[offset + s], with α = √d when
/// <see cref="ScaleBySqrtDim"/> (Vaswani et al. 2017, §3.4) and 1 otherwise, and P a sinusoidal table or a learned one.
/// PyTorch equivalent: <c>self.token = nn.Embedding(V, d)</c>, <c>self.position = nn.Embedding(max_len, d)</c> (or the
/// tutorial's <c>PositionalEncoding</c>) and <c>token(ids) * math.sqrt(d) + position(arange(offset, offset + seq))</c>.
/// </summary>
/// <remarks>
/// State-dict names: <c>token.weight</c> (V, d) and either <c>position.weight</c> (maxLen, d) or <c>position.pe</c> (maxLen, d).
/// Initialisation draws the token table first, then the learned position table, each N(0, 1) as <c>nn.Embedding</c>, so
/// the same seed gives PyTorch's bits. Forward rounds E·(float)√d, then adds P. Backward accumulates dL/dE[k] +=
/// dL/dy[b, s]·(float)√d for every (b, s) with ids[b, s] = k, in input order, and dL/dP[offset + s] += Σ_b dL/dy[b, s].
/// Shape: ids (seq) or (batch, seq); output (seq, d) or (batch, seq, d).
/// </remarks>
public sealed class TokenAndPositionEmbedding : Module
{
    private readonly Embedding _token;

    /// <summary>Creates the token table and the positional part.</summary>
    /// <param name="numEmbeddings">Vocabulary size V.</param>
    /// <param name="dim">Embedding width d.</param>
    /// <param name="maxLen">Number of positions.</param>
    /// <param name="kind">Sinusoidal (fixed buffer) or learned (parameter) positions.</param>
    /// <param name="generator">Random source for the N(0, 1) tables (token first, then learned positions).</param>
    /// <param name="scaleBySqrtDim">Multiply token vectors by √d before adding positions.</param>
    /// <param name="sinusoidalLayout">Column layout of a sinusoidal table.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range or the kind is unknown.</exception>
    public TokenAndPositionEmbedding(int numEmbeddings, int dim, int maxLen, PositionEncodingKind kind, IRandomSource generator,
        bool scaleBySqrtDim = false, SinusoidalLayout sinusoidalLayout = SinusoidalLayout.Interleaved)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfNegative(numEmbeddings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLen);
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown position encoding kind.");
        }

        Dim = dim;
        MaxLen = maxLen;
        Kind = kind;
        ScaleBySqrtDim = scaleBySqrtDim;
        Scale = scaleBySqrtDim ? (float)Math.Sqrt(dim) : 1f;
        _token = RegisterModule("token", new Embedding(numEmbeddings, dim, generator));
        if (kind == PositionEncodingKind.Learned)
        {
            LearnedPosition = RegisterModule("position", new LearnedPositionalEmbedding(maxLen, dim, generator));
        }
        else
        {
            SinusoidalPosition = RegisterModule("position", new SinusoidalPositionalEncoding(maxLen, dim, sinusoidalLayout));
        }
    }

    /// <summary>Embedding width d.</summary>
    public int Dim { get; }

    /// <summary>Number of positions.</summary>
    public int MaxLen { get; }

    /// <summary>Sinusoidal or learned positions.</summary>
    public PositionEncodingKind Kind { get; }

    /// <summary>Whether token vectors are multiplied by √d.</summary>
    public bool ScaleBySqrtDim { get; }

    /// <summary>The token factor α: (float)√d or 1.</summary>
    public float Scale { get; }

    /// <summary>The token table, parameter <c>token.weight</c>. Shape: (V, d).</summary>
    public Parameter TokenWeight => _token.Weight;

    /// <summary>The token embedding module (<c>token</c>).</summary>
    public Embedding Token => _token;

    /// <summary>The learned positional part, or null for sinusoidal positions.</summary>
    public LearnedPositionalEmbedding? LearnedPosition { get; }

    /// <summary>The sinusoidal positional part, or null for learned positions.</summary>
    public SinusoidalPositionalEncoding? SinusoidalPosition { get; }

    private FloatTensor PositionTable => LearnedPosition?.Weight.Value ?? SinusoidalPosition!.Pe;

    /// <summary>y[b, s] = E[ids[b, s]]·α + P[offset + s] through the graph: the token embedding (<see cref="Embedding.Forward(IndexTensor)"/>),
    /// times α = (float)√d when <see cref="ScaleBySqrtDim"/>, plus the position rows. torch: <c>emb(ids) * α + pos[offset:offset+seq]</c>.
    /// Shape: ids (seq) or (batch, seq) → (seq, d) or (batch, seq, d). Backward: dE rows = g·α; learned dP[offset + s] = Σ_b g[b, s].</summary>
    /// <exception cref="ArgumentException">ids has rank other than 1 or 2.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary, or offset + seq exceeds maxLen.</exception>
    public Variable Forward(IndexTensor ids, long positionOffset = 0)
    {
        var (_, seq) = CheckIds(ids, nameof(ids));
        PositionalOps.CheckPositions(positionOffset, seq, MaxLen);
        var tokens = _token.Forward(ids);
        if (ScaleBySqrtDim)
        {
            tokens = Ops.Mul(tokens, Scale); // rounded, then added: torch's two ops
        }

        return LearnedPosition is { } learned ? learned.Forward(tokens, positionOffset) : SinusoidalPosition!.Forward(tokens, positionOffset);
    }

    /// <summary>y[b, s] = E[ids[b, s]]·α + P[offset + s], the explicit path (see <see cref="Backward"/>).
    /// Shape: ids (seq) or (batch, seq) → (seq, d) or (batch, seq, d).</summary>
    /// <exception cref="ArgumentException">ids has rank other than 1 or 2.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary, or offset + seq exceeds maxLen.</exception>
    internal FloatTensor ForwardTensor(IndexTensor ids, long positionOffset = 0)
    {
        var (batch, seq) = CheckIds(ids, nameof(ids));
        PositionalOps.CheckPositions(positionOffset, seq, MaxLen);
        FloatTensor output; // (seq, d) or (batch, seq, d)
        using (Grad.Disable()) // this layer's backward is explicit (Backward below), not recorded
        {
            output = _token.Forward(ids).Data;
        }

        var pos = PositionTable;
        for (long b = 0; b < batch; b++)
        {
            for (long s = 0; s < seq; s++)
            {
                var y = OutputRow(output, b, s);
                if (ScaleBySqrtDim)
                {
                    TensorPrimitives.Multiply(y, Scale, y); // rounded, then added: torch's two ops
                }

                TensorPrimitives.Add(y, pos.Row(positionOffset + s), y);
            }
        }

        return output;
    }

    /// <summary>Accumulates dL/dE (rows of <c>token.weight</c>) and, for learned positions, dL/dP into the dense gradients.</summary>
    /// <param name="gradOutput">dL/dy, shape (seq, d) or (batch, seq, d) as returned by <see cref="Forward"/>.</param>
    /// <param name="ids">The ids of the forward pass.</param>
    /// <param name="positionOffset">The offset of the forward pass.</param>
    /// <exception cref="ArgumentException">gradOutput's shape does not match ids and d.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary, or offset + seq exceeds maxLen.</exception>
    internal void Backward(FloatTensor gradOutput, IndexTensor ids, long positionOffset = 0)
    {
        var (batch, seq) = CheckIds(ids, nameof(ids));
        PositionalOps.CheckInput(gradOutput, MaxLen, Dim, positionOffset, nameof(gradOutput));
        var expected = ids.Rank == 2 ? new[] { batch, seq, Dim } : new[] { seq, Dim };
        if (!gradOutput.Shape.SequenceEqual(expected))
        {
            throw new ArgumentException(
                $"gradOutput has shape {FloatTensor.FormatShape(gradOutput.Shape)}; ids {FloatTensor.FormatShape(ids.Shape)} and d = {Dim} need {FloatTensor.FormatShape(expected)}.",
                nameof(gradOutput));
        }

        if (LearnedPosition is { Weight.RequiresGrad: true } learned)
        {
            PositionalOps.AccumulateBatchSum(gradOutput, learned.Weight.DenseGradForAccumulation(), positionOffset);
        }

        if (!_token.Weight.RequiresGrad)
        {
            return;
        }

        var tokenGrad = gradOutput;
        if (ScaleBySqrtDim)
        {
            tokenGrad = gradOutput.Clone(); // dL/d(token(ids)) = dL/dy·(float)√d, rounded as torch's mul backward
            tokenGrad.Scale(Scale);
        }

        _token.Backward(ids, tokenGrad);
    }

    private static Span<float> OutputRow(FloatTensor t, long b, long s)
    {
        if (t.Rank == 2)
        {
            return t.Row(s);
        }

        var d = (int)t.Shape[2];
        return t.Row(b).Slice((int)(s * d), d);
    }

    private (long Batch, long Seq) CheckIds(IndexTensor ids, string paramName)
    {
        ArgumentNullException.ThrowIfNull(ids, paramName);
        if (ids.Rank is not (1 or 2))
        {
            throw new ArgumentException($"Expected ids of shape (seq) or (batch, seq); got {FloatTensor.FormatShape(ids.Shape)}.", paramName);
        }

        EmbedSharp.Nn.Functional.EmbeddingFunctions.CheckIndices(ids.AsSpan(), _token.NumEmbeddings);
        return ids.Rank == 2 ? (ids.Shape[0], ids.Shape[1]) : (1, ids.Shape[0]);
    }
}
