using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

// layer_norm with ATen's CPU kernel (layer_norm_kernel.cpp and moments_utils.h, torch 1.13), per row of N values:
// - moments: Welford over 8 lanes in chunks of 16 vectors (lane update m1 += δ·(1/(j+1)), m2 += δ·(x − m1)), the chunks
//   merged pairwise through a binary counter stack, the tail (N mod 8 values) by scalar Welford, then the 8 lanes merged
//   into the tail's moments one by one (Chan's merge: m1 += c·δ, m2 += m2' + δ²·c·m0 with c = m0'/(m0 + m0'));
//   var = m2 / N (biased);
// - rstd = 1 / √(var + eps); y = (x·rstd + (−rstd·mean))·γ + β;
// - the multiply-adds that GCC contracted into FMA in torch's build (-mfma, fp-contract=fast) are fused here too
//   (MathF.FusedMultiplyAdd); with them, the goldens are reproduced bit for bit, forward and backward;
// - backward: ds = Σ dy·x·γ and db = Σ dy·γ (8-lane sums), b = (db·mean − ds)·rstd³/N, c = −b·mean − db·rstd/N,
//   dx = rstd·dy·γ + b·x + c; dγ = Σ_rows dy·(rstd·x − rstd·mean) and dβ = Σ_rows dy, rows added in order.
public static partial class Ops
{
    private const int MomentChunk = 16; // vectors per Welford chunk (ATen's kChunkSize)

    /// <summary>Layer normalisation over the last dimensions: y = (x − E[x]) / √(Var[x] + eps) · weight + bias, the mean
    /// and the biased variance taken over the trailing <paramref name="normalizedShape"/> of each sample.
    /// torch: <c>F.layer_norm(x, normalized_shape, weight, bias, eps)</c>.
    /// Shape: x (*, normalizedShape…); weight and bias normalizedShape (or null: 1 and 0); output as x.
    /// Backward (x̂ = (x − mean)·rstd, N the normalised size): gx = rstd·(g·w − mean(g·w) − x̂·mean(g·w·x̂)),
    /// gweight = Σ g·x̂, gbias = Σ g over the leading dimensions.</summary>
    /// <remarks>The moments use ATen's Welford order (so a large common offset does not cancel) and the normalisation
    /// its rounding steps, fused multiply-adds included: on the torch 1.13 goldens the results, forward and gradients,
    /// are bit-identical to torch's.</remarks>
    /// <exception cref="ArgumentException">The normalised shape is empty or is not the end of x's shape, or weight or
    /// bias does not have the normalised shape; the message names the shapes.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="eps"/> is negative or not finite.</exception>
    public static Variable LayerNorm(Variable x, long[] normalizedShape, Variable? weight = null, Variable? bias = null, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(normalizedShape);
        var shape = x.Shape;
        if (normalizedShape.Length == 0 || normalizedShape.Length > shape.Length || !shape[^normalizedShape.Length..].SequenceEqual(normalizedShape))
        {
            throw new ArgumentException($"layer_norm: normalized shape {FloatTensor.FormatShape(normalizedShape)} is not the end of the input's shape {FloatTensor.FormatShape(shape)}.", nameof(normalizedShape));
        }

        foreach (var (p, what) in new[] { (weight, "weight"), (bias, "bias") })
        {
            if (p is not null && !p.Shape.SequenceEqual(normalizedShape))
            {
                throw new ArgumentException($"layer_norm: {what} has shape {FloatTensor.FormatShape(p.Shape)}; the normalized shape is {FloatTensor.FormatShape(normalizedShape)}.", what);
            }
        }

        if (!(eps >= 0) || double.IsInfinity(eps))
        {
            throw new ArgumentOutOfRangeException(nameof(eps), $"layer_norm: eps must be a finite non-negative number; got {eps}.");
        }

        long n = 1;
        foreach (var d in normalizedShape)
        {
            n *= d;
        }

        var rows = n == 0 ? 0 : (int)(x.Data.Length / n);
        var output = new FloatTensor(shape);
        var mean = new float[rows];
        var rstd = new float[rows];
        ReadOnlySpan<float> xs = x.Data.AsSpan();
        ReadOnlySpan<float> gamma = weight is null ? default : weight.Data.AsSpan();
        ReadOnlySpan<float> beta = bias is null ? default : bias.Data.AsSpan();
        var ys = output.AsSpan();
        var cols = (int)n;
        for (var r = 0; r < rows; r++)
        {
            var row = xs.Slice(r * cols, cols);
            var (m, v) = RowMoments(row);
            var s = 1f / MathF.Sqrt(Math.Max(v, 0f) + (float)eps);
            var shift = -s * m;
            var y = ys.Slice(r * cols, cols);
            for (var j = 0; j < cols; j++)
            {
                var z = MathF.FusedMultiplyAdd(row[j], s, shift);
                if (!gamma.IsEmpty && !beta.IsEmpty)
                {
                    z = MathF.FusedMultiplyAdd(z, gamma[j], beta[j]);
                }
                else if (!gamma.IsEmpty)
                {
                    z *= gamma[j];
                }
                else if (!beta.IsEmpty)
                {
                    z += beta[j];
                }

                y[j] = z;
            }

            mean[r] = m;
            rstd[r] = s;
        }

        var requires = x.RequiresGrad || (weight?.RequiresGrad ?? false) || (bias?.RequiresGrad ?? false);
        if (!Tracks(requires))
        {
            return new Variable(output);
        }

        Variable[] inputs = [x, .. weight is null ? Array.Empty<Variable>() : [weight], .. bias is null ? Array.Empty<Variable>() : [bias]];
        return new Variable(output, new LayerNormNode(inputs, x.Data, weight?.Data, mean, rstd, [.. normalizedShape], weight is not null, bias is not null));
    }

    /// <summary>(mean, biased variance) of one row in ATen's <c>RowwiseMoments</c> order for float (8 lanes).</summary>
    internal static (float Mean, float Variance) RowMoments(ReadOnlySpan<float> x)
    {
        var total = x.Length;
        var vectors = total / Lanes;
        var chunks = (vectors + MomentChunk - 1) / MomentChunk;
        var depth = 0;
        while ((1 << depth) < chunks)
        {
            depth++;
        }

        var levels = Math.Max(depth, 1);
        Span<long> count = stackalloc long[levels];
        Span<float> m1 = stackalloc float[levels * Lanes];
        Span<float> m2 = stackalloc float[levels * Lanes];
        count.Clear();
        m1.Clear();
        m2.Clear();
        Span<float> a1 = stackalloc float[Lanes];
        Span<float> a2 = stackalloc float[Lanes];
        for (var i = 0; i < chunks; i++)
        {
            var m0 = Math.Min(MomentChunk, vectors - (i * MomentChunk));
            a1.Clear();
            a2.Clear();
            for (var j = 0; j < m0; j++)
            {
                var c = 1f / (j + 1);
                var at = ((i * MomentChunk) + j) * Lanes;
                for (var l = 0; l < Lanes; l++)
                {
                    var v = x[at + l];
                    var delta = v - a1[l];
                    a1[l] += delta * c;
                    a2[l] += delta * (v - a1[l]);
                }
            }

            MergeLanes(m0, a1, a2, ref count[0], m1[..Lanes], m2[..Lanes]);
            var mask = i + 1;
            for (var j = 1; j < depth && (mask & 1) == 0; j++)
            {
                MergeLanes(count[j - 1], m1.Slice((j - 1) * Lanes, Lanes), m2.Slice((j - 1) * Lanes, Lanes), ref count[j], m1.Slice(j * Lanes, Lanes), m2.Slice(j * Lanes, Lanes));
                count[j - 1] = 0;
                m1.Slice((j - 1) * Lanes, Lanes).Clear();
                m2.Slice((j - 1) * Lanes, Lanes).Clear();
                mask >>= 1;
            }
        }

        for (var i = 1; i < depth; i++)
        {
            MergeLanes(count[i], m1.Slice(i * Lanes, Lanes), m2.Slice(i * Lanes, Lanes), ref count[0], m1[..Lanes], m2[..Lanes]);
        }

        long n0 = 0;
        float mean = 0, m2s = 0;
        for (var i = vectors * Lanes; i < total; i++)
        {
            var delta = x[i] - mean;
            n0++;
            mean += delta / n0;
            m2s += delta * (x[i] - mean);
        }

        for (var l = 0; l < Lanes; l++)
        {
            Merge(vectors, m1[l], m2[l], ref n0, ref mean, ref m2s);
        }

        return (mean, m2s / total);
    }

    private static void MergeLanes(long addCount, ReadOnlySpan<float> addM1, ReadOnlySpan<float> addM2, ref long count, Span<float> m1, Span<float> m2)
    {
        var n = count + addCount;
        var c = n == 0 ? 0f : addCount / (float)n;
        for (var l = 0; l < Lanes; l++)
        {
            var delta = addM1[l] - m1[l];
            m1[l] += c * delta;
            m2[l] += addM2[l] + (delta * delta * c * count);
        }

        count = n;
    }

    private static void Merge(long addCount, float addM1, float addM2, ref long count, ref float m1, ref float m2)
    {
        var n = count + addCount;
        var c = n == 0 ? 0f : addCount / (float)n;
        var delta = addM1 - m1;
        m1 += c * delta;
        m2 += addM2 + (delta * delta * c * count);
        count = n;
    }

    private sealed class LayerNormNode(Variable[] inputs, FloatTensor x, FloatTensor? gamma, float[] mean, float[] rstd, long[] normalizedShape, bool hasWeight, bool hasBias)
        : Node(inputs)
    {
        private FloatTensor? _x = x;
        private FloatTensor? _gamma = gamma;

        public override string Name => "NativeLayerNormBackward0";

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var x = _x ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            ReadOnlySpan<float> xs = x.AsSpan();
            ReadOnlySpan<float> dy = gradOutput.AsSpan();
            ReadOnlySpan<float> gamma = _gamma is null ? default : _gamma.AsSpan();
            var rows = mean.Length;
            var cols = rows == 0 ? 0 : (int)(x.Length / rows);
            var wantX = Inputs[0].RequiresGrad;
            var wantW = hasWeight && Inputs[1].RequiresGrad;
            var wantB = hasBias && Inputs[hasWeight ? 2 : 1].RequiresGrad;
            var gx = wantX ? NewGradient(x.Shape) : null;
            var gw = wantW ? NewGradient(normalizedShape) : null;
            var gb = wantB ? NewGradient(normalizedShape) : null;
            var scale = 1f / cols;
            Span<float> product = cols <= 1024 ? stackalloc float[cols] : new float[cols];
            for (var r = 0; r < rows; r++)
            {
                var xr = xs.Slice(r * cols, cols);
                var gr = dy.Slice(r * cols, cols);
                float a = rstd[r], m = mean[r];
                if (gw is not null)
                {
                    var shift = -a * m;
                    var w = gw.AsSpan();
                    for (var j = 0; j < cols; j++)
                    {
                        w[j] = MathF.FusedMultiplyAdd(gr[j], MathF.FusedMultiplyAdd(a, xr[j], shift), w[j]);
                    }
                }

                if (gb is not null)
                {
                    System.Numerics.Tensors.TensorPrimitives.Add(gb.AsSpan(), gr, gb.AsSpan());
                }

                if (gx is null)
                {
                    continue;
                }

                for (var j = 0; j < cols; j++)
                {
                    product[j] = gamma.IsEmpty ? gr[j] * xr[j] : gr[j] * xr[j] * gamma[j];
                }

                var ds = LaneSum(product);
                float db;
                if (gamma.IsEmpty)
                {
                    db = LaneSum(gr);
                }
                else
                {
                    System.Numerics.Tensors.TensorPrimitives.Multiply(gr, gamma, product);
                    db = LaneSum(product);
                }

                var b = MathF.FusedMultiplyAdd(db, m, -ds) * a * a * a * scale;
                var c = MathF.FusedMultiplyAdd(-b, m, -(db * a * scale));
                var dx = gx.AsSpan().Slice(r * cols, cols);
                for (var j = 0; j < cols; j++)
                {
                    var t = a * gr[j];
                    if (!gamma.IsEmpty)
                    {
                        t *= gamma[j];
                    }

                    dx[j] = MathF.FusedMultiplyAdd(b, xr[j], t) + c;
                }
            }

            gradInputs[0] = gx;
            if (hasWeight)
            {
                gradInputs[1] = gw;
            }

            if (hasBias)
            {
                gradInputs[hasWeight ? 2 : 1] = gb;
            }
        }

        private protected override void ReleaseSaved()
        {
            _x = null;
            _gamma = null;
        }
    }
}
