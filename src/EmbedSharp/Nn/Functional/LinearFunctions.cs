using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using EmbedSharp.Numerics;

namespace EmbedSharp.Nn.Functional;

/// <summary>
/// The math of a fully connected layer on row-major spans, bit-exact with PyTorch 1.13 on a netlib-BLAS CPU build:
/// every output is a sequential float32 sum over the contracted dimension starting from zero, each product rounded
/// before it is added (reference <c>sgemm</c>, no FMA), which is what <c>nn.Linear</c>'s forward and backward produce
/// there. The kernels vectorise across outputs (never across the sum) so the order is kept. Nothing is allocated.
/// torch: <c>torch.nn.functional.linear</c> and its autograd backward.
/// </summary>
/// <remarks>PyTorch builds linked against MKL or OpenBLAS sum in a different order; against those, expect agreement
/// within about 1e-6 relative rather than bit for bit.</remarks>
public static class LinearFunctions
{
    private const int Lanes = 8;        // floats per Vector256
    private const int KBlock = 256;     // contracted elements per packed weight panel (8 KiB on the stack)
    private const long ParallelWork = 1L << 22; // multiply-adds above which the forward uses several cores

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

        var panels = (outFeatures + Lanes - 1) / Lanes;
        var work = (long)rows * inFeatures * outFeatures;
        if (work >= ParallelWork && panels >= 2 && Environment.ProcessorCount > 1)
        {
            ForwardParallel(input, weight, bias, rows, inFeatures, outFeatures, panels, output);
            return;
        }

        for (var p = 0; p < panels; p++)
        {
            ForwardPanel(input, weight, bias, rows, inFeatures, outFeatures, p * Lanes, output);
        }
    }

    /// <summary>The forward over several cores, panel by panel. A separate method so that the closure it needs is not
    /// allocated on the serial path.</summary>
    private static unsafe void ForwardParallel(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        int rows, int inFeatures, int outFeatures, int panels, Span<float> output)
    {
        // Panels of 8 outputs are independent and each output's sum order is fixed, so the result does not
        // depend on how many threads run.
        fixed (float* pi = input, pw = weight, pb = bias, po = output)
        {
            var (ip, wp, bp, op, bl) = ((nint)pi, (nint)pw, (nint)pb, (nint)po, bias.Length);
            Parallel.For(0, panels, p => ForwardPanel(
                new ReadOnlySpan<float>((float*)ip, rows * inFeatures),
                new ReadOnlySpan<float>((float*)wp, outFeatures * inFeatures),
                new ReadOnlySpan<float>((float*)bp, bl),
                rows, inFeatures, outFeatures, p * Lanes,
                new Span<float>((float*)op, rows * outFeatures)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    private static void ForwardPanel(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        int rows, int inF, int outF, int o0, Span<float> output)
    {
        var width = Math.Min(Lanes, outF - o0);
        Span<float> panel = stackalloc float[KBlock * Lanes]; // (k, 8): weight[o0 + l, k0 + k] at [k*8 + l]
        Span<float> tail = stackalloc float[Lanes];
        for (var k0 = 0; k0 < inF || k0 == 0; k0 += KBlock)
        {
            var kb = Math.Min(KBlock, inF - k0);
            var first = k0 == 0;
            var last = k0 + kb >= inF;
            panel.Clear();
            for (var l = 0; l < width; l++)
            {
                var wrow = weight.Slice(((o0 + l) * inF) + k0, kb);
                for (var k = 0; k < kb; k++)
                {
                    panel[(k * Lanes) + l] = wrow[k];
                }
            }

            var n = 0;
            for (; n + 4 <= rows; n += 4)
            {
                Vector256<float> a0, a1, a2, a3;
                if (first)
                {
                    a0 = a1 = a2 = a3 = Vector256<float>.Zero;
                }
                else
                {
                    a0 = Load(output, n, outF, o0, width, tail);
                    a1 = Load(output, n + 1, outF, o0, width, tail);
                    a2 = Load(output, n + 2, outF, o0, width, tail);
                    a3 = Load(output, n + 3, outF, o0, width, tail);
                }

                var x0 = input.Slice((n * inF) + k0, kb);
                var x1 = input.Slice(((n + 1) * inF) + k0, kb);
                var x2 = input.Slice(((n + 2) * inF) + k0, kb);
                var x3 = input.Slice(((n + 3) * inF) + k0, kb);
                for (var k = 0; k < kb; k++)
                {
                    var w = Vector256.Create<float>(panel.Slice(k * Lanes, Lanes));
                    a0 += Vector256.Create(x0[k]) * w; // product rounded, then added: no FMA, as reference sgemm
                    a1 += Vector256.Create(x1[k]) * w;
                    a2 += Vector256.Create(x2[k]) * w;
                    a3 += Vector256.Create(x3[k]) * w;
                }

                Finish(a0, bias, last, output, n, outF, o0, width, tail);
                Finish(a1, bias, last, output, n + 1, outF, o0, width, tail);
                Finish(a2, bias, last, output, n + 2, outF, o0, width, tail);
                Finish(a3, bias, last, output, n + 3, outF, o0, width, tail);
            }

            for (; n < rows; n++)
            {
                var a0 = first ? Vector256<float>.Zero : Load(output, n, outF, o0, width, tail);
                var x0 = input.Slice((n * inF) + k0, kb);
                for (var k = 0; k < kb; k++)
                {
                    a0 += Vector256.Create(x0[k]) * Vector256.Create<float>(panel.Slice(k * Lanes, Lanes));
                }

                Finish(a0, bias, last, output, n, outF, o0, width, tail);
            }

            if (inF == 0)
            {
                break;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load(Span<float> output, int n, int outF, int o0, int width, Span<float> tail)
    {
        if (width == Lanes)
        {
            return Vector256.Create<float>(output.Slice((n * outF) + o0, Lanes));
        }

        tail.Clear();
        output.Slice((n * outF) + o0, width).CopyTo(tail);
        return Vector256.Create<float>(tail);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector256<float> acc, ReadOnlySpan<float> bias, bool last, Span<float> output, int n, int outF, int o0, int width, Span<float> tail)
    {
        if (last && !bias.IsEmpty)
        {
            if (width == Lanes)
            {
                acc += Vector256.Create(bias.Slice(o0, Lanes));
            }
            else
            {
                tail.Clear();
                bias.Slice(o0, width).CopyTo(tail);
                acc += Vector256.Create<float>(tail);
            }
        }

        if (width == Lanes)
        {
            acc.CopyTo(output.Slice((n * outF) + o0, Lanes));
        }
        else
        {
            acc.CopyTo(tail);
            tail[..width].CopyTo(output.Slice((n * outF) + o0, width));
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
        AccumulateProducts(gradOutput, weight, rows, outFeatures, inFeatures, transposedLeft: false, gradInput, addToDestination: false);
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
        AccumulateProducts(gradOutput, input, outFeatures, rows, inFeatures, transposedLeft: true, gradWeight, addToDestination: true);
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
        Span<float> sums = stackalloc float[Block];
        if (outFeatures <= Block)
        {
            TorchSum.Columns(gradOutput, rows, outFeatures, sums[..outFeatures]);
            for (var o = 0; o < outFeatures; o++)
            {
                gradBias[o] += sums[o];
            }

            return;
        }

        // Wide layers: one column at a time with the same per-column order as TorchSum.Columns.
        var cascaded = outFeatures - (outFeatures % 32);
        for (var o = 0; o < outFeatures; o++)
        {
            gradBias[o] += o < cascaded
                ? TorchSum.Cascade(gradOutput, o, outFeatures, rows)
                : TorchSum.RowSum(gradOutput, o, outFeatures, rows);
        }
    }

    /// <summary>dest[i, j] (+)= Σ_m left[i, m]·right[m, j] for m in order from zero, with left (rowsOut, inner) or, when
    /// <paramref name="transposedLeft"/>, left stored as (inner, rowsOut); right is (inner, cols). Vectorised over j.</summary>
    private static void AccumulateProducts(ReadOnlySpan<float> left, ReadOnlySpan<float> right, int rowsOut, int inner, int cols,
        bool transposedLeft, Span<float> dest, bool addToDestination)
    {
        Span<float> tail = stackalloc float[2 * Lanes];
        for (var j0 = 0; j0 < cols; j0 += 2 * Lanes)
        {
            var width = Math.Min(2 * Lanes, cols - j0);
            var i = 0;
            for (; i + 4 <= rowsOut; i += 4)
            {
                Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default;
                Vector256<float> a2 = default, b2 = default, a3 = default, b3 = default;
                for (var m = 0; m < inner; m++)
                {
                    var (r0, r1) = LoadPair(right.Slice((m * cols) + j0), width, tail);
                    float l0, l1, l2, l3;
                    if (transposedLeft)
                    {
                        var row = left.Slice((m * rowsOut) + i, 4);
                        (l0, l1, l2, l3) = (row[0], row[1], row[2], row[3]);
                    }
                    else
                    {
                        (l0, l1, l2, l3) = (left[(i * inner) + m], left[((i + 1) * inner) + m], left[((i + 2) * inner) + m], left[((i + 3) * inner) + m]);
                    }

                    var v = Vector256.Create(l0);
                    a0 += v * r0;
                    b0 += v * r1;
                    v = Vector256.Create(l1);
                    a1 += v * r0;
                    b1 += v * r1;
                    v = Vector256.Create(l2);
                    a2 += v * r0;
                    b2 += v * r1;
                    v = Vector256.Create(l3);
                    a3 += v * r0;
                    b3 += v * r1;
                }

                StorePair(a0, b0, dest.Slice((i * cols) + j0), width, addToDestination, tail);
                StorePair(a1, b1, dest.Slice(((i + 1) * cols) + j0), width, addToDestination, tail);
                StorePair(a2, b2, dest.Slice(((i + 2) * cols) + j0), width, addToDestination, tail);
                StorePair(a3, b3, dest.Slice(((i + 3) * cols) + j0), width, addToDestination, tail);
            }

            for (; i < rowsOut; i++)
            {
                Vector256<float> a0 = default, b0 = default;
                for (var m = 0; m < inner; m++)
                {
                    var (r0, r1) = LoadPair(right.Slice((m * cols) + j0), width, tail);
                    var v = Vector256.Create(transposedLeft ? left[(m * rowsOut) + i] : left[(i * inner) + m]);
                    a0 += v * r0;
                    b0 += v * r1;
                }

                StorePair(a0, b0, dest.Slice((i * cols) + j0), width, addToDestination, tail);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float>, Vector256<float>) LoadPair(ReadOnlySpan<float> src, int width, Span<float> tail)
    {
        if (width == 2 * Lanes)
        {
            return (Vector256.Create(src[..Lanes]), Vector256.Create(src.Slice(Lanes, Lanes)));
        }

        tail.Clear();
        src[..width].CopyTo(tail);
        return (Vector256.Create<float>(tail[..Lanes]), Vector256.Create<float>(tail.Slice(Lanes, Lanes)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePair(Vector256<float> a, Vector256<float> b, Span<float> dest, int width, bool add, Span<float> tail)
    {
        if (width == 2 * Lanes)
        {
            if (add)
            {
                a += Vector256.Create<float>(dest[..Lanes]);
                b += Vector256.Create<float>(dest.Slice(Lanes, Lanes));
            }

            a.CopyTo(dest[..Lanes]);
            b.CopyTo(dest.Slice(Lanes, Lanes));
            return;
        }

        a.CopyTo(tail);
        b.CopyTo(tail[Lanes..]);
        for (var j = 0; j < width; j++)
        {
            dest[j] = add ? dest[j] + tail[j] : tail[j];
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
