using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EmbedSharp.Nn.Functional;

/// <summary>
/// Elementwise activations and their backward passes on spans (destination last; <c>input</c> and <c>destination</c> may
/// be the same span). Backward passes take the forward's <em>output</em>, as PyTorch's autograd does.
/// </summary>
/// <remarks>
/// Parity with PyTorch 1.13 (AVX2 CPU build): <see cref="Relu"/>, <see cref="ReluBackward"/>, <see cref="TanhBackward"/>
/// and <see cref="SigmoidBackward"/> are bit-exact. <see cref="Tanh"/> and <see cref="Sigmoid"/> use
/// <see cref="TensorPrimitives"/>; PyTorch uses SLEEF, so values differ in the last bits (tests allow 4e-7 absolute).
/// </remarks>
public static class ActivationFunctions
{
    /// <summary>y = x &lt; 0 ? 0 : x, i.e. max(x, 0) keeping NaN and −0 as PyTorch does. torch: <c>F.relu</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Relu(ReadOnlySpan<float> input, Span<float> destination)
    {
        CheckSameLength(input.Length, destination.Length, nameof(destination));
        var i = 0;
        for (; i + 8 <= input.Length; i += 8)
        {
            var x = Vector256.Create(input.Slice(i, 8));
            Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), Vector256<float>.Zero, x).CopyTo(destination.Slice(i, 8));
        }

        for (; i < input.Length; i++)
        {
            var x = input[i];
            destination[i] = x < 0f ? 0f : x;
        }
    }

    /// <summary>dx = dy where y &gt; 0, else 0 (y is the forward's output). torch: <c>threshold_backward(dy, y, 0)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReluBackward(ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> output, Span<float> gradInput)
    {
        CheckSameLength(gradOutput.Length, output.Length, nameof(output));
        CheckSameLength(gradOutput.Length, gradInput.Length, nameof(gradInput));
        var i = 0;
        for (; i + 8 <= output.Length; i += 8)
        {
            var y = Vector256.Create(output.Slice(i, 8));
            var g = Vector256.Create(gradOutput.Slice(i, 8));
            Vector256.ConditionalSelect(Vector256.LessThanOrEqual(y, Vector256<float>.Zero), Vector256<float>.Zero, g)
                .CopyTo(gradInput.Slice(i, 8));
        }

        for (; i < output.Length; i++)
        {
            gradInput[i] = output[i] <= 0f ? 0f : gradOutput[i];
        }
    }

    /// <summary>y = tanh(x). torch: <c>torch.tanh</c> (within a few ulp; see remarks).</summary>
    public static void Tanh(ReadOnlySpan<float> input, Span<float> destination)
    {
        CheckSameLength(input.Length, destination.Length, nameof(destination));
        TensorPrimitives.Tanh(input, destination);
    }

    /// <summary>dx = dy·fma(−y, y, 1) = dy·(1 − y²), with PyTorch's fused 1 − y·y. torch: <c>tanh_backward</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TanhBackward(ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> output, Span<float> gradInput)
    {
        CheckSameLength(gradOutput.Length, output.Length, nameof(output));
        CheckSameLength(gradOutput.Length, gradInput.Length, nameof(gradInput));
        var one = Vector256<float>.One;
        var i = 0;
        for (; i + 8 <= output.Length; i += 8)
        {
            var y = Vector256.Create(output.Slice(i, 8));
            var g = Vector256.Create(gradOutput.Slice(i, 8));
            (g * Vector256.FusedMultiplyAdd(-y, y, one)).CopyTo(gradInput.Slice(i, 8));
        }

        for (; i < output.Length; i++)
        {
            var y = output[i];
            gradInput[i] = gradOutput[i] * MathF.FusedMultiplyAdd(-y, y, 1f);
        }
    }

    /// <summary>y = 1/(1 + e^−x). torch: <c>torch.sigmoid</c> (within a few ulp; see remarks).</summary>
    public static void Sigmoid(ReadOnlySpan<float> input, Span<float> destination)
    {
        CheckSameLength(input.Length, destination.Length, nameof(destination));
        if (!input.IsEmpty) // TensorPrimitives.Sigmoid refuses empty spans
        {
            TensorPrimitives.Sigmoid(input, destination);
        }
    }

    /// <summary>dx = (dy·(1 − y))·y. torch: <c>sigmoid_backward</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SigmoidBackward(ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> output, Span<float> gradInput)
    {
        CheckSameLength(gradOutput.Length, output.Length, nameof(output));
        CheckSameLength(gradOutput.Length, gradInput.Length, nameof(gradInput));
        var one = Vector256<float>.One;
        var i = 0;
        for (; i + 8 <= output.Length; i += 8)
        {
            var y = Vector256.Create(output.Slice(i, 8));
            var g = Vector256.Create(gradOutput.Slice(i, 8));
            (g * (one - y) * y).CopyTo(gradInput.Slice(i, 8));
        }

        for (; i < output.Length; i++)
        {
            var y = output[i];
            gradInput[i] = gradOutput[i] * (1f - y) * y;
        }
    }

    internal static void CheckSameLength(int expected, int actual, string paramName)
    {
        if (expected != actual)
        {
            throw new ArgumentException($"{paramName} holds {actual} elements; {expected} are needed.", paramName);
        }
    }
}
