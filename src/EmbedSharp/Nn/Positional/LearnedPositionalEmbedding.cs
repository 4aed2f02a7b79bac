using EmbedSharp.Autograd;
using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Nn.Positional;

/// <summary>
/// Learned absolute positions (BERT, GPT-2): y[…, s, :] = x[…, s, :] + W[offset + s, :], with W a trained (maxLen, d)
/// table initialised from N(0, 1). PyTorch equivalent: <c>x + nn.Embedding(max_len, d)(arange(offset, offset + seq))</c>.
/// </summary>
/// <remarks>
/// The parameter is <c>"weight"</c>, initialised as <c>nn.Embedding.reset_parameters</c> (<c>normal_(W, 0, 1)</c>, bit-exact
/// for the same generator state). Backward adds Σ_batch dL/dy[b, s] into row offset+s of the dense gradient; the batch sum is
/// formed sequentially in batch order, which equals PyTorch's bits for a batch of up to 4 (PyTorch switches to a cascade
/// sum beyond that; the difference is a rounding of the sum).
/// Shape: input (seq, d) or (batch, seq, d); output the same.
/// </remarks>
public sealed class LearnedPositionalEmbedding : Module
{
    /// <summary>Creates the table and fills it from N(0, 1) with <paramref name="generator"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">maxLen is negative or d is not positive.</exception>
    public LearnedPositionalEmbedding(int maxLen, int d, IRandomSource generator)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLen);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d);
        ArgumentNullException.ThrowIfNull(generator);
        MaxLen = maxLen;
        Dim = d;
        Weight = RegisterParameter("weight", new Parameter(new FloatTensor(maxLen, d))); // (maxLen, d)
        ResetParameters(generator);
    }

    /// <summary>Number of positions in the table.</summary>
    public int MaxLen { get; }

    /// <summary>Embedding width d.</summary>
    public int Dim { get; }

    /// <summary>The table, parameter <c>"weight"</c>. Shape: (maxLen, d).</summary>
    public Parameter Weight { get; }

    /// <summary>Refills the table from N(0, 1) (torch: <c>nn.Embedding.reset_parameters</c>).</summary>
    public void ResetParameters(IRandomSource generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Init.Normal(Weight.Value, generator);
    }

    /// <summary>Returns x + W[offset .. offset+seq−1], recorded for backward. torch: <c>x + weight[offset:offset+seq]</c>.
    /// Shape: (seq, d) or (batch, seq, d), unchanged. Backward: dx = g; dW[offset + s] = Σ_b g[b, s].</summary>
    /// <param name="input">Shape (seq, d) or (batch, seq, d).</param>
    /// <param name="positionOffset">Position of the first element of each sequence.</param>
    /// <exception cref="ArgumentException">The input's rank is not 2 or 3, or its last dimension is not d.</exception>
    /// <exception cref="ArgumentOutOfRangeException">offset is negative or offset + seq exceeds maxLen.</exception>
    public Variable Forward(Variable input, long positionOffset = 0) =>
        AddPositionNode.Apply(input, Weight.Value, Weight, MaxLen, Dim, positionOffset);

    /// <summary>Returns x + W[offset .. offset+seq−1] as a new tensor (the explicit path; see <see cref="Backward"/>).</summary>
    internal FloatTensor Forward(FloatTensor input, long positionOffset = 0)
    {
        PositionalOps.CheckInput(input, MaxLen, Dim, positionOffset);
        var output = new FloatTensor(input.Shape);
        PositionalOps.AddTable(input, Weight.Value, positionOffset, output);
        return output;
    }

    /// <summary>Writes x + W[offset .. offset+seq−1] into <paramref name="destination"/> (may be <paramref name="input"/>).</summary>
    /// <exception cref="ArgumentException">Bad input shape or a destination of another shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">offset is negative or offset + seq exceeds maxLen.</exception>
    internal void Forward(FloatTensor input, FloatTensor destination, long positionOffset = 0)
    {
        PositionalOps.CheckInput(input, MaxLen, Dim, positionOffset);
        PositionalOps.CheckSameShape(input, destination, nameof(destination));
        PositionalOps.AddTable(input, Weight.Value, positionOffset, destination);
    }

    /// <summary>Accumulates dL/dW[offset + s] += Σ_b dL/dy[b, s] into the weight's dense gradient (unless
    /// <see cref="Autograd.Variable.RequiresGrad"/> is false) and returns dL/dx = <paramref name="gradOutput"/> itself.</summary>
    /// <param name="gradOutput">dL/dy, the shape of the forward input.</param>
    /// <param name="positionOffset">The offset the forward pass used.</param>
    /// <exception cref="ArgumentException">Bad gradient shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">offset is negative or offset + seq exceeds maxLen.</exception>
    internal FloatTensor Backward(FloatTensor gradOutput, long positionOffset = 0)
    {
        PositionalOps.CheckInput(gradOutput, MaxLen, Dim, positionOffset, nameof(gradOutput));
        if (Weight.RequiresGrad)
        {
            PositionalOps.AccumulateBatchSum(gradOutput, Weight.DenseGradForAccumulation(), positionOffset);
        }

        return gradOutput;
    }
}
