using System.Runtime.CompilerServices;
using EmbedSharp.Nn;
using EmbedSharp.Numerics;

#pragma warning disable CS8500 // the work struct lives on the caller's stack, which waits

namespace EmbedSharp.Training.Optimizers;

/// <summary>
/// Runs an element-wise dense optimiser kernel over a parameter's updatable rows (<see cref="RowRuns"/>), each run split
/// over the cores at row boundaries. Every element's operations are the same whatever the split, so the bits do not
/// depend on the thread count.
/// </summary>
internal static unsafe class DenseSteps
{
    /// <summary>Floats of a run below which it stays on the calling thread.</summary>
    private const long MinFloatsPerPart = 1L << 15;

    /// <summary>kernel(value, a, b, c, d, scalars) on the same rows of each tensor; absent tensors give empty spans.</summary>
    public static void Run(Parameter parameter, FloatTensor a, FloatTensor? b, FloatTensor? c, FloatTensor? d,
        delegate*<Span<float>, Span<float>, Span<float>, Span<float>, Span<float>, void*, void> kernel, void* scalars)
    {
        var value = parameter.Value;
        var runs = new RowRuns(parameter, a, b, c, d);
        var work = new Work { Value = value, A = a, B = b, C = c, D = d, Kernel = kernel, Scalars = scalars };
        while (runs.MoveNext(out var row, out var count))
        {
            work.Row = row;
            work.Count = count;
            WorkSplit.Run(&Part, &work, WorkSplit.Parts(count * value.RowLength, MinFloatsPerPart));
        }
    }

    private struct Work
    {
        public FloatTensor Value;
        public FloatTensor A;
        public FloatTensor? B;
        public FloatTensor? C;
        public FloatTensor? D;
        public long Row;
        public long Count;
        public delegate*<Span<float>, Span<float>, Span<float>, Span<float>, Span<float>, void*, void> Kernel;
        public void* Scalars;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Part(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<Work>(context);
        var (first, last) = WorkSplit.Range(w.Count, part, parts);
        var row = w.Row + first;
        var count = last - first;
        if (count == 0)
        {
            return;
        }

        w.Kernel(
            RowRuns.Slice(w.Value, row, count),
            RowRuns.Slice(w.A, row, count),
            w.B is null ? default : RowRuns.Slice(w.B, row, count),
            w.C is null ? default : RowRuns.Slice(w.C, row, count),
            w.D is null ? default : RowRuns.Slice(w.D, row, count),
            w.Scalars);
    }
}
