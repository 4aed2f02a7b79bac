using EmbedSharp.Autograd;
using EmbedSharp.Numerics;

namespace EmbedSharp.Nn;

/// <summary>
/// Attention's masked scores in PyTorch 1.13's order: <c>torch.baddbmm(mask, a, bᵀ)</c> is, per output, the float32
/// chain that starts from the mask value and adds each rounded product in order over k (the reference BLAS's
/// <c>sgemm</c> with β = 1; measured on torch 1.13 for sizes on both sides of its small-size kernel), which
/// <c>Ops.MatMul</c> followed by an add cannot give. Without a mask the scores are <c>Ops.MatMul</c> with the transpose
/// flag. Backward: ga = g·b, gb = gᵀ·a (per batch, in order from +0; the mask is a constant).
/// </summary>
internal static class AttentionScores
{
    /// <summary>mask + a·bᵀ per batch. Shape: a (N, L, K), b (N, S, K), mask broadcastable to (N, L, S) → (N, L, S).</summary>
    public static Variable Baddbmm(FloatTensor mask, Variable a, Variable b)
    {
        var n = (int)a.Shape[0];
        var l = (int)a.Shape[1];
        var k = (int)a.Shape[2];
        var s = (int)b.Shape[1];
        if (b.Shape[0] != n || b.Shape[2] != k)
        {
            throw new ArgumentException($"attention: batched product of {FloatTensor.FormatShape(a.Shape)} and {FloatTensor.FormatShape(b.Shape)} transposed does not fit.");
        }

        var output = new FloatTensor(n, l, s);
        var c = output.AsSpan();
        FillBroadcast(mask, n, l, s, c);
        Gemm.MultiplyBatched(MatMulPrecision.Mode, false, true, n, l, s, k, 1f, a.Data.AsSpan(), k, (long)l * k,
            b.Data.AsSpan(), k, (long)s * k, 1f, c, s, (long)l * s);
        return Ops.Tracks(a.RequiresGrad || b.RequiresGrad) ? new Variable(output, new BaddbmmNode(a, b)) : new Variable(output);
    }

    /// <summary>Writes <paramref name="mask"/> (shape (L, S), (N, L, S), (N, 1, S) or (1, L, S)) broadcast to (N, L, S).</summary>
    internal static void FillBroadcast(FloatTensor mask, int n, int l, int s, Span<float> c)
    {
        var shape = mask.Shape;
        long mn = shape.Length == 3 ? shape[0] : 1;
        var ml = shape[^2];
        var ms = shape[^1];
        if (shape.Length is < 2 or > 3 || (mn != 1 && mn != n) || (ml != 1 && ml != l) || ms != s)
        {
            throw new ArgumentException($"attention: the mask has shape {FloatTensor.FormatShape(shape)}; it must broadcast to ({n}, {l}, {s}).");
        }

        ReadOnlySpan<float> m = mask.AsSpan();
        for (var b = 0; b < n; b++)
        {
            for (var i = 0; i < l; i++)
            {
                var src = (((mn == 1 ? 0 : b) * ml) + (ml == 1 ? 0 : i)) * ms;
                m.Slice((int)src, s).CopyTo(c.Slice(((b * l) + i) * s, s));
            }
        }
    }

    private sealed class BaddbmmNode(Variable a, Variable b) : Node(a, b)
    {
        private FloatTensor? _a = a.Data;
        private FloatTensor? _b = b.Data;

        public override string Name => "BaddbmmBackward0";

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var x = _a ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            var y = _b!;
            var n = (int)x.Shape[0];
            var l = (int)x.Shape[1];
            var k = (int)x.Shape[2];
            var s = (int)gradOutput.Shape[2];
            ReadOnlySpan<float> g = gradOutput.AsSpan();
            if (Inputs[0].RequiresGrad)
            {
                // ga (L, K) = g (L, S) · b (S, K)
                var ga = NewGradient(x.Shape);
                Gemm.MultiplyBatched(MatMulPrecision.Mode, false, false, n, l, k, s, 1f, g, s, (long)l * s,
                    y.AsSpan(), k, (long)s * k, 0f, ga.AsSpan(), k, (long)l * k);
                gradInputs[0] = ga;
            }

            if (Inputs[1].RequiresGrad)
            {
                // gb (S, K) = gᵀ (S, L) · a (L, K)
                var gb = NewGradient(y.Shape);
                Gemm.MultiplyBatched(MatMulPrecision.Mode, true, false, n, s, k, l, 1f, g, s, (long)l * s,
                    x.AsSpan(), k, (long)l * k, 0f, gb.AsSpan(), k, (long)s * k);
                gradInputs[1] = gb;
            }
        }

        private protected override void ReleaseSaved()
        {
            _a = null;
            _b = null;
        }
    }
}
