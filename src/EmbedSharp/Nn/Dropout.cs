using EmbedSharp.Autograd;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Nn;

/// <summary>
/// Dropout: in training mode each element is zeroed with probability p and the others are scaled by 1/(1 − p); in
/// evaluation mode (<see cref="Module.Eval"/>) it is the identity. torch: <c>nn.Dropout(p)</c>.
/// Shape: any; the output and the mask have the input's shape.
/// </summary>
/// <remarks>
/// The mask is the caller's: the forward writes it (0 or 1/(1 − p) per element; all ones in evaluation mode) and the
/// backward multiplies by it, so the layer holds no per-batch state. Masks are drawn from the layer's
/// <see cref="Generator"/> exactly as PyTorch 1.13 draws them (see <see cref="DropoutFunctions"/>): seeding the generator
/// like <c>torch.manual_seed</c> reproduces PyTorch's masks bit for bit.
/// </remarks>
public sealed class Dropout : Module, ILayer
{
    /// <summary>Creates a dropout layer with drop probability <paramref name="p"/> drawing from <paramref name="generator"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    public Dropout(Generator generator, double p = 0.5)
    {
        ArgumentNullException.ThrowIfNull(generator);
        DropoutFunctions.CheckProbability(p);
        Generator = generator;
        P = p;
    }

    /// <summary>The probability of zeroing an element.</summary>
    public double P { get; }

    /// <summary>The generator masks are drawn from.</summary>
    public Generator Generator { get; }

    /// <summary>Applies dropout through the graph: <see cref="F.Dropout"/> with this layer's p, its generator and its
    /// training mode (evaluation: the input itself). torch: <c>nn.Dropout(p).forward(x)</c>.
    /// Shape: any, unchanged. Backward: g·mask.</summary>
    public Variable Forward(Variable input) => F.Dropout(input, P, Training, Generator);

    /// <summary>Draws a mask and applies it; returns the output and the mask to pass to <see cref="Backward(FloatTensor, FloatTensor)"/>.</summary>
    internal (FloatTensor Output, FloatTensor Mask) Forward(FloatTensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var mask = new FloatTensor(input.Shape);
        var output = new FloatTensor(input.Shape);
        Forward(input, mask, output);
        return (output, mask);
    }

    /// <summary>Allocation-free forward: fills <paramref name="mask"/> (training: drawn; evaluation: ones, no draws) and writes
    /// input·mask into <paramref name="output"/> (which may be <paramref name="input"/>).</summary>
    /// <exception cref="ArgumentException">A shape differs from the input's (the message names both).</exception>
    internal void Forward(FloatTensor input, FloatTensor mask, FloatTensor output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(output);
        Elementwise.CheckSameShape(input, mask, "mask", nameof(mask));
        Elementwise.CheckSameShape(input, output, "output", nameof(output));
        for (var c = 0; c < mask.ChunkCount; c++)
        {
            if (Training)
            {
                DropoutFunctions.FillMask(Generator, P, mask.Chunk(c));
            }
            else
            {
                mask.Chunk(c).Fill(1f);
            }
        }

        Elementwise.Apply(input, mask, output, static (x, m, y) => DropoutFunctions.Apply(x, m, y));
    }

    /// <summary>dL/dx = dL/dy·mask, with the mask the forward wrote.</summary>
    internal static FloatTensor Backward(FloatTensor gradOutput, FloatTensor mask)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        var gradInput = new FloatTensor(gradOutput.Shape);
        Backward(gradOutput, mask, gradInput);
        return gradInput;
    }

    /// <summary>Allocation-free backward into <paramref name="gradInput"/> (may be <paramref name="gradOutput"/>).</summary>
    /// <exception cref="ArgumentException">A shape differs (the message names both).</exception>
    internal static void Backward(FloatTensor gradOutput, FloatTensor mask, FloatTensor gradInput)
    {
        ArgumentNullException.ThrowIfNull(gradOutput);
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(gradInput);
        Elementwise.CheckSameShape(gradOutput, mask, "mask", nameof(mask));
        Elementwise.CheckSameShape(gradOutput, gradInput, "gradInput", nameof(gradInput));
        Elementwise.Apply(gradOutput, mask, gradInput, static (g, m, dx) => DropoutFunctions.Backward(g, m, dx));
    }

    /// <inheritdoc />
    public override string ToString() => $"Dropout(p={P.ToString(System.Globalization.CultureInfo.InvariantCulture)}, inplace=False)";
}
