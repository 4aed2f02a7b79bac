using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using EmbedSharp.Numerics;

namespace EmbedSharp.Randomness;

/// <summary>
/// PyTorch's CPU float32 sampling kernels on a <see cref="Generator"/>: the same draws, in the same order,
/// with the same roundings as <c>FloatTensor.uniform_</c>, <c>FloatTensor.normal_</c> and <c>torch.randperm</c> in 1.13.
/// </summary>
public static class Distributions
{
    private const int BlockElements = 4096; // super-block for cache-friendly draw-then-transform; a multiple of 16

    /// <summary>Fills with U(from, to) as <c>uniform_(from, to)</c>: from and to are rounded to float, then
    /// value = fma(u, to − from, from) with u = (random() mod 2^24)·2^−24, one draw per element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    public static void Uniform(Generator generator, Span<float> destination, double from, double to)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var lo = (float)from;
        var range = (float)to - lo;
        var bits = Generator.AsBits(destination);
        generator.Random(bits);
        var scale = Vector256.Create(1.0f / (1 << 24));
        var mask = Vector256.Create(0xFFFFFFu);
        var rangeV = Vector256.Create(range);
        var loV = Vector256.Create(lo);
        var i = 0;
        for (; i + 8 <= bits.Length; i += 8)
        {
            var u = Vector256.ConvertToSingle((Vector256.Create<uint>(bits.Slice(i, 8)) & mask).AsInt32()) * scale;
            Vector256.FusedMultiplyAdd(u, rangeV, loV).CopyTo(destination.Slice(i, 8));
        }

        for (; i < bits.Length; i++)
        {
            var u = (bits[i] & 0xFFFFFF) * (1.0f / (1 << 24));
            destination[i] = MathF.FusedMultiplyAdd(u, range, lo);
        }
    }

    /// <summary>Fills a tensor with U(from, to) in row-major order, as <see cref="Uniform(Generator, Span{float}, double, double)"/>.</summary>
    public static void Uniform(Generator generator, FloatTensor tensor, double from, double to)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        for (var c = 0; c < tensor.ChunkCount; c++)
        {
            Uniform(generator, tensor.Chunk(c), from, to);
        }
    }

    /// <summary>Fills a contiguous float32 tensor of <c>destination.Length</c> elements with N(mean, std²) exactly as
    /// <c>normal_(mean, std)</c>: with 16 or more elements, the vectorised Box–Muller over blocks of 16 uniforms
    /// (and, when the length is not a multiple of 16, 16 fresh uniforms recomputing the last 16 elements);
    /// with fewer, the scalar double path value = (float)fma(z, std, mean) that shares the generator's cached normal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    public static void Normal(Generator generator, Span<float> destination, double mean, double std) =>
        Normal(generator, destination, mean, std, pipelined: WorkSplit.MaxParts >= 2);

    /// <summary><see cref="Normal(Generator, Span{float}, double, double)"/>, with the draw overlapped with the transform
    /// (<see cref="NormalPipelined"/>) when <paramref name="pipelined"/> and there are at least two pipeline blocks;
    /// the values are the same either way (tests run both).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Normal(Generator generator, Span<float> destination, double mean, double std, bool pipelined)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var n = destination.Length;
        if (n < 16)
        {
            NormalScalar(generator, destination, mean, std);
            return;
        }

        var meanF = (float)mean;
        var stdF = (float)std;
        var full = n - (n % 16);
        if (pipelined && full >= 2 * PipelineBlock)
        {
            NormalPipelined(generator, destination[..full], meanF, stdF);
        }
        else
        {
            for (var i = 0; i < full; i += BlockElements)
            {
                var block = destination.Slice(i, Math.Min(BlockElements, full - i));
                Uniform(generator, block, 0.0, 1.0);
                NormalKernel.TransformBlocks(block, meanF, stdF);
            }
        }

        if (full != n)
        {
            // PyTorch first draws uniforms for the leftover elements, then overwrites the last 16 with fresh ones.
            Uniform(generator, destination[full..], 0.0, 1.0);
            var tail = destination[(n - 16)..];
            Uniform(generator, tail, 0.0, 1.0);
            NormalKernel.TransformBlocks(tail, meanF, stdF);
        }
    }

    /// <summary>Floats drawn while the previous block is transformed (a multiple of 16).</summary>
    internal const int PipelineBlock = 1 << 14;

    /// <summary>Floats a thread transforms at a time (a multiple of 16).</summary>
    private const int PipelineSubBlock = 1 << 11;

    private unsafe struct NormalPipeWork
    {
        public Generator Generator;
        public float* Data;
        public int Current;     // the block being transformed: [Current, CurrentEnd)
        public int CurrentEnd;
        public int NextEnd;     // the block drawn meanwhile: [CurrentEnd, NextEnd), empty at the end
        public int Claimed;     // sub-blocks of the current block taken so far
        public float Mean;
        public float Std;
    }

    /// <summary>
    /// The blocks of 16 of <paramref name="data"/> (a multiple of 16 long) drawn and transformed at the same time: the
    /// uniforms come from one MT19937 stream (serial, about 40 % of the work), so while one thread draws block k + 1 both
    /// transform block k, claiming sub-blocks from a counter (the drawing thread joins when it is done). The stream is
    /// consumed in the order of one uniform fill over the span (one draw per element, in order), and each block of 16 is
    /// transformed from its own uniforms only, so the values are those of drawing everything first, for any thread
    /// count; only one thread touches the generator at a time (each step is joined before the next).
    /// <para>The same pipeline as <c>Init.TruncNormalPipelined</c> with another transform. One shared helper that called
    /// the transform through a function pointer was measured slower in both uses (interleaved processes: trunc_normal_
    /// 50000×300 29 → 39–41 ms, normal_ 13 → 14.5–16.5 ms; cause not found), so each keeps its own copy.</para>
    /// </summary>
#pragma warning disable CS8500 // the work struct (holding the generator) lives on this thread's stack, which waits: it stays rooted
    private static unsafe void NormalPipelined(Generator generator, Span<float> data, float mean, float std)
    {
        var n = data.Length;
        Uniform(generator, data[..Math.Min(n, PipelineBlock)], 0.0, 1.0);
        fixed (float* p = data)
        {
            var work = new NormalPipeWork { Generator = generator, Data = p, Mean = mean, Std = std };
            for (var start = 0; start < n; start += PipelineBlock)
            {
                work.Current = start;
                work.CurrentEnd = Math.Min(n, start + PipelineBlock);
                work.NextEnd = Math.Min(n, work.CurrentEnd + PipelineBlock);
                work.Claimed = 0;
                WorkSplit.Run(&NormalPipePart, &work, 2);
            }
        }
    }
#pragma warning restore CS8500

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void NormalPipePart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<NormalPipeWork>(context);
        if (part == 0 && w.NextEnd > w.CurrentEnd)
        {
            Uniform(w.Generator, new Span<float>(w.Data + w.CurrentEnd, w.NextEnd - w.CurrentEnd), 0.0, 1.0);
        }

        while (true)
        {
            var s = w.Current + ((Interlocked.Increment(ref w.Claimed) - 1) * PipelineSubBlock);
            if (s >= w.CurrentEnd)
            {
                return;
            }

            NormalKernel.TransformBlocks(new Span<float>(w.Data + s, Math.Min(PipelineSubBlock, w.CurrentEnd - s)), w.Mean, w.Std);
        }
    }

    /// <summary>Fills a tensor with N(mean, std²) exactly as <c>normal_(mean, std)</c> on a contiguous tensor,
    /// including tensors stored in several chunks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    public static void Normal(Generator generator, FloatTensor tensor, double mean, double std)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.IsSingleChunk)
        {
            Normal(generator, tensor.AsSpan(), mean, std);
            return;
        }

        // Chunked storage: blocks of 16 may straddle chunks, so draw into a scratch buffer and copy out.
        var n = tensor.Length;
        var meanF = (float)mean;
        var stdF = (float)std;
        var full = n - (n % 16);
        var scratch = new float[BlockElements];
        for (long i = 0; i < full; i += BlockElements)
        {
            var block = scratch.AsSpan(0, (int)Math.Min(BlockElements, full - i));
            Uniform(generator, block, 0.0, 1.0);
            NormalKernel.TransformBlocks(block, meanF, stdF);
            tensor.WriteFlat(i, block);
        }

        if (full != n)
        {
            var leftovers = scratch.AsSpan(0, (int)(n - full));
            Uniform(generator, leftovers, 0.0, 1.0);
            var tail = scratch.AsSpan(0, 16);
            Uniform(generator, tail, 0.0, 1.0);
            NormalKernel.TransformBlocks(tail, meanF, stdF);
            tensor.WriteFlat(n - 16, tail);
        }
    }

    /// <summary>The scalar path of <c>normal_</c> (fewer than 16 elements or non-contiguous in PyTorch): each value is
    /// (float)fma(z, std, mean) in double, z from <see cref="Generator.NextStandardNormal"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    public static void NormalScalar(Generator generator, Span<float> destination, double mean, double std)
    {
        ArgumentNullException.ThrowIfNull(generator);
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)Math.FusedMultiplyAdd(generator.NextStandardNormal(), std, mean);
        }
    }

    /// <summary>The smallest n for which PyTorch 2.x's <c>randperm</c> switches to the inside-out shuffle:
    /// (2³² − 1) / 20.</summary>
    public const int RandpermInsideOutThreshold = 214_748_364;

    /// <summary>A random permutation of 0..n−1 as <c>torch.randperm(n)</c>. Below
    /// <see cref="RandpermInsideOutThreshold"/> (and for every n with <see cref="PyTorchVersion.V1_13"/>): start from the
    /// identity, then for i = 0..n−2 swap r[i] with r[i + random() mod (n − i)] (n − 1 draws). From it on with
    /// <see cref="PyTorchVersion.V2"/>: for i = 0..n−1, z = random64() mod (i + 1), r[i] = r[z], r[z] = i (2n draws).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    public static void Randperm(Generator generator, Span<long> destination)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var n = destination.Length;
        if (n >= RandpermInsideOutThreshold && generator.Version >= PyTorchVersion.V2)
        {
            RandpermInsideOut(generator, destination);
            return;
        }

        for (var i = 0; i < n; i++)
        {
            destination[i] = i;
        }

        for (var i = 0; i < n - 1; i++)
        {
            var z = (int)(generator.Random() % (uint)(n - i));
            (destination[i], destination[i + z]) = (destination[i + z], destination[i]);
        }
    }

    /// <summary>PyTorch 2.x's shuffle for large n (<c>randperm_cpu</c>, the "inside-out" Fisher–Yates variant).</summary>
    internal static void RandpermInsideOut(Generator generator, Span<long> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            var z = (int)(generator.Random64() % (ulong)(i + 1));
            destination[i] = destination[z];
            destination[z] = i;
        }
    }

    /// <summary>Returns <c>torch.randperm(n)</c> as a new array.</summary>
    public static long[] Randperm(Generator generator, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var r = new long[n];
        Randperm(generator, r);
        return r;
    }
}
