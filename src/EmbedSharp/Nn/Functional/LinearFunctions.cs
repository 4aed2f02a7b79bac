using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using EmbedSharp.Autograd;
using EmbedSharp.Numerics;

namespace EmbedSharp.Nn.Functional;

/// <summary>
/// The math of a fully connected layer on row-major spans, bit-exact with PyTorch 1.13 on a netlib-BLAS CPU build:
/// every output is a sequential float32 sum over the contracted dimension starting from zero, each product rounded
/// before it is added (reference <c>sgemm</c>, no FMA), which is what <c>nn.Linear</c>'s forward and backward produce
/// there. The products run on the library's GEMM in its exact mode (Numerics/Gemm.cs; fused multiply-adds instead inside
/// <see cref="MatMulPrecision.UseFused"/>), which vectorises across outputs
/// (never across the sum) so the order is kept, on up to all cores with a split that does not change the bits. Nothing
/// is allocated after a thread's first weight gradient (a block of up to 4 MiB that the thread keeps).
/// torch: <c>torch.nn.functional.linear</c> and its autograd backward.
/// </summary>
/// <remarks>PyTorch builds linked against MKL or OpenBLAS sum in a different order; against those, expect agreement
/// within about 1e-6 relative rather than bit for bit.</remarks>
public static class LinearFunctions
{
    /// <summary>Floats of the per-thread block in which the weight gradient's new sums are formed, at most 4 MiB (and
    /// never more than the gradient). Each block of weight rows repacks the input for the GEMM, about inFeatures / 2²⁰ of
    /// the block's work, so the block is kept large.</summary>
    private const int ScratchFloats = 1 << 20;

    [ThreadStatic]
    private static float[]? t_scratch;

    /// <summary>y = x·Wᵀ + b: <c>output[n, o] = (Σ_k input[n, k]·weight[o, k]) + bias[o]</c>, the sum sequential in k.
    /// torch: <c>F.linear(input, weight, bias)</c>.
    /// Shape: input (rows, inFeatures), weight (outFeatures, inFeatures), bias (outFeatures) or empty for none,
    /// output (rows, outFeatures).</summary>
    /// <exception cref="ArgumentException">A span's length does not match the sizes (the message names both).</exception>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        int rows, int inFeatures, int outFeatures, Span<float> output)
    {
        CheckSizes(rows, inFeatures, outFeatures);
        CheckLength(input.Length, (long)rows * inFeatures, "input", nameof(input));
        CheckLength(weight.Length, (long)outFeatures * inFeatures, "weight", nameof(weight));
        if (!bias.IsEmpty)
        {
            CheckLength(bias.Length, outFeatures, "bias", nameof(bias));
        }

        CheckLength(output.Length, (long)rows * outFeatures, "output", nameof(output));
        if (rows == 0 || outFeatures == 0)
        {
            return;
        }

        Gemm.Multiply(MatMulPrecision.Mode, false, true, rows, outFeatures, inFeatures, 1f, input, Math.Max(1, inFeatures),
            weight, Math.Max(1, inFeatures), 0f, output, outFeatures);
        if (!bias.IsEmpty)
        {
            for (var n = 0; n < rows; n++)
            {
                var row = output.Slice(n * outFeatures, outFeatures);
                TensorPrimitives.Add(row, bias, row); // the finished sum, then + bias: F.linear's order
            }
        }
    }

    /// <summary>Gradient with respect to the input: <c>gradInput[n, k] = Σ_o gradOutput[n, o]·weight[o, k]</c>, the sum
    /// sequential in o from zero (overwrites <paramref name="gradInput"/>). torch: the input gradient of <c>F.linear</c>.
    /// Shape: gradOutput (rows, outFeatures), weight (outFeatures, inFeatures), gradInput (rows, inFeatures).</summary>
    /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    public static void BackwardInput(ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> weight,
        int rows, int inFeatures, int outFeatures, Span<float> gradInput)
    {
        CheckSizes(rows, inFeatures, outFeatures);
        CheckLength(gradOutput.Length, (long)rows * outFeatures, "gradOutput", nameof(gradOutput));
        CheckLength(weight.Length, (long)outFeatures * inFeatures, "weight", nameof(weight));
        CheckLength(gradInput.Length, (long)rows * inFeatures, "gradInput", nameof(gradInput));
        Gemm.Multiply(MatMulPrecision.Mode, false, false, rows, inFeatures, outFeatures, 1f, gradOutput, Math.Max(1, outFeatures),
            weight, Math.Max(1, inFeatures), 0f, gradInput, Math.Max(1, inFeatures));
    }

    /// <summary>Adds the weight gradient: <c>gradWeight[o, k] += Σ_n gradOutput[n, o]·input[n, k]</c>, the new sum
    /// formed sequentially in n from zero and then added once (as autograd accumulates <c>.grad</c>).
    /// Shape: gradOutput (rows, outFeatures), input (rows, inFeatures), gradWeight (outFeatures, inFeatures).</summary>
    /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    public static void AccumulateWeightGrad(ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> input,
        int rows, int inFeatures, int outFeatures, Span<float> gradWeight)
    {
        CheckSizes(rows, inFeatures, outFeatures);
        CheckLength(gradOutput.Length, (long)rows * outFeatures, "gradOutput", nameof(gradOutput));
        CheckLength(input.Length, (long)rows * inFeatures, "input", nameof(input));
        CheckLength(gradWeight.Length, (long)outFeatures * inFeatures, "gradWeight", nameof(gradWeight));
        if (outFeatures == 0 || inFeatures == 0)
        {
            return;
        }

        // The sums are formed from zero in a scratch block of weight rows, then added once: continuing the chain from the
        // gradient already in gradWeight would round differently.
        var chunk = Math.Min(outFeatures, Math.Max(1, ScratchFloats / inFeatures));
        if (chunk >= 6 && chunk < outFeatures)
        {
            chunk -= chunk % 6; // whole micro-tiles of the GEMM
        }

        var scratch = t_scratch is { } kept && kept.Length >= chunk * inFeatures
            ? kept
            : t_scratch = new float[Math.Max(chunk * inFeatures, Math.Min(ScratchFloats, outFeatures * inFeatures))];
        for (var o0 = 0; o0 < outFeatures; o0 += chunk)
        {
            var count = Math.Min(chunk, outFeatures - o0);
            var sums = scratch.AsSpan(0, count * inFeatures);
            Gemm.Multiply(MatMulPrecision.Mode, true, false, count, inFeatures, rows, 1f, rows == 0 ? default : gradOutput[o0..], outFeatures,
                input, inFeatures, 0f, sums, inFeatures);
            var dest = gradWeight.Slice(o0 * inFeatures, count * inFeatures);
            TensorPrimitives.Add(dest, sums, dest);
        }
    }

    /// <summary>Adds the bias gradient: <c>gradBias[o] += Σ_n gradOutput[n, o]</c>, the sum in PyTorch's cascade order
    /// (<c>grad.sum(0)</c>) and then added once. Shape: gradOutput (rows, outFeatures), gradBias (outFeatures).</summary>
    /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
    public static void AccumulateBiasGrad(ReadOnlySpan<float> gradOutput, int rows, int outFeatures, Span<float> gradBias)
    {
        CheckSizes(rows, 0, outFeatures);
        CheckLength(gradOutput.Length, (long)rows * outFeatures, "gradOutput", nameof(gradOutput));
        CheckLength(gradBias.Length, outFeatures, "gradBias", nameof(gradBias));
        if (rows == 0)
        {
            return;
        }

        const int Block = 256;
        var rented = outFeatures <= Block ? null : System.Buffers.ArrayPool<float>.Shared.Rent(outFeatures);
        var sums = rented is null ? stackalloc float[Block] : rented.AsSpan();
        TorchSum.Columns(gradOutput, rows, outFeatures, sums[..outFeatures]);
        for (var o = 0; o < outFeatures; o++)
        {
            gradBias[o] += sums[o];
        }

        if (rented is not null)
        {
            System.Buffers.ArrayPool<float>.Shared.Return(rented);
        }
    }

    private static void CheckSizes(int rows, int inFeatures, int outFeatures)
    {
        if (rows < 0 || inFeatures < 0 || outFeatures < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rows),
                $"Sizes must be non-negative: rows {rows}, inFeatures {inFeatures}, outFeatures {outFeatures}.");
        }
    }

    private static void CheckLength(int actual, long expected, string what, string paramName)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"The {what} span holds {actual} elements; the sizes need {expected}.", paramName);
        }
    }
}
