using System.Numerics.Tensors;
using EmbedSharp.Autograd;
using EmbedSharp.Numerics;

namespace EmbedSharp.Nn;

/// <summary>
/// Multi-head self-attention from the packed in-projection, as one node: the same float operations, in the same order,
/// as PyTorch 1.13's <c>multi_head_attention_forward</c> (split into q, k, v; heads as batches; q / √d; scores by
/// <c>baddbmm(mask, q, kᵀ)</c> or <c>bmm(q, kᵀ)</c>; softmax; <c>bmm(weights, v)</c>; heads joined), and their
/// backward, without the copies that split, view and transpose make when every tensor is contiguous: q, k and v are
/// read where the projection wrote them (the GEMM takes their row stride), the result is written in the projection's
/// layout, and the gradients of q, k and v land in their columns of one gradient. Written by hand because no library
/// op composes this without the copies; <see cref="MultiheadAttention"/> uses it for self-attention without dropout.
/// </summary>
/// <remarks>Layout: packed (L, B, 3E), sequence first as torch computes it; the result (L, B, E). Head
/// h of batch b is batch entry b·H + h, as torch's view (L, B·H, d) orders it. Every product is the exact GEMM, so each
/// value is the one the composed ops give (under <see cref="MatMulPrecision.UseFused"/> too: the products follow it) (a gradient may be −0 where they give +0: they add zero-filled parts).
/// The batches are split over threads; each output is computed by one thread in a fixed order.</remarks>
internal static unsafe class FusedSelfAttention
{
    /// <summary>Attention over <paramref name="packed"/> (q, k, v side by side in its last dimension) with an optional
    /// additive mask broadcastable to (B·H, L, L).</summary>
    public static Variable Forward(Variable packed, FloatTensor? mask, int heads)
    {
        var shape = packed.Shape;
        var g = Geometry.Of(shape, heads);
        var output = new FloatTensor(shape[0], shape[1], g.E);
        var qs = GradientBuffers.RentSaved([(long)g.B * heads, g.L, g.D]);
        var weights = GradientBuffers.RentSaved([(long)g.B * heads, g.L, g.L]);
        if (mask is not null)
        {
            AttentionScores.FillBroadcast(mask, g.B * heads, g.L, g.L, weights.AsSpan());
        }

        fixed (float* p = packed.Data.AsSpan(), q = qs.AsSpan(), w = weights.AsSpan(), o = output.AsSpan())
        {
            var work = new Work { G = g, P = p, Qs = q, W = w, O = o, Masked = mask is not null, Mode = MatMulPrecision.Mode };
            WorkSplit.Run(&ForwardPart, &work, Parts(g));
        }

        if (!Ops.Tracks(packed.RequiresGrad))
        {
            GradientBuffers.ReturnSaved(qs);
            GradientBuffers.ReturnSaved(weights);
            return new Variable(output);
        }

        return new Variable(output, new AttentionNode(packed, qs, weights, g));
    }

    private static int Parts(Geometry g) => WorkSplit.Parts((long)g.B * g.Heads * g.L * g.L * g.D, 1L << 16);

    /// <summary>Sizes and strides: rows of one sequence are <c>RowStride</c> apart in the packed tensor and
    /// <c>OutRowStride</c> apart in the result; sequence b starts at b·<c>BatchStride</c> (b·<c>OutBatchStride</c>).</summary>
    private readonly record struct Geometry(int B, int L, int E, int Heads, int D, int RowStride, int BatchStride, int OutRowStride, int OutBatchStride, float Scale)
    {
        public static Geometry Of(ReadOnlySpan<long> shape, int heads)
        {
            if (shape.Length != 3 || shape[2] % 3 != 0 || shape[2] / 3 % heads != 0)
            {
                throw new ArgumentException($"attention: the packed projection has shape {FloatTensor.FormatShape(shape)}; expected (L, B, 3·E) with E divisible by {heads} heads.");
            }

            var (l, b) = ((int)shape[0], (int)shape[1]);
            var e = (int)(shape[2] / 3);
            var d = e / heads;
            return new Geometry(b, l, e, heads, d, b * 3 * e, 3 * e, b * e, e, (float)Math.Sqrt(d));
        }

        /// <summary>Elements from the packed tensor's start to its last one.</summary>
        public int PackedLength => (int)(((long)(B - 1) * BatchStride) + ((long)(L - 1) * RowStride) + (3 * E));

        /// <summary>Elements from the result's start to its last one.</summary>
        public int OutLength => (int)(((long)(B - 1) * OutBatchStride) + ((long)(L - 1) * OutRowStride) + E);
    }

    private struct Work
    {
        public Geometry G;
        public float* P; // packed (forward) — q at column 0, k at E, v at 2E
        public float* Qs; // (B·H, L, d): q / √d
        public float* W; // (B·H, L, L): the mask, then the scores, then the softmax (forward)
        public float* O; // result (forward) or its gradient (backward)
        public float* GW; // (B·H, L, L): gradient of the weights, then of the scores (backward)
        public float* GQs; // (B·H, L, d): gradient of q / √d (backward)
        public float* GP; // gradient of packed (backward)
        public bool Masked;
        public GemmMode Mode; // the caller's MatMulPrecision: worker threads do not see its thread-local setting
    }

    private static void ForwardPart(void* context, int part, int parts)
    {
        ref var w = ref *(Work*)context;
        var g = w.G;
        var (start, end) = WorkSplit.Range(g.B, part, parts);
        var (ll, ld) = (g.L * g.L, g.L * g.D);
        var packed = new ReadOnlySpan<float>(w.P, g.PackedLength);
        var output = new Span<float>(w.O, g.OutLength);
        for (var b = (int)start; b < end; b++)
        {
            var baseP = b * g.BatchStride;
            for (var h = 0; h < g.Heads; h++)
            {
                var n = (b * g.Heads) + h;
                var qs = new Span<float>(w.Qs + ((long)n * ld), ld);
                for (var i = 0; i < g.L; i++)
                {
                    TensorPrimitives.Divide(packed.Slice(baseP + (i * g.RowStride) + (h * g.D), g.D), g.Scale, qs.Slice(i * g.D, g.D));
                }

                // scores = [mask +] qs · kᵀ, in order over d from the mask (baddbmm) or from +0 (bmm)
                var scores = new Span<float>(w.W + ((long)n * ll), ll);
                Gemm.Multiply(w.Mode, false, true, g.L, g.L, g.D, 1f, qs, g.D,
                    packed[(baseP + g.E + (h * g.D))..], g.RowStride, w.Masked ? 1f : 0f, scores, g.L, maxParts: 1);
                for (var i = 0; i < g.L; i++)
                {
                    var row = scores.Slice(i * g.L, g.L);
                    Ops.SoftmaxRow(row, row, log: false);
                }

                // context = weights · v, written into head h's columns of the result
                Gemm.Multiply(w.Mode, false, false, g.L, g.D, g.L, 1f, scores, g.L,
                    packed[(baseP + (2 * g.E) + (h * g.D))..], g.RowStride, 0f, output[((b * g.OutBatchStride) + (h * g.D))..], g.OutRowStride, maxParts: 1);
            }
        }
    }

    private static void BackwardPart(void* context, int part, int parts)
    {
        ref var w = ref *(Work*)context;
        var g = w.G;
        var (start, end) = WorkSplit.Range(g.B, part, parts);
        var (ll, ld) = (g.L * g.L, g.L * g.D);
        var packed = new ReadOnlySpan<float>(w.P, g.PackedLength);
        var gradOut = new ReadOnlySpan<float>(w.O, g.OutLength);
        var gradPacked = new Span<float>(w.GP, g.PackedLength);
        Span<float> product = g.L <= 1024 ? stackalloc float[g.L] : new float[g.L];
        for (var b = (int)start; b < end; b++)
        {
            var baseP = b * g.BatchStride;
            var baseO = b * g.OutBatchStride;
            for (var h = 0; h < g.Heads; h++)
            {
                var n = (b * g.Heads) + h;
                var weights = new ReadOnlySpan<float>(w.W + ((long)n * ll), ll);
                var gw = new Span<float>(w.GW + ((long)n * ll), ll);
                var gOut = gradOut[(baseO + (h * g.D))..];
                var vAt = baseP + (2 * g.E) + (h * g.D);
                var kAt = baseP + g.E + (h * g.D);

                // bmm(weights, v) backward: g_weights = g · vᵀ, g_v = weightsᵀ · g
                Gemm.Multiply(w.Mode, false, true, g.L, g.L, g.D, 1f, gOut, g.OutRowStride, packed[vAt..], g.RowStride, 0f, gw, g.L, maxParts: 1);
                Gemm.Multiply(w.Mode, true, false, g.L, g.D, g.L, 1f, weights, g.L, gOut, g.OutRowStride, 0f, gradPacked[vAt..], g.RowStride, maxParts: 1);

                // softmax backward per row, as Ops.Softmax's: (g − Σ g·y) · y, the products rounded then lane-summed
                for (var i = 0; i < g.L; i++)
                {
                    var y = weights.Slice(i * g.L, g.L);
                    var row = gw.Slice(i * g.L, g.L);
                    TensorPrimitives.Multiply(row, y, product);
                    var s = Ops.LaneSum(product);
                    TensorPrimitives.Subtract(row, s, row);
                    TensorPrimitives.Multiply(row, y, row);
                }

                // scores backward: g_qs = g_s · k, g_k = g_sᵀ · qs; then q's gradient is g_qs / √d
                var gqs = new Span<float>(w.GQs + ((long)n * ld), ld);
                var qs = new ReadOnlySpan<float>(w.Qs + ((long)n * ld), ld);
                Gemm.Multiply(w.Mode, false, false, g.L, g.D, g.L, 1f, gw, g.L, packed[kAt..], g.RowStride, 0f, gqs, g.D, maxParts: 1);
                Gemm.Multiply(w.Mode, true, false, g.L, g.D, g.L, 1f, gw, g.L, qs, g.D, 0f, gradPacked[kAt..], g.RowStride, maxParts: 1);
                for (var i = 0; i < g.L; i++)
                {
                    TensorPrimitives.Divide(gqs.Slice(i * g.D, g.D), g.Scale, gradPacked.Slice(baseP + (i * g.RowStride) + (h * g.D), g.D));
                }
            }
        }
    }

    private sealed class AttentionNode(Variable packed, FloatTensor qs, FloatTensor weights, Geometry geometry) : Node(packed)
    {
        private FloatTensor? _qs = qs;
        private FloatTensor? _weights = weights;

        // Not a PyTorch name: torch records the composed ops (split, views, baddbmm, softmax, bmm) as separate nodes.
        public override string Name => "FusedSelfAttentionBackward";

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var qs = _qs ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            var weights = _weights!;
            var g = geometry;
            var gradPacked = NewGradientUninitialized(Inputs[0].Shape); // every element written: q, k and v columns
            var gw = NewGradientUninitialized([(long)g.B * g.Heads, g.L, g.L]);
            var gqs = NewGradientUninitialized(qs.Shape);
            fixed (float* p = Inputs[0].Data.AsSpan(), q = qs.AsSpan(), w = weights.AsSpan(), o = gradOutput.AsSpan(),
                gwp = gw.AsSpan(), gq = gqs.AsSpan(), gp = gradPacked.AsSpan())
            {
                var work = new Work { G = g, P = p, Qs = q, W = w, O = o, GW = gwp, GQs = gq, GP = gp, Mode = MatMulPrecision.Mode };
                WorkSplit.Run(&BackwardPart, &work, Parts(g));
            }

            GradientBuffers.DropIfUnheld(gw);
            GradientBuffers.DropIfUnheld(gqs);
            gradInputs[0] = gradPacked;
        }

        private protected override void ReleaseSaved()
        {
            if (_qs is { } qs)
            {
                GradientBuffers.ReturnSaved(qs);
                GradientBuffers.ReturnSaved(_weights!);
            }

            _qs = null;
            _weights = null;
        }
    }
}
