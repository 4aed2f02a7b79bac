using EmbedSharp.Autograd;
using EmbedSharp.Numerics;

namespace EmbedSharp.Nn.Positional;

/// <summary>
/// Fixed sinusoidal positional encoding (Vaswani et al. 2017): y[…, s, :] = x[…, s, :] + PE[offset + s, :] with
/// PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d)).
/// PyTorch equivalent: the <c>PositionalEncoding</c> module of the PyTorch transformer tutorial (without its dropout),
/// whose table is the registered buffer <c>pe</c>.
/// </summary>
/// <remarks>
/// The table is computed once with PyTorch's float32 recipe (see <see cref="SinusoidalTable"/>) and is within 6e-8 of
/// the tutorial's table for every position up to 2048 and d ∈ {63, 64, 512}. It is the persistent buffer <c>"pe"</c>
/// of shape (maxLen, d) (the tutorial stores (maxLen, 1, d); squeeze that dimension when loading its checkpoint), so
/// loading a state dict restores PyTorch's exact bits. With an odd d the last sine column has no cosine partner.
/// Shape: input (seq, d) or (batch, seq, d); output the same.
/// </remarks>
public sealed class SinusoidalPositionalEncoding : Module
{
    /// <summary>Creates the (maxLen, dModel) table.</summary>
    /// <param name="maxLen">Number of positions in the table (torch: <c>max_len</c>).</param>
    /// <param name="dModel">Embedding width d (torch: <c>d_model</c>); odd values are allowed.</param>
    /// <param name="layout">Interleaved sin/cos columns (the tutorial) or concatenated halves (tensor2tensor).</param>
    /// <exception cref="ArgumentOutOfRangeException">maxLen is negative or dModel is not positive.</exception>
    public SinusoidalPositionalEncoding(int maxLen, int dModel, SinusoidalLayout layout = SinusoidalLayout.Interleaved)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLen);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dModel);
        if (!Enum.IsDefined(layout))
        {
            throw new ArgumentOutOfRangeException(nameof(layout), layout, "Unknown sinusoidal layout.");
        }

        MaxLen = maxLen;
        DModel = dModel;
        Layout = layout;
        Pe = RegisterBuffer("pe", new FloatTensor(maxLen, dModel)); // (maxLen, d)
        SinusoidalTable.Fill(Pe, layout);
    }

    /// <summary>Number of positions in the table.</summary>
    public int MaxLen { get; }

    /// <summary>Embedding width d.</summary>
    public int DModel { get; }

    /// <summary>Column layout of the table.</summary>
    public SinusoidalLayout Layout { get; }

    /// <summary>The table, buffer <c>"pe"</c>. Shape: (maxLen, d).</summary>
    public FloatTensor Pe { get; }

    /// <summary>Returns x + PE[offset .. offset+seq−1], recorded for backward. torch: <c>x + pe[offset:offset+seq]</c>.
    /// Shape: (seq, d) or (batch, seq, d), unchanged. Backward: dx = g (the table is constant).</summary>
    /// <param name="input">Shape (seq, d) or (batch, seq, d).</param>
    /// <param name="positionOffset">Position of the first element of each sequence (e.g. the cache length when decoding).</param>
    /// <exception cref="ArgumentException">The input's rank is not 2 or 3, or its last dimension is not d.</exception>
    /// <exception cref="ArgumentOutOfRangeException">offset is negative or offset + seq exceeds maxLen.</exception>
    public Variable Forward(Variable input, long positionOffset = 0) =>
        AddPositionNode.Apply(input, Pe, null, MaxLen, DModel, positionOffset);

    /// <summary>Returns x + PE[offset .. offset+seq−1] as a new tensor (the explicit path).</summary>
    internal FloatTensor Forward(FloatTensor input, long positionOffset = 0)
    {
        PositionalOps.CheckInput(input, MaxLen, DModel, positionOffset);
        var output = new FloatTensor(input.Shape);
        PositionalOps.AddTable(input, Pe, positionOffset, output);
        return output;
    }

    /// <summary>Writes x + PE[offset .. offset+seq−1] into <paramref name="destination"/>, which may be
    /// <paramref name="input"/> itself (in place). Allocates nothing.</summary>
    /// <exception cref="ArgumentException">Bad input shape (see <see cref="Forward(FloatTensor, long)"/>) or a destination of another shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">offset is negative or offset + seq exceeds maxLen.</exception>
    internal void Forward(FloatTensor input, FloatTensor destination, long positionOffset = 0)
    {
        PositionalOps.CheckInput(input, MaxLen, DModel, positionOffset);
        PositionalOps.CheckSameShape(input, destination, nameof(destination));
        PositionalOps.AddTable(input, Pe, positionOffset, destination);
    }

    /// <summary>The gradient with respect to the input: the table is constant, so dL/dx = dL/dy and
    /// <paramref name="gradOutput"/> itself is returned (no copy).</summary>
    /// <exception cref="ArgumentException">The gradient's rank is not 2 or 3 or its last dimension is not d.</exception>
    internal FloatTensor Backward(FloatTensor gradOutput)
    {
        PositionalOps.CheckInput(gradOutput, long.MaxValue, DModel, 0, nameof(gradOutput));
        return gradOutput;
    }
}
