using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

#pragma warning disable CS8500 // the pipeline work struct (with its generator) lives on the caller's stack, which waits

namespace EmbedSharp.Initialization;

/// <summary>
/// Weight initialisers: the whole <c>torch.nn.init</c> set, reproducing PyTorch 1.13's CPU float32 bits for the same
/// seed and call sequence (orthogonal within (32 + max(rows, cols))·2⁻²⁴·max(1, gain)), plus the Keras/Flax extras. Every method fills the tensor in
/// place and returns it. The bits equal PyTorch's when the source is a <see cref="Generator"/>; any other
/// <see cref="IRandomSource"/> (such as the parallel Philox generator) gives the same distributions, not the same bits. Fans follow PyTorch's weight layout (out, in, *kernel): fan_in = shape[1]·Π shape[2..],
/// fan_out = shape[0]·Π shape[2..].
/// </summary>
public static class Init
{
    /// <summary>Fills from U(a, b). torch: <c>uniform_(tensor, a=0, b=1)</c>.</summary>
    public static FloatTensor Uniform(FloatTensor tensor, IRandomSource generator, double a = 0.0, double b = 1.0)
    {
        Check(tensor, generator);
        CheckFinite(a, nameof(a));
        CheckFinite(b, nameof(b));
        if (a > b)
        {
            throw new ArgumentException($"uniform expects a [a, b) range, but found a = {a} > b = {b}.", nameof(a));
        }

        if ((float)b - (float)a > float.MaxValue)
        {
            throw new ArgumentException($"uniform expects b − a ≤ float.MaxValue, but found a = {a}, b = {b}.", nameof(b));
        }

        generator.Uniform(tensor, a, b);
        return tensor;
    }

    /// <summary>Fills from N(mean, std²). torch: <c>normal_(tensor, mean=0, std=1)</c>.</summary>
    public static FloatTensor Normal(FloatTensor tensor, IRandomSource generator, double mean = 0.0, double std = 1.0)
    {
        Check(tensor, generator);
        CheckFinite(mean, nameof(mean));
        CheckStd(std);
        generator.Normal(tensor, mean, std);
        return tensor;
    }

    /// <summary>Fills from N(mean, std²) truncated to [a, b] by inverse-CDF sampling: u ~ U(2Φ(α)−1, 2Φ(β)−1),
    /// x = clamp(erfinv(u)·std·√2 + mean, a, b), α = (a−mean)/std, β = (b−mean)/std.
    /// torch: <c>trunc_normal_(tensor, mean=0, std=1, a=-2, b=2)</c>; Keras/Flax: <c>truncated_normal</c> (there a, b are ±2σ).
    /// With a <see cref="Generator"/>, erfinv is the one of the build its <see cref="Generator.Build"/> names (MKL's for
    /// the official x86-64 wheels, the default; <c>calc_erfinv</c> for builds without MKL).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    public static FloatTensor TruncNormal(FloatTensor tensor, IRandomSource generator, double mean = 0.0, double std = 1.0, double a = -2.0, double b = 2.0)
    {
        Check(tensor, generator);
        CheckFinite(mean, nameof(mean));
        CheckFinite(a, nameof(a));
        CheckFinite(b, nameof(b));
        if (!(std > 0) || !double.IsFinite(std))
        {
            throw new ArgumentOutOfRangeException(nameof(std), $"trunc_normal expects a finite std > 0, but found std = {std}.");
        }

        if (a >= b)
        {
            throw new ArgumentException($"trunc_normal expects a < b, but found a = {a}, b = {b}.", nameof(a));
        }

        var lower = NormCdf((a - mean) / std);
        var upper = NormCdf((b - mean) / std);
        var scale = (float)(std * Math.Sqrt(2.0));
        var shift = (float)mean;
        var lo = (float)a;
        var hi = (float)b;
        var mkl = generator is Generator { Build: PyTorchBuild.Mkl };
        if (generator is Generator torchGenerator && WorkSplit.MaxParts >= 2 && tensor.Length > PipelineBlock) // one block: nothing to overlap
        {
            for (var c = 0; c < tensor.ChunkCount; c++)
            {
                TruncNormalPipelined(torchGenerator, tensor.Chunk(c), (2 * lower) - 1, (2 * upper) - 1, scale, shift, lo, hi, mkl);
            }

            return tensor;
        }

        generator.Uniform(tensor, (2 * lower) - 1, (2 * upper) - 1);
        for (var c = 0; c < tensor.ChunkCount; c++)
        {
            // No randomness from here on, so blocks can run on every core with results independent of the thread count.
            var chunk = tensor.Chunk(c);
            var blocks = (chunk.Length + TransformBlock - 1) / TransformBlock;
            if (blocks <= 1)
            {
                TruncNormalTransform(chunk, scale, shift, lo, hi, mkl);
                continue;
            }

            TruncNormalParallel(chunk, scale, shift, lo, hi, mkl);
        }

        return tensor;
    }

    private unsafe struct TruncNormalWork
    {
        public float* Data;
        public int Length;
        public float Scale;
        public float Shift;
        public float Lo;
        public float Hi;
        public bool Mkl;
    }

    /// <summary>The transform split over the library's spinning workers (<see cref="WorkSplit"/>), which start in
    /// microseconds and allocate nothing; the thread pool's Parallel.For could leave the second core idle for a scheduler
    /// tick on a loaded machine. Element-wise, so the result does not depend on the split.</summary>
    private static unsafe void TruncNormalParallel(Span<float> chunk, float scale, float shift, float lo, float hi, bool mkl)
    {
        fixed (float* data = chunk)
        {
            var work = new TruncNormalWork { Data = data, Length = chunk.Length, Scale = scale, Shift = shift, Lo = lo, Hi = hi, Mkl = mkl };
            WorkSplit.Run(&TruncNormalPart, &work, WorkSplit.Parts(chunk.Length, TransformBlock));
        }
    }

    private static unsafe void TruncNormalPart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<TruncNormalWork>(context);
        var (start, end) = WorkSplit.Range(w.Length, part, parts);
        TruncNormalTransform(new Span<float>(w.Data + start, (int)(end - start)), w.Scale, w.Shift, w.Lo, w.Hi, w.Mkl);
    }

    private unsafe struct TruncNormalPipeWork
    {
        public Generator Generator;
        public float* Data;
        public double From;
        public double To;
        public int Current;     // the block being transformed: [Current, CurrentEnd)
        public int CurrentEnd;
        public int NextEnd;     // the block drawn meanwhile: [CurrentEnd, NextEnd), empty at the end
        public int Claimed;     // sub-blocks of the current block taken so far
        public float Scale;
        public float Shift;
        public float Lo;
        public float Hi;
        public bool Mkl;
    }

    private const int PipelineBlock = 1 << 16; // floats drawn while the previous block is transformed
    private const int PipelineSubBlock = 1 << 12; // floats a thread transforms at a time

    /// <summary>
    /// trunc_normal_ on one chunk with a torch generator, drawing and transforming at the same time: the uniforms come
    /// from one MT19937 stream (serial, about a fifth of the work with the vector erfinv), so while one thread draws block
    /// k + 1 both transform block k, claiming sub-blocks from a counter (the drawing thread joins when it is done). The
    /// stream is consumed in the same order as one <see cref="Distributions.Uniform(Generator, Span{float}, double, double)"/>
    /// over the chunk (it is sequential in the elements), and the transform is element-wise, so the result is the same as
    /// drawing everything first, for any thread count; only one thread touches the generator at a time (each step is
    /// joined before the next).
    /// </summary>
    private static unsafe void TruncNormalPipelined(Generator generator, Span<float> chunk, double from, double to,
        float scale, float shift, float lo, float hi, bool mkl)
    {
        var n = chunk.Length;
        var first = Math.Min(n, PipelineBlock);
        Distributions.Uniform(generator, chunk[..first], from, to);
        fixed (float* data = chunk)
        {
            var work = new TruncNormalPipeWork
            {
                Generator = generator,
                Data = data,
                From = from,
                To = to,
                Scale = scale,
                Shift = shift,
                Lo = lo,
                Hi = hi,
                Mkl = mkl,
            };
            for (var start = 0; start < n; start += PipelineBlock)
            {
                work.Current = start;
                work.CurrentEnd = Math.Min(n, start + PipelineBlock);
                work.NextEnd = Math.Min(n, work.CurrentEnd + PipelineBlock);
                work.Claimed = 0;
                WorkSplit.Run(&TruncNormalPipePart, &work, 2);
            }
        }
    }

    private static unsafe void TruncNormalPipePart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<TruncNormalPipeWork>(context);
        if (part == 0 && w.NextEnd > w.CurrentEnd)
        {
            Distributions.Uniform(w.Generator, new Span<float>(w.Data + w.CurrentEnd, w.NextEnd - w.CurrentEnd), w.From, w.To);
        }

        while (true)
        {
            var s = w.Current + ((Interlocked.Increment(ref w.Claimed) - 1) * PipelineSubBlock);
            if (s >= w.CurrentEnd)
            {
                return;
            }

            TruncNormalTransform(new Span<float>(w.Data + s, Math.Min(PipelineSubBlock, w.CurrentEnd - s)), w.Scale, w.Shift, w.Lo, w.Hi, w.Mkl);
        }
    }

    private const int TransformBlock = 1 << 13; // 8192 floats: enough work per block to outweigh scheduling, small enough that 300×300 splits

    /// <summary>x ← clamp(erfinv(x)·scale + shift, lo, hi) with three separate roundings, as torch's erfinv_, mul_,
    /// add_ and clamp_ passes (clamp keeps NaN); erfinv as MKL builds compute it when <paramref name="mkl"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TruncNormalTransform(Span<float> span, float scale, float shift, float lo, float hi, bool mkl)
    {
        if (mkl)
        {
            ErfinvMkl.Erfinv(span, span);
        }
        else
        {
            SpecialFunctions.Erfinv(span, span);
        }

        var scaleV = Vector256.Create(scale);
        var shiftV = Vector256.Create(shift);
        var loV = Vector256.Create(lo);
        var hiV = Vector256.Create(hi);
        var i = 0;
        for (; i + 8 <= span.Length; i += 8)
        {
            var x = (Vector256.Create<float>(span.Slice(i, 8)) * scaleV) + shiftV;
            x = Vector256.ConditionalSelect(Vector256.LessThan(x, loV), loV, Vector256.ConditionalSelect(Vector256.GreaterThan(x, hiV), hiV, x));
            x.CopyTo(span.Slice(i, 8));
        }

        for (; i < span.Length; i++)
        {
            var x = (span[i] * scale) + shift;
            span[i] = x < lo ? lo : (x > hi ? hi : x);
        }
    }

    /// <summary>Fills with <paramref name="value"/>. torch: <c>constant_(tensor, val)</c>.</summary>
    public static FloatTensor Constant(FloatTensor tensor, float value)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.Fill(value);
        return tensor;
    }

    /// <summary>Fills with 1. torch: <c>ones_</c>.</summary>
    public static FloatTensor Ones(FloatTensor tensor) => Constant(tensor, 1f);

    /// <summary>Fills with 0. torch: <c>zeros_</c>.</summary>
    public static FloatTensor Zeros(FloatTensor tensor) => Constant(tensor, 0f);

    /// <summary>The 2-D identity: 1 where row = column, else 0 (non-square allowed). torch: <c>eye_</c>.</summary>
    public static FloatTensor Eye(FloatTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank != 2)
        {
            throw new ArgumentException($"eye: only tensors with 2 dimensions are supported; got shape {FloatTensor.FormatShape(tensor.Shape)}.", nameof(tensor));
        }

        tensor.Fill(0f);
        var n = Math.Min(tensor.Shape[0], tensor.Shape[1]);
        for (long i = 0; i < n; i++)
        {
            tensor.Row(i)[(int)i] = 1f;
        }

        return tensor;
    }

    /// <summary>Keras <c>Identity(gain)</c>: <paramref name="gain"/> times the 2-D identity. torch: <c>eye_</c> then <c>mul_(gain)</c>.</summary>
    public static FloatTensor Identity(FloatTensor tensor, double gain = 1.0)
    {
        CheckFinite(gain, nameof(gain));
        Eye(tensor);
        tensor.Scale((float)gain);
        return tensor;
    }

    /// <summary>The Dirac delta for convolution weights (out, in, *kernel) of rank 3–5: for each group g and
    /// d &lt; min(out/groups, in), w[g·out/groups + d, d, centre…] = 1, else 0; preserves the input of a convolution.
    /// torch: <c>dirac_(tensor, groups=1)</c>.</summary>
    public static FloatTensor Dirac(FloatTensor tensor, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank is < 3 or > 5)
        {
            throw new ArgumentException($"dirac: only tensors with 3, 4, or 5 dimensions are supported; got shape {FloatTensor.FormatShape(tensor.Shape)}.", nameof(tensor));
        }

        if (groups < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(groups), $"dirac: groups must be positive; got {groups}.");
        }

        var shape = tensor.Shape;
        if (shape[0] % groups != 0)
        {
            throw new ArgumentException($"dirac: dim 0 ({shape[0]}) must be divisible by groups ({groups}).", nameof(groups));
        }

        tensor.Fill(0f);
        var outPerGroup = shape[0] / groups;
        var minDim = Math.Min(outPerGroup, shape[1]);
        var index = new long[shape.Length];
        for (var d = 2; d < shape.Length; d++)
        {
            index[d] = shape[d] / 2;
        }

        for (long g = 0; g < groups; g++)
        {
            for (long d = 0; d < minDim; d++)
            {
                index[0] = (g * outPerGroup) + d;
                index[1] = d;
                tensor[index] = 1f;
            }
        }

        return tensor;
    }

    /// <summary>Fills from U(−a, a), a = gain·√(6/(fan_in + fan_out)). Glorot &amp; Bengio 2010.
    /// torch: <c>xavier_uniform_</c>; Keras/Flax: <c>glorot_uniform</c>.</summary>
    public static FloatTensor XavierUniform(FloatTensor tensor, IRandomSource generator, double gain = 1.0)
    {
        Check(tensor, generator);
        CheckFinite(gain, nameof(gain));
        var std = gain * Math.Sqrt(2.0 / XavierFanSum(tensor));
        var bound = Math.Sqrt(3.0) * std;
        generator.Uniform(tensor, -bound, bound);
        return tensor;
    }

    /// <summary>Fills from N(0, σ²), σ = gain·√(2/(fan_in + fan_out)). Glorot &amp; Bengio 2010.
    /// torch: <c>xavier_normal_</c>; Keras/Flax: <c>glorot_normal</c> is the truncated variant (see <see cref="VarianceScaling"/>).</summary>
    public static FloatTensor XavierNormal(FloatTensor tensor, IRandomSource generator, double gain = 1.0)
    {
        Check(tensor, generator);
        CheckFinite(gain, nameof(gain));
        var std = gain * Math.Sqrt(2.0 / XavierFanSum(tensor));
        generator.Normal(tensor, 0.0, std);
        return tensor;
    }

    /// <summary>Fills from U(−b, b), b = gain·√(3/fan), gain from <paramref name="nonlinearity"/> (default leaky ReLU with
    /// slope 0, i.e. √2). He et al. 2015. torch: <c>kaiming_uniform_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu')</c>,
    /// where <c>a</c> is <c>Nonlinearity.LeakyRelu(a)</c>; Keras/Flax: <c>he_uniform</c>. A tensor with no elements is left as is.</summary>
    public static FloatTensor KaimingUniform(FloatTensor tensor, IRandomSource generator, FanMode mode = FanMode.FanIn, Nonlinearity? nonlinearity = null)
    {
        Check(tensor, generator);
        if (tensor.Length == 0)
        {
            return tensor;
        }

        var std = (nonlinearity ?? Nonlinearity.LeakyRelu(0)).Gain / Math.Sqrt(KaimingFan(tensor, mode));
        var bound = Math.Sqrt(3.0) * std;
        generator.Uniform(tensor, -bound, bound);
        return tensor;
    }

    /// <summary>Fills from N(0, σ²), σ = gain/√fan, gain from <paramref name="nonlinearity"/> (default leaky ReLU with slope 0).
    /// He et al. 2015. torch: <c>kaiming_normal_</c>; Keras/Flax: <c>he_normal</c> is the truncated variant. A tensor with no
    /// elements is left as is.</summary>
    public static FloatTensor KaimingNormal(FloatTensor tensor, IRandomSource generator, FanMode mode = FanMode.FanIn, Nonlinearity? nonlinearity = null)
    {
        Check(tensor, generator);
        if (tensor.Length == 0)
        {
            return tensor;
        }

        var std = (nonlinearity ?? Nonlinearity.LeakyRelu(0)).Gain / Math.Sqrt(KaimingFan(tensor, mode));
        generator.Normal(tensor, 0.0, std);
        return tensor;
    }

    /// <summary>A (semi-)orthogonal matrix: draw N(0, 1) into (rows, numel/rows), QR-factorise (transposed when rows &lt; cols),
    /// fix signs so diag(R) &gt; 0, scale by <paramref name="gain"/>. Saxe et al. 2013. torch: <c>orthogonal_(tensor, gain=1)</c>
    /// (within (32 + max(rows, cols))·2⁻²⁴·max(1, gain) of torch 1.13 and libtorch 2.10, whose float32 LAPACK QRs differ from
    /// each other by as much: ours is the exact factor to within about 2⁻²⁸ before the one rounding to float, by Cholesky
    /// QR in double precision (a second pass, CholeskyQR2, for a less well-conditioned draw; Householder QR in double when
    /// Cholesky cannot be trusted or AVX2/FMA is missing); the bits do not depend on the thread count);
    /// Keras/Flax: <c>orthogonal</c>.</summary>
    public static FloatTensor Orthogonal(FloatTensor tensor, IRandomSource generator, double gain = 1.0)
    {
        Check(tensor, generator);
        CheckFinite(gain, nameof(gain));
        if (tensor.Rank < 2)
        {
            throw new ArgumentException($"orthogonal: only tensors with 2 or more dimensions are supported; got shape {FloatTensor.FormatShape(tensor.Shape)}.", nameof(tensor));
        }

        if (tensor.Length == 0)
        {
            return tensor;
        }

        var rows = tensor.Shape[0];
        var cols = tensor.Length / rows;
        if (rows * cols > Array.MaxLength)
        {
            throw new ArgumentException($"orthogonal: a {rows} × {cols} matrix is too large.", nameof(tensor));
        }

        if (tensor.Rank == 2 && tensor.IsSingleChunk)
        {
            // Already the (rows, cols) row-major matrix torch draws into: work in place, no copy.
            generator.Normal(tensor, 0.0, 1.0);
            OrthonormalFactor(tensor.AsSpan(), (int)rows, (int)cols);
        }
        else
        {
            var flat = new float[rows * cols]; // (rows, cols) row-major, as torch's fresh contiguous tensor
            generator.Normal(FloatTensor.FromArray(flat, rows, cols), 0.0, 1.0);
            OrthonormalFactor(flat, (int)rows, (int)cols);
            tensor.CopyFrom(flat);
        }

        if (gain != 1.0)
        {
            tensor.Scale((float)gain); // × 1 changes no bit: skipped
        }

        return tensor;
    }

    private static void OrthonormalFactor(Span<float> data, int rows, int cols)
    {
        if (!CholeskyQr.TryOrthonormalFactor(data, rows, cols, WorkSplit.MaxParts))
        {
            HouseholderQr.OrthonormalFactor(data, rows, cols);
        }
    }

    /// <summary>Fills with N(0, std²), then in each column zeroes the rows named by the first ⌈sparsity·rows⌉ entries of a
    /// fresh <c>randperm(rows)</c>. Martens 2010. torch: <c>sparse_(tensor, sparsity, std=0.01)</c> (2-D only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    public static FloatTensor Sparse(FloatTensor tensor, IRandomSource generator, double sparsity, double std = 0.01)
    {
        Check(tensor, generator);
        if (tensor.Rank != 2)
        {
            throw new ArgumentException($"sparse: only tensors with 2 dimensions are supported; got shape {FloatTensor.FormatShape(tensor.Shape)}.", nameof(tensor));
        }

        if (!(sparsity >= 0 && sparsity <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(sparsity), $"sparse: sparsity must lie in [0, 1]; got {sparsity}.");
        }

        CheckStd(std);
        var rows = tensor.Shape[0];
        var cols = tensor.Shape[1];
        if (rows > int.MaxValue)
        {
            throw new ArgumentException($"sparse: {rows} rows is more than randperm supports here.", nameof(tensor));
        }

        var numZeros = (long)Math.Ceiling(sparsity * rows);
        generator.Normal(tensor, 0.0, std);
        var perm = new long[rows];
        for (long c = 0; c < cols; c++)
        {
            generator.Randperm(perm);
            for (var k = 0; k < numZeros; k++)
            {
                tensor.Row(perm[k])[(int)c] = 0f;
            }
        }

        return tensor;
    }

    /// <summary>Keras/Flax <c>variance_scaling(scale, mode, distribution)</c>: n = fan_in, fan_out or their mean; truncated normal
    /// σ = √(scale/n)/0.87962566103423978 cut at ±2σ, untruncated normal σ = √(scale/n), or U(−l, l) with l = √(3·scale/n).
    /// Draws use PyTorch's kernels (<see cref="TruncNormal"/>, <see cref="Normal"/>, <see cref="Uniform"/>); fans use PyTorch's
    /// (out, in, *kernel) layout, not Keras's (…, in, out).</summary>
    public static FloatTensor VarianceScaling(FloatTensor tensor, IRandomSource generator, double scale = 1.0, FanMode mode = FanMode.FanIn,
        VarianceScalingDistribution distribution = VarianceScalingDistribution.TruncatedNormal)
    {
        Check(tensor, generator);
        if (!(scale > 0) || !double.IsFinite(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), $"variance_scaling: scale must be a finite positive number; got {scale}.");
        }

        var (fanIn, fanOut) = Fans(tensor.Shape);
        double n = mode switch
        {
            FanMode.FanIn => fanIn,
            FanMode.FanOut => fanOut,
            FanMode.FanAvg => (fanIn + fanOut) / 2.0,
            _ => throw new ArgumentOutOfRangeException(nameof(mode), $"Unsupported fan mode {mode}."),
        };
        var variance = scale / Math.Max(1.0, n);
        switch (distribution)
        {
            case VarianceScalingDistribution.TruncatedNormal:
                var std = Math.Sqrt(variance) / 0.87962566103423978;
                return TruncNormal(tensor, generator, 0.0, std, -2 * std, 2 * std);
            case VarianceScalingDistribution.UntruncatedNormal:
                return Normal(tensor, generator, 0.0, Math.Sqrt(variance));
            case VarianceScalingDistribution.Uniform:
                var limit = Math.Sqrt(3.0 * variance);
                return Uniform(tensor, generator, -limit, limit);
            default:
                throw new ArgumentOutOfRangeException(nameof(distribution), $"Unsupported distribution {distribution}.");
        }
    }

    /// <summary>Keras/Flax <c>lecun_uniform</c>: U(−l, l), l = √(3/fan_in). LeCun et al. 1998.</summary>
    public static FloatTensor LecunUniform(FloatTensor tensor, IRandomSource generator) =>
        VarianceScaling(tensor, generator, 1.0, FanMode.FanIn, VarianceScalingDistribution.Uniform);

    /// <summary>Keras/Flax <c>lecun_normal</c>: truncated normal with σ = √(1/fan_in)/0.8796… cut at ±2σ. LeCun et al. 1998.</summary>
    public static FloatTensor LecunNormal(FloatTensor tensor, IRandomSource generator) =>
        VarianceScaling(tensor, generator, 1.0, FanMode.FanIn, VarianceScalingDistribution.TruncatedNormal);

    /// <summary>The recommended gain for a nonlinearity. torch: <c>calculate_gain(nonlinearity, param)</c>.</summary>
    public static double CalculateGain(Nonlinearity nonlinearity) => nonlinearity.Gain;

    /// <summary>(fan_in, fan_out) of a weight of shape (out, in, *kernel): fan_in = in·Π kernel, fan_out = out·Π kernel.
    /// torch: <c>_calculate_fan_in_and_fan_out</c>.</summary>
    /// <exception cref="ArgumentException">The shape has fewer than 2 dimensions.</exception>
    public static (long FanIn, long FanOut) Fans(ReadOnlySpan<long> shape)
    {
        if (shape.Length < 2)
        {
            throw new ArgumentException(
                $"Fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape {FloatTensor.FormatShape(shape)}).", nameof(shape));
        }

        long receptive = 1;
        for (var d = 2; d < shape.Length; d++)
        {
            receptive *= shape[d];
        }

        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>Φ(x) = (1 + erf(x/√2))/2 in double, as torch's <c>norm_cdf</c>.</summary>
    private static double NormCdf(double x) => (1.0 + ErfDouble.Erf(x / Math.Sqrt(2.0))) / 2.0;

    private static double XavierFanSum(FloatTensor tensor)
    {
        var (fanIn, fanOut) = Fans(tensor.Shape);
        if (fanIn + fanOut == 0)
        {
            throw new ArgumentException($"xavier: fan_in + fan_out is 0 for shape {FloatTensor.FormatShape(tensor.Shape)}.", nameof(tensor));
        }

        return fanIn + fanOut;
    }

    private static double KaimingFan(FloatTensor tensor, FanMode mode)
    {
        var (fanIn, fanOut) = Fans(tensor.Shape);
        return mode switch
        {
            FanMode.FanIn => fanIn,
            FanMode.FanOut => fanOut,
            _ => throw new ArgumentOutOfRangeException(nameof(mode), $"kaiming: mode {mode} is not supported; use FanIn or FanOut."),
        };
    }

    private static void Check(FloatTensor tensor, IRandomSource generator)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(generator);
    }

    private static void CheckFinite(double value, string name)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, $"{name} must be finite; got {value}.");
        }
    }

    private static void CheckStd(double std)
    {
        if (!(std >= 0) || !double.IsFinite(std))
        {
            throw new ArgumentOutOfRangeException(nameof(std), $"normal expects a finite std >= 0, but found std = {std}.");
        }
    }
}
