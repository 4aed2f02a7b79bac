using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace EmbedSharp.Numerics;

/// <content>Whole-tensor operations across chunks: fill (parallel when large), copies in and out, flat reads and writes,
/// scaling and summary statistics.</content>
public sealed partial class FloatTensor
{
    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public unsafe void Fill(float value)
    {
        if (Length < ParallelFillElements)
        {
            for (var i = 0; i < _chunkCount; i++)
            {
                Chunk(i).Fill(value);
            }

            return;
        }

        // Large tensors (a gradient table, say) are filled on every core: one core does not saturate the memory bus.
        var work = new FillWork { FloatTensor = this, Value = value };
#pragma warning disable CS8500 // the context lives on this stack frame, which waits for the parts: its reference stays rooted
        WorkSplit.Run(&FillPart, &work, WorkSplit.Parts(Length, ParallelFillElements / 2));
#pragma warning restore CS8500
    }

    /// <summary>Tensors of at least this many elements are filled in parallel.</summary>
    private const long ParallelFillElements = 1L << 20;

    private struct FillWork
    {
        public FloatTensor FloatTensor;
        public float Value;
    }

    private static unsafe void FillPart(void* context, int part, int parts)
    {
#pragma warning disable CS8500 // see Fill
        ref var w = ref Unsafe.AsRef<FillWork>(context);
#pragma warning restore CS8500
        var (start, end) = WorkSplit.Range(w.FloatTensor.Length, part, parts);
        while (start < end)
        {
            var span = w.FloatTensor.RestOfChunk(start);
            var n = (int)Math.Min(span.Length, end - start);
            span[..n].Fill(w.Value);
            start += n;
        }
    }

    /// <summary>Copies all elements, flat row-major, into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<float> destination)
    {
        if (destination.Length < Length)
        {
            throw new ArgumentException($"Destination holds {destination.Length} elements; {Length} are needed.", nameof(destination));
        }

        var pos = 0;
        for (var i = 0; i < _chunkCount; i++)
        {
            var c = Chunk(i);
            c.CopyTo(destination[pos..]);
            pos += c.Length;
        }
    }

    /// <summary>Overwrites all elements, flat row-major, from <paramref name="source"/> (length must equal <see cref="Length"/>).</summary>
    public void CopyFrom(ReadOnlySpan<float> source)
    {
        if (source.Length != Length)
        {
            throw new ArgumentException($"Source holds {source.Length} elements; the tensor has {Length}.", nameof(source));
        }

        var pos = 0;
        for (var i = 0; i < _chunkCount; i++)
        {
            var c = Chunk(i);
            source.Slice(pos, c.Length).CopyTo(c);
            pos += c.Length;
        }
    }

    /// <summary>Copies the elements into a new array (only for tensors that fit in one array).</summary>
    public float[] ToArray()
    {
        if (Length > Array.MaxLength)
        {
            throw new InvalidOperationException($"A tensor of {Length} elements does not fit in one array.");
        }

        var result = new float[Length];
        CopyTo(result);
        return result;
    }

    /// <summary>A deep copy with the same shape.</summary>
    public FloatTensor Clone()
    {
        var t = new FloatTensor(_shape, _chunkElements); // managed, same chunking even when this one is external
        for (var c = 0; c < _chunkCount; c++)
        {
            Chunk(c).CopyTo(t.Chunk(c));
        }

        return t;
    }

    /// <summary>Writes <paramref name="values"/> at flat offset <paramref name="start"/>, across chunks if needed.</summary>
    public void WriteFlat(long start, ReadOnlySpan<float> values)
    {
        if (start < 0 || start + values.Length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Writing {values.Length} elements at {start} overruns a tensor of {Length}.");
        }

        while (!values.IsEmpty)
        {
            var target = RestOfChunk(start);
            var n = Math.Min(values.Length, target.Length);
            values[..n].CopyTo(target);
            values = values[n..];
            start += n;
        }
    }

    /// <summary>The elements from flat offset <paramref name="flat"/> to the end of the chunk that holds it.</summary>
    private Span<float> RestOfChunk(long flat)
    {
        var chunk = (int)(flat / _chunkElements);
        return Chunk(chunk)[(int)(flat - (chunk * _chunkElements))..];
    }

    /// <summary>Reads elements from flat offset <paramref name="start"/> into <paramref name="destination"/>, across chunks if needed.</summary>
    public void ReadFlat(long start, Span<float> destination)
    {
        if (start < 0 || start + destination.Length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Reading {destination.Length} elements at {start} overruns a tensor of {Length}.");
        }

        while (!destination.IsEmpty)
        {
            var source = RestOfChunk(start);
            var n = Math.Min(destination.Length, source.Length);
            source[..n].CopyTo(destination);
            destination = destination[n..];
            start += n;
        }
    }

    /// <summary>Multiplies every element by <paramref name="factor"/> (one float rounding per element).</summary>
    public void Scale(float factor)
    {
        for (var i = 0; i < _chunkCount; i++)
        {
            var c = Chunk(i);
            TensorPrimitives.Multiply(c, factor, c);
        }
    }

    /// <summary>Summary statistics over all elements: mean and population std computed in double, min and max.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    public TensorStatistics Statistics()
    {
        double sum = 0, sumSq = 0;
        var min = float.PositiveInfinity;
        var max = float.NegativeInfinity;
        for (var k = 0; k < _chunkCount; k++)
        {
            var c = Chunk(k);
            if (c.Length == 0)
            {
                continue;
            }

            // Chunk sums in double keep 10^9-element tensors accurate without a per-element branch.
            for (var i = 0; i < c.Length; i += 4096)
            {
                var block = c.Slice(i, Math.Min(4096, c.Length - i));
                float s = TensorPrimitives.Sum(block), q = TensorPrimitives.SumOfSquares(block);
                sum += s;
                sumSq += q;
            }

            min = Math.Min(min, TensorPrimitives.Min(c));
            max = Math.Max(max, TensorPrimitives.Max(c));
        }

        if (Length == 0)
        {
            return new TensorStatistics(0, double.NaN, double.NaN, float.NaN, float.NaN);
        }

        var mean = sum / Length;
        var variance = Math.Max(0, (sumSq / Length) - (mean * mean));
        return new TensorStatistics(Length, mean, Math.Sqrt(variance), min, max);
    }
}
