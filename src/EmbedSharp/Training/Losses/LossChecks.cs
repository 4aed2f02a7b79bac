using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;

namespace EmbedSharp.Training.Losses;

/// <summary>Argument checks and result shapes shared by the losses.</summary>
internal static class LossChecks
{
    internal static void SameShape(FloatTensor input, FloatTensor target)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (!input.Shape.SequenceEqual(target.Shape))
        {
            throw new ArgumentException(
                $"The target's shape {FloatTensor.FormatShape(target.Shape)} differs from the input's {FloatTensor.FormatShape(input.Shape)}.", nameof(target));
        }
    }

    internal static void CheckReduction(Reduction reduction)
    {
        if (reduction is not (Reduction.None or Reduction.Mean or Reduction.Sum))
        {
            throw new ArgumentOutOfRangeException(nameof(reduction), $"Unknown reduction {(int)reduction}.");
        }
    }

    /// <summary>Checks the upstream gradient: a single value for Mean/Sum, the loss's shape for None. Null means 1.</summary>
    internal static void CheckGradOutput(FloatTensor? gradOutput, Reduction reduction, ReadOnlySpan<long> unreducedShape)
    {
        if (gradOutput is null)
        {
            return;
        }

        if (reduction == Reduction.None ? !gradOutput.Shape.SequenceEqual(unreducedShape) : gradOutput.Length != 1)
        {
            var expected = reduction == Reduction.None ? FloatTensor.FormatShape(unreducedShape) : "() (one value)";
            throw new ArgumentException(
                $"gradOutput has shape {FloatTensor.FormatShape(gradOutput.Shape)}; a {reduction} loss needs {expected}.", nameof(gradOutput));
        }
    }

    /// <summary>Checks a caller's loss output: one value for Mean/Sum, the unreduced shape for None.</summary>
    internal static void CheckOutput(FloatTensor output, Reduction reduction, ReadOnlySpan<long> unreducedShape)
    {
        if (reduction == Reduction.None ? !output.Shape.SequenceEqual(unreducedShape) : output.Length != 1)
        {
            var expected = reduction == Reduction.None ? FloatTensor.FormatShape(unreducedShape) : "() (one value)";
            throw new ArgumentException(
                $"output has shape {FloatTensor.FormatShape(output.Shape)}; a {reduction} loss needs {expected}.", nameof(output));
        }
    }

    internal static ReadOnlySpan<float> Span(FloatTensor t, string paramName)
    {
        if (!t.IsSingleChunk)
        {
            throw new ArgumentException($"Losses take tensors that fit in one array; this one has {t.Length} elements.", paramName);
        }

        return t.AsSpan();
    }

    internal static FloatTensor Scalar(float value)
    {
        var t = new FloatTensor(Array.Empty<long>());
        t[0] = value;
        return t;
    }
}
