using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

// softmax and log_softmax with ATen's CPU kernels' order (SoftMaxKernel.cpp, torch 1.13):
// - over the last dimension, per row: m = max, e = exp(x − m), s = the 8-lane sum of e (lane l adds the elements at
//   positions ≡ l mod 8 in order, the lanes then combined as AVX2's shuffle reduction: ((l0+l4)+(l2+l6))+((l1+l5)+(l3+l7));
//   rows shorter than 8 are summed in order), softmax = e · (1/s), log_softmax = (x − m) − log s;
// - over another dimension, per position of the other dimensions: max, e = exp(x − m) and s summed in order along the
//   dimension, softmax = e / s, log_softmax = (x − m) − log s.
// exp and log are taken in double and rounded once (closest to SLEEF's). The backward kernels use the same two orders: softmax: gx = (g − Σ g·y)·y (last dim) or y·(g − Σ g·y);
// log_softmax: gx = g − exp(y)·Σ g, with the multiply-adds fused where GCC fused them in torch's build.
public static partial class Ops
{
    private const int Lanes = 8; // AVX2 Vectorized<float>::size()

    /// <summary>softmax along <paramref name="dim"/>: yᵢ = exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x), the max subtracted
    /// first so that large logits do not overflow. torch: <c>torch.softmax(x, dim)</c> / <c>F.softmax</c>.
    /// Shape: any; the output has the input's shape.
    /// Backward: gx = y·(g − Σⱼ gⱼ·yⱼ) along <paramref name="dim"/>.</summary>
    /// <remarks>The sums follow ATen's CPU order (8 lanes over the last dimension, in order along another one) and the
    /// exponential is computed in double and rounded once, which agrees with torch's SLEEF exp in nearly every case; the
    /// results agree with torch within an ulp or two, most of them bit for bit (tests/data/autograd goldens). A row that
    /// is entirely −∞ gives NaN (as torch: exp(−∞ − (−∞))).</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is outside [−rank, rank).</exception>
    public static Variable Softmax(Variable x, int dim) => SoftmaxCore(x, dim, log: false);

    /// <summary>log softmax along <paramref name="dim"/>: yᵢ = (xᵢ − max x) − log Σⱼ exp(xⱼ − max x).
    /// torch: <c>torch.log_softmax(x, dim)</c> / <c>F.log_softmax</c>. Shape: any; the output has the input's shape.
    /// Backward: gx = g − exp(y)·Σⱼ gⱼ along <paramref name="dim"/>.</summary>
    /// <remarks>Same order and tolerance as <see cref="Softmax"/>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is outside [−rank, rank).</exception>
    public static Variable LogSoftmax(Variable x, int dim) => SoftmaxCore(x, dim, log: true);

    /// <summary>The forward kernel on raw data (also used by the losses in Nn.Functional): writes softmax or log_softmax
    /// of <paramref name="input"/> along <paramref name="dim"/> (already normalised) into <paramref name="output"/>.</summary>
    internal static void SoftmaxForward(FloatTensor input, FloatTensor output, int dim, bool log)
    {
        var (outer, size, inner) = SplitAt(input.Shape, dim);
        ReadOnlySpan<float> x = input.AsSpan();
        var y = output.AsSpan();
        if (size == 0 || outer == 0 || inner == 0)
        {
            return;
        }

        if (dim == input.Rank - 1 || input.Rank == 0)
        {
            // rows are independent and each is computed whole by one thread: the split cannot change a bit
            unsafe
            {
                fixed (float* px = x, py = y)
                {
                    var work = new RowsWork { X = px, Y = py, Rows = outer, Size = size, Log = log };
                    WorkSplit.Run(&SoftmaxRowsPart, &work, WorkSplit.Parts((long)outer * size, MinRowElementsPerPart));
                }
            }

            return;
        }

        var scratch = ArrayPool<float>.Shared.Rent(2 * inner);
        try
        {
            var max = scratch.AsSpan(0, inner);
            var sum = scratch.AsSpan(inner, inner);
            for (var o = 0; o < outer; o++)
            {
                var block = o * size * inner;
                x.Slice(block, inner).CopyTo(max);
                for (var d = 1; d < size; d++)
                {
                    TensorPrimitives.Max(max, x.Slice(block + (d * inner), inner), max);
                }

                sum.Clear();
                for (var d = 0; d < size; d++)
                {
                    var e = y.Slice(block + (d * inner), inner);
                    TensorPrimitives.Subtract(x.Slice(block + (d * inner), inner), max, e);
                    ExpD(e, e);
                    TensorPrimitives.Add(sum, e, sum);
                }

                if (log)
                {
                    LogD(sum);
                }

                for (var d = 0; d < size; d++)
                {
                    var row = y.Slice(block + (d * inner), inner);
                    if (log)
                    {
                        TensorPrimitives.Subtract(x.Slice(block + (d * inner), inner), max, row);
                        TensorPrimitives.Subtract(row, sum, row);
                    }
                    else
                    {
                        TensorPrimitives.Divide(row, sum, row);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>The backward kernel on raw data: gx from the output <paramref name="y"/> and its gradient.</summary>
    internal static void SoftmaxBackward(FloatTensor y, FloatTensor gradOutput, FloatTensor gradInput, int dim, bool log)
    {
        var (outer, size, inner) = SplitAt(y.Shape, dim);
        ReadOnlySpan<float> ys = y.AsSpan();
        ReadOnlySpan<float> g = gradOutput.AsSpan();
        var gx = gradInput.AsSpan();
        if (size == 0 || outer == 0 || inner == 0)
        {
            return;
        }

        if (dim == y.Rank - 1 || y.Rank == 0)
        {
            for (var r = 0; r < outer; r++)
            {
                var yr = ys.Slice(r * size, size);
                var gr = g.Slice(r * size, size);
                var dx = gx.Slice(r * size, size);
                if (log)
                {
                    LogSoftmaxBackwardRow(yr, gr, LaneSum(gr), dx);
                }
                else
                {
                    TensorPrimitives.Multiply(gr, yr, dx); // the products, rounded, then summed by lanes
                    var s = LaneSum(dx);
                    TensorPrimitives.Subtract(gr, s, dx);
                    TensorPrimitives.Multiply(dx, yr, dx);
                }
            }

            return;
        }

        var scratch = ArrayPool<float>.Shared.Rent(2 * inner);
        try
        {
            var sum = scratch.AsSpan(0, inner);
            var product = scratch.AsSpan(inner, inner);
            for (var o = 0; o < outer; o++)
            {
                var block = o * size * inner;
                sum.Clear();
                for (var d = 0; d < size; d++)
                {
                    var at = block + (d * inner);
                    if (log)
                    {
                        TensorPrimitives.Add(sum, g.Slice(at, inner), sum);
                    }
                    else
                    {
                        TensorPrimitives.FusedMultiplyAdd(g.Slice(at, inner), ys.Slice(at, inner), sum, sum);
                    }
                }

                for (var d = 0; d < size; d++)
                {
                    var at = block + (d * inner);
                    var dx = gx.Slice(at, inner);
                    if (log)
                    {
                        ExpD(ys.Slice(at, inner), dx);
                        TensorPrimitives.Negate(dx, dx);
                        TensorPrimitives.FusedMultiplyAdd(dx, sum, g.Slice(at, inner), dx);
                    }
                    else
                    {
                        TensorPrimitives.Subtract(g.Slice(at, inner), sum, dx);
                        TensorPrimitives.Multiply(ys.Slice(at, inner), dx, dx);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>ATen's <c>vec::reduce_all</c> of a sum with 8-float vectors: fewer than 8 values are added in order from
    /// the first; otherwise lane l accumulates the values at positions ≡ l (mod 8) in order, and the lanes are combined
    /// by AVX2's shuffle reduction (halves, then pairs, then neighbours).</summary>
    internal static float LaneSum(ReadOnlySpan<float> values)
    {
        var n = values.Length;
        if (n < Lanes)
        {
            var s = n == 0 ? 0f : values[0];
            for (var i = 1; i < n; i++)
            {
                s += values[i];
            }

            return s;
        }

        // one Vector256 add per 8 values: each lane's additions in the same order as lane-by-lane scalar code
        var acc = Vector256.Create(values[..Lanes]);
        var full = n - (n % Lanes);
        for (var i = Lanes; i < full; i += Lanes)
        {
            acc += Vector256.Create(values.Slice(i, Lanes));
        }

        Span<float> lane = stackalloc float[Lanes];
        acc.CopyTo(lane);

        for (var i = full; i < n; i++)
        {
            lane[i - full] += values[i];
        }

        float h0 = lane[0] + lane[4], h1 = lane[1] + lane[5], h2 = lane[2] + lane[6], h3 = lane[3] + lane[7];
        return (h0 + h2) + (h1 + h3);
    }

    /// <summary>eˣ of each value through double precision, rounded once: this equals SLEEF's float exp (what torch's
    /// vectorised kernels call) far more often than <c>TensorPrimitives.Exp</c> on floats does (measured on the goldens:
    /// 57 of 60 softmax outputs bit-equal against 18 of 60). <paramref name="x"/> and <paramref name="y"/> may be the
    /// same span.</summary>
    /// <remarks>Vectorised in blocks (<see cref="ExpDBlock"/>): widen to double, <c>TensorPrimitives.Exp</c> on doubles,
    /// round to float. For every one of the 2³² float inputs this gives the same bits as the scalar
    /// <c>(float)Math.Exp(x)</c> (checked exhaustively by <c>EmbedSharp.Bench expd-exhaustive</c>; NaN stays NaN), at a
    /// fraction of the time.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ExpD(ReadOnlySpan<float> x, Span<float> y)
    {
        Span<double> wide = stackalloc double[ExpBlock];
        for (var i = 0; i < x.Length; i += ExpBlock)
        {
            var n = Math.Min(ExpBlock, x.Length - i);
            ExpDBlock(x.Slice(i, n), y.Slice(i, n), wide);
        }
    }

    /// <summary>eˣ of one value, the scalar form <see cref="ExpD(ReadOnlySpan{float}, Span{float})"/> equals on every
    /// input.</summary>
    internal static float ExpD(float x) => (float)Math.Exp(x);

    /// <summary>Values per block of the double-precision exponential (a stack buffer of doubles).</summary>
    private const int ExpBlock = 256;

    /// <summary>eˣ through double of at most <see cref="ExpBlock"/> values (<paramref name="y"/> may be
    /// <paramref name="x"/>): widened exactly with <c>Vector256.Widen</c>, <c>TensorPrimitives.Exp</c> on the doubles,
    /// narrowed with round-to-nearest as the scalar cast. The conversions are written by hand because
    /// <c>TensorPrimitives.ConvertChecked</c> converts float to double one element at a time; the exponential stays
    /// TensorPrimitives' because <c>Vector256.Exp</c>, with the same bits, runs for its first few dozen calls as
    /// unoptimised generic code, several times slower.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ExpDBlock(ReadOnlySpan<float> x, Span<float> y, Span<double> wide)
    {
        var n = x.Length;
        var d = wide[..n];
        var full = n - (n % Lanes);
        for (var i = 0; i < full; i += Lanes)
        {
            var (lower, upper) = Vector256.Widen(Vector256.Create(x.Slice(i, Lanes)));
            lower.CopyTo(d.Slice(i, Lanes / 2));
            upper.CopyTo(d.Slice(i + (Lanes / 2), Lanes / 2));
        }

        for (var i = full; i < n; i++)
        {
            d[i] = x[i];
        }

        TensorPrimitives.Exp(d, d);
        for (var i = 0; i < full; i += Lanes)
        {
            Vector256.Narrow(Vector256.Create<double>(d.Slice(i, Lanes / 2)), Vector256.Create<double>(d.Slice(i + (Lanes / 2), Lanes / 2))).CopyTo(y.Slice(i, Lanes));
        }

        for (var i = full; i < n; i++)
        {
            y[i] = (float)d[i];
        }
    }

    /// <summary>Σ exp(xᵢ − shift) in <see cref="LaneSum"/>'s order, each exponential as
    /// <see cref="ExpD(ReadOnlySpan{float}, Span{float})"/>; the exponentials are also stored into <paramref name="e"/>
    /// unless it is empty. One pass over x: softmax's max-subtracted exponentials and their sum (and log_softmax's sum
    /// without storing them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float ExpSum(ReadOnlySpan<float> x, float shift, Span<float> e)
    {
        var n = x.Length;
        var store = !e.IsEmpty;
        Span<double> wide = stackalloc double[ExpBlock];
        Span<float> block = stackalloc float[ExpBlock];
        if (n < Lanes)
        {
            var few = block[..n];
            TensorPrimitives.Subtract(x, shift, few);
            ExpDBlock(few, few, wide);
            if (store)
            {
                few.CopyTo(e);
            }

            return LaneSum(few);
        }

        // lane l adds the values at positions ≡ l (mod 8) in order (blocks are whole vectors but the last), as LaneSum
        var full = n - (n % Lanes);
        var acc = Vector256<float>.Zero;
        Span<float> lane = stackalloc float[Lanes];
        for (var b = 0; b < n; b += ExpBlock)
        {
            var m = Math.Min(ExpBlock, n - b);
            var values = block[..m];
            TensorPrimitives.Subtract(x.Slice(b, m), shift, values);
            ExpDBlock(values, values, wide);
            if (store)
            {
                values.CopyTo(e.Slice(b, m));
            }

            var vectors = Math.Min(m, full - b);
            var i = 0;
            if (b == 0)
            {
                acc = Vector256.Create(values[..Lanes]);
                i = Lanes;
            }

            for (; i < vectors; i += Lanes)
            {
                acc += Vector256.Create(values.Slice(i, Lanes));
            }

            if (vectors < m)
            {
                acc.CopyTo(lane);
                for (var j = vectors; j < m; j++)
                {
                    lane[j - vectors] += values[j];
                }

                acc = Vector256.Create<float>(lane);
            }
        }

        acc.CopyTo(lane);
        float h0 = lane[0] + lane[4], h1 = lane[1] + lane[5], h2 = lane[2] + lane[6], h3 = lane[3] + lane[7];
        return (h0 + h2) + (h1 + h3);
    }

    /// <summary>y = (x − shift) − logSum, the two subtractions rounded apart (log_softmax's last step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SubtractTwice(ReadOnlySpan<float> x, float shift, float logSum, Span<float> y)
    {
        var n = x.Length;
        var full = n - (n % Lanes);
        Vector256<float> s = Vector256.Create(shift), l = Vector256.Create(logSum);
        for (var i = 0; i < full; i += Lanes)
        {
            ((Vector256.Create(x.Slice(i, Lanes)) - s) - l).CopyTo(y.Slice(i, Lanes));
        }

        for (var i = full; i < n; i++)
        {
            y[i] = (x[i] - shift) - logSum;
        }
    }

    /// <summary>log_softmax's backward over one row, dx = fma(exp(y), −s, g), s the row's sum of g; <paramref name="dx"/>
    /// may be the same span as <paramref name="y"/> (each block is read before it is written).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void LogSoftmaxBackwardRow(ReadOnlySpan<float> y, ReadOnlySpan<float> g, float s, Span<float> dx)
    {
        Span<double> wide = stackalloc double[ExpBlock];
        Span<float> e = stackalloc float[ExpBlock];
        for (var b = 0; b < y.Length; b += ExpBlock)
        {
            var m = Math.Min(ExpBlock, y.Length - b);
            var values = e[..m];
            ExpDBlock(y.Slice(b, m), values, wide);
            TensorPrimitives.FusedMultiplyAdd(values, -s, g.Slice(b, m), dx.Slice(b, m));
        }
    }

    /// <summary>log_softmax's backward over a row whose gradient is +0 everywhere but <paramref name="value"/> at
    /// <paramref name="target"/> (no exception when <paramref name="target"/> is −1): cross-entropy's row. The row's
    /// <see cref="LaneSum"/> is then value + 0 (−0 becomes +0), or the value alone in a row of one, and
    /// dx = fma(exp(y), −s, 0) off the target, fma(exp(y), −s, value) on it: the bits of
    /// <see cref="LogSoftmaxBackwardRow"/> over the formed row, without forming it. <paramref name="dx"/> may be the
    /// same span as <paramref name="y"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void LogSoftmaxBackwardOneHot(ReadOnlySpan<float> y, int target, float value, Span<float> dx)
    {
        var n = y.Length;
        var s = (n == 1 || value != 0f) ? value : 0f;
        var yt = target >= 0 ? y[target] : 0f; // read before the row is overwritten
        var ns = Vector256.Create(-s);
        Span<double> wide = stackalloc double[ExpBlock];
        Span<float> e = stackalloc float[ExpBlock];
        for (var b = 0; b < n; b += ExpBlock)
        {
            var m = Math.Min(ExpBlock, n - b);
            var values = e[..m];
            ExpDBlock(y.Slice(b, m), values, wide);
            var d = dx.Slice(b, m);
            var full = m - (m % Lanes);
            for (var i = 0; i < full; i += Lanes)
            {
                Vector256.FusedMultiplyAdd(Vector256.Create(values.Slice(i, Lanes)), ns, Vector256<float>.Zero).CopyTo(d.Slice(i, Lanes));
            }

            for (var i = full; i < m; i++)
            {
                d[i] = MathF.FusedMultiplyAdd(values[i], -s, 0f);
            }
        }

        if (target >= 0)
        {
            dx[target] = MathF.FusedMultiplyAdd(ExpD(yt), -s, value);
        }
    }

    private static void LogD(Span<float> v)
    {
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (float)Math.Log(v[i]);
        }
    }

    /// <summary>Elements per part below which a row-parallel kernel stays on one thread (about 0.1 ms of exponentials).</summary>
    internal const long MinRowElementsPerPart = 1L << 15;

    private unsafe struct RowsWork
    {
        public float* X;
        public float* Y;
        public int Rows;
        public int Size;
        public bool Log;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void SoftmaxRowsPart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<RowsWork>(context);
        var (start, end) = WorkSplit.Range(w.Rows, part, parts);
        for (var r = start; r < end; r++)
        {
            SoftmaxRow(new ReadOnlySpan<float>(w.X + (r * w.Size), w.Size), new Span<float>(w.Y + (r * w.Size), w.Size), w.Log);
        }
    }

    /// <summary>max of a row with torch.max's result: the vector maximum (vmaxps) when no value is NaN and the maximum
    /// is not zero; otherwise (NaN, or ±0 where the sign of the answer depends on IEEE's ordering of −0 and +0)
    /// <c>TensorPrimitives.Max</c>, whose value the rest of the row's arithmetic used before. Written by hand because
    /// TensorPrimitives.Max orders NaN and signed zeros on every vector and took as long as the exponentials.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float RowMax(ReadOnlySpan<float> x)
    {
        var n = x.Length;
        if (n < 2 * Lanes)
        {
            return TensorPrimitives.Max(x);
        }

        var full = n - (n % Lanes);
        var acc = Vector256.Create(x[..Lanes]);
        var ordered = Vector256.Equals(acc, acc);
        for (var i = Lanes; i < full; i += Lanes)
        {
            var v = Vector256.Create(x.Slice(i, Lanes));
            acc = Vector256.MaxNative(acc, v);
            ordered &= Vector256.Equals(v, v);
        }

        var m = acc[0];
        for (var l = 1; l < Lanes; l++)
        {
            m = acc[l] > m ? acc[l] : m;
        }

        var clean = ordered.ExtractMostSignificantBits() == 0xFFu;
        for (var i = full; i < n; i++)
        {
            clean &= !float.IsNaN(x[i]);
            m = x[i] > m ? x[i] : m;
        }

        return clean && m != 0f ? m : TensorPrimitives.Max(x);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SoftmaxRow(ReadOnlySpan<float> x, Span<float> y, bool log)
    {
        var max = RowMax(x);
        if (log)
        {
            // the exponentials are only summed: no store, then one pass for (x − max) − log s
            var logSum = (float)Math.Log(ExpSum(x, max, []));
            SubtractTwice(x, max, logSum, y);
        }
        else
        {
            var sum = ExpSum(x, max, y);
            TensorPrimitives.Multiply(y, 1f / sum, y);
        }
    }

    private static Variable SoftmaxCore(Variable x, int dim, bool log)
    {
        ArgumentNullException.ThrowIfNull(x);
        var d = NormalizeDim(dim, x.Shape.Length, log ? "log_softmax" : "softmax");
        var output = new FloatTensor(x.Shape);
        SoftmaxForward(x.Data, output, d, log);
        return Tracks(x.RequiresGrad) ? new Variable(output, new SoftmaxNode(x, output, d, log)) : new Variable(output);
    }

    /// <summary>A dimension in [−rank, rank) made non-negative (a 0-d tensor takes −1 and 0, as torch), or an error
    /// naming the op, the dimension and the rank.</summary>
    internal static int NormalizeDim(int dim, int rank, string op)
    {
        var r = Math.Max(rank, 1);
        if (dim < -r || dim >= r)
        {
            throw new ArgumentOutOfRangeException(nameof(dim), $"{op}: dimension {dim} is out of range for a tensor of rank {rank} (expected {-r}..{r - 1}).");
        }

        return dim < 0 ? dim + r : dim;
    }

    /// <summary>(product of the dimensions before <paramref name="dim"/>, its size, product of those after).</summary>
    internal static (int Outer, int Size, int Inner) SplitAt(ReadOnlySpan<long> shape, int dim)
    {
        if (shape.Length == 0)
        {
            return (1, 1, 1);
        }

        long outer = 1, inner = 1;
        for (var i = 0; i < dim; i++)
        {
            outer *= shape[i];
        }

        for (var i = dim + 1; i < shape.Length; i++)
        {
            inner *= shape[i];
        }

        return (checked((int)outer), checked((int)shape[dim]), checked((int)inner));
    }

    private sealed class SoftmaxNode(Variable x, FloatTensor y, int dim, bool log) : Node(x)
    {
        private FloatTensor? _y = y;

        public override string Name => log ? "LogSoftmaxBackward0" : "SoftmaxBackward0";

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var y = _y ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            var gx = NewGradient(y.Shape);
            SoftmaxBackward(y, gradOutput, gx, dim, log);
            gradInputs[0] = gx;
        }

        private protected override void ReleaseSaved() => _y = null;
    }
}
