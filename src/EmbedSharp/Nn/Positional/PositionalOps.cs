using System.Buffers;
using System.Numerics.Tensors;
using FloatTensor = EmbedSharp.Numerics.FloatTensor;

namespace EmbedSharp.Nn.Positional;

/// <summary>Shape checks and row kernels shared by the additive positional encodings: input (seq, d) or
/// (batch, seq, d), a table (maxLen, d), positions offset..offset+seq−1.</summary>
internal static class PositionalOps
{
    /// <summary>Checks input against a (maxLen, d) table and returns (batch, seq); batch is 1 for a (seq, d) input.</summary>
    internal static (long Batch, long Seq) CheckInput(FloatTensor input, long maxLen, long d, long positionOffset, string paramName = "input")
    {
        ArgumentNullException.ThrowIfNull(input, paramName);
        if (input.Rank is not (2 or 3))
        {
            throw new ArgumentException(
                $"Expected an input of shape (seq, {d}) or (batch, seq, {d}); got {FloatTensor.FormatShape(input.Shape)}.", paramName);
        }

        if (input.Shape[^1] != d)
        {
            throw new ArgumentException(
                $"The input's last dimension is {input.Shape[^1]} but the positional table has d = {d} (input shape {FloatTensor.FormatShape(input.Shape)}).", paramName);
        }

        var seq = input.Shape[^2];
        var batch = input.Rank == 3 ? input.Shape[0] : 1;
        CheckPositions(positionOffset, seq, maxLen);
        return (batch, seq);
    }

    internal static void CheckPositions(long positionOffset, long seq, long maxLen)
    {
        if (positionOffset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(positionOffset), positionOffset, "The position offset must be non-negative.");
        }

        if (positionOffset + seq > maxLen)
        {
            throw new ArgumentOutOfRangeException(
                nameof(positionOffset),
                $"Positions {positionOffset}..{positionOffset + seq - 1} (offset {positionOffset}, sequence length {seq}) are beyond the table of maxLen = {maxLen}.");
        }
    }

    internal static void CheckSameShape(FloatTensor a, FloatTensor b, string paramName)
    {
        ArgumentNullException.ThrowIfNull(b, paramName);
        if (!a.Shape.SequenceEqual(b.Shape))
        {
            throw new ArgumentException(
                $"The destination has shape {FloatTensor.FormatShape(b.Shape)} but the input has {FloatTensor.FormatShape(a.Shape)}.", paramName);
        }
    }

    /// <summary>output[b, s] = input[b, s] + table[offset + s]; output may be input (in place). One float add per element.</summary>
    internal static void AddTable(FloatTensor input, FloatTensor table, long positionOffset, FloatTensor output)
    {
        var d = (int)table.Shape[1];
        var seq = input.Shape[^2];
        if (seq == 0 || input.Length == 0)
        {
            return;
        }

        if (input.Rank == 3)
        {
            for (long b = 0; b < input.Shape[0]; b++)
            {
                AddSequence(input.Row(b), table, positionOffset, output.Row(b), d);
            }
        }
        else if (input.IsSingleChunk && output.IsSingleChunk)
        {
            AddSequence(input.AsSpan(), table, positionOffset, output.AsSpan(), d);
        }
        else
        {
            for (long s = 0; s < seq; s++)
            {
                TensorPrimitives.Add(input.Row(s), table.Row(positionOffset + s), output.Row(s));
            }
        }
    }

    // source/destination hold one whole sequence (seq·d floats); one call per sequence when the table is one chunk.
    private static void AddSequence(ReadOnlySpan<float> source, FloatTensor table, long positionOffset, Span<float> destination, int d)
    {
        if (table.IsSingleChunk)
        {
            TensorPrimitives.Add(source, table.AsSpan().Slice(checked((int)(positionOffset * d)), source.Length), destination);
            return;
        }

        var seq = source.Length / d;
        for (var s = 0; s < seq; s++)
        {
            TensorPrimitives.Add(source.Slice(s * d, d), table.Row(positionOffset + s), destination.Slice(s * d, d));
        }
    }

    /// <summary>tableGrad[offset + s] += Σ_b grad[b, s]: the batch sum is formed first, sequentially in batch order,
    /// then added once (as autograd adds a fresh gradient to an existing one).</summary>
    internal static void AccumulateBatchSum(FloatTensor grad, FloatTensor tableGrad, long positionOffset)
    {
        var d = (int)tableGrad.Shape[1];
        var seq = grad.Shape[^2];
        if (seq == 0 || grad.Length == 0)
        {
            return;
        }

        if (grad.Rank == 2)
        {
            for (long s = 0; s < seq; s++)
            {
                var g = tableGrad.Row(positionOffset + s);
                TensorPrimitives.Add(g, grad.Row(s), g);
            }

            return;
        }

        var batch = grad.Shape[0];
        var scratch = ArrayPool<float>.Shared.Rent(d);
        try
        {
            var acc = scratch.AsSpan(0, d);
            for (var s = 0; s < seq; s++)
            {
                grad.Row(0).Slice(s * d, d).CopyTo(acc);
                for (long b = 1; b < batch; b++)
                {
                    TensorPrimitives.Add(acc, grad.Row(b).Slice(s * d, d), acc);
                }

                var g = tableGrad.Row(positionOffset + s);
                TensorPrimitives.Add(g, acc, g);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }
}
