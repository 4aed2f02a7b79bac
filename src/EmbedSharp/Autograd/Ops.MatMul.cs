using System.Numerics.Tensors;
using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

// The matmul family as torch.matmul dispatches it (torch 1.13): 1-D·1-D is a dot, a 1-D operand becomes a row (left)
// or a column (right) that is dropped from the result, an operand of rank ≥ 3 times a matrix or vector is folded into
// one matrix product (its leading dimensions become rows), and otherwise the batch dimensions broadcast and each batch
// is one product. Every product is MatMulKernel: the in-order float sum over k without fused multiply-add, which is what
// torch computes on the reference BLAS (tests/data/autograd README), so results and gradients are bit-identical; the
// gradient of a broadcast batch operand is the sum of the per-batch gradients, added in batch order.
public static partial class Ops
{
    /// <summary>The matrix product with torch's broadcasting rules. torch: <c>torch.matmul</c> / <c>a @ b</c>.
    /// Shape: (k)·(k) → (); (m, k)·(k) → (m); (k)·(k, n) → (n); (…, m, k)·(…, k, n) → (broadcast …, m, n), with a
    /// 1-D operand treated as a row or column that is dropped from the result. Each element is the float32 sum over k
    /// in order from 0 without fused multiply-add, bit-identical to torch on the reference BLAS.
    /// Backward: ga = g·bᵀ, gb = aᵀ·g per batch, summed over broadcast batch dimensions.</summary>
    /// <exception cref="ArgumentException">An operand is 0-d, or the inner dimensions or batch dimensions do not fit;
    /// the message names both shapes.</exception>
    public static Variable MatMul(Variable a, Variable b) => MatMul(a, b, transposeA: false, transposeB: false);

    /// <summary>op(a)·op(b) on the last two dimensions, where op transposes them when its flag is set, without copying
    /// (<c>q·kᵀ</c> is <c>MatMul(q, k, false, true)</c>). torch: <c>torch.matmul(a.transpose(-2, -1), …)</c>.
    /// Shape: as <see cref="MatMul(Variable, Variable)"/> with op(a) and op(b) in place of a and b; a transposed
    /// operand must have at least 2 dimensions. Backward: the same products with the flags swapped.</summary>
    /// <exception cref="ArgumentException">The shapes do not fit, or a 1-D operand is to be transposed.</exception>
    public static Variable MatMul(Variable a, Variable b, bool transposeA, bool transposeB)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var plan = MatMulPlan.Create(a.Shape, b.Shape, transposeA, transposeB, "matmul");
        return MatMulRun(a, b, plan);
    }

    /// <summary>Batched matrix product of two 3-D variables with equal batch sizes: (B, m, k)·(B, k, n) → (B, m, n).
    /// torch: <c>torch.bmm</c>. Each batch as <see cref="MatMul(Variable, Variable)"/>, bit-identical to torch.
    /// Backward: per batch, ga = g·bᵀ and gb = aᵀ·g.</summary>
    /// <exception cref="ArgumentException">An operand is not 3-D, or the batch or inner dimensions differ.</exception>
    public static Variable Bmm(Variable a, Variable b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Shape.Length != 3 || b.Shape.Length != 3 || a.Shape[0] != b.Shape[0] || a.Shape[2] != b.Shape[1])
        {
            throw new ArgumentException($"bmm: shapes {FloatTensor.FormatShape(a.Shape)} and {FloatTensor.FormatShape(b.Shape)} cannot be multiplied (3-D operands (B, m, k) and (B, k, n) are needed).");
        }

        return MatMulRun(a, b, MatMulPlan.Create(a.Shape, b.Shape, false, false, "bmm"));
    }

    private static Variable MatMulRun(Variable a, Variable b, MatMulPlan plan)
    {
        var output = new FloatTensor(plan.OutputShape);
        ReadOnlySpan<float> x = a.Data.AsSpan(), y = b.Data.AsSpan();
        var c = output.AsSpan();
        int m = plan.M, k = plan.K, n = plan.N;
        for (var batch = 0; batch < plan.Batches; batch++)
        {
            MatMulKernel(x.Slice(plan.OffsetA(batch) * m * k, m * k), y.Slice(plan.OffsetB(batch) * k * n, k * n), c.Slice(batch * m * n, m * n), m, k, n, plan.TransposeA, plan.TransposeB);
        }

        return Tracks(a.RequiresGrad || b.RequiresGrad) ? new Variable(output, new MatMulNode(a, b, plan)) : new Variable(output);
    }

    /// <summary>How a matmul maps onto per-batch products: sizes, transposes, and each batch's matrix in a and b.</summary>
    private sealed class MatMulPlan
    {
        private long[] _batchShape = [];
        private long[] _stridesA = [];
        private long[] _stridesB = [];

        public int M { get; private init; }

        public int K { get; private init; }

        public int N { get; private init; }

        public bool TransposeA { get; private init; }

        public bool TransposeB { get; private init; }

        public int Batches { get; private set; } = 1;

        public long[] OutputShape { get; private set; } = [];

        public string Name { get; private init; } = "MmBackward0";

        /// <summary>a is a vector or matrix and b is batched: torch folds b's batches into one product with a, so a's
        /// gradient is one in-order sum over all batches and columns.</summary>
        public bool FoldB { get; private init; }

        public int BatchesA { get; private set; } = 1;

        public int BatchesB { get; private set; } = 1;

        public static MatMulPlan Create(ReadOnlySpan<long> a, ReadOnlySpan<long> b, bool transA, bool transB, string op)
        {
            string Shapes(ReadOnlySpan<long> x, ReadOnlySpan<long> y) => $"{FloatTensor.FormatShape(x)} and {FloatTensor.FormatShape(y)}";
            if (a.Length == 0 || b.Length == 0)
            {
                throw new ArgumentException($"{op}: both operands need at least one dimension; got shapes {Shapes(a, b)}.");
            }

            if ((transA && a.Length < 2) || (transB && b.Length < 2))
            {
                throw new ArgumentException($"{op}: a 1-D operand cannot be transposed; got shapes {Shapes(a, b)}.");
            }

            // Rows and inner size of op(a); inner size and columns of op(b).
            long m = a.Length == 1 ? 1 : transA ? a[^1] : a[^2];
            var ka = a.Length == 1 ? a[0] : transA ? a[^2] : a[^1];
            var kb = b.Length == 1 ? b[0] : transB ? b[^1] : b[^2];
            long n = b.Length == 1 ? 1 : transB ? b[^2] : b[^1];
            if (ka != kb)
            {
                throw new ArgumentException($"{op}: shapes {Shapes(a, b)} cannot be multiplied (inner dimensions {ka} and {kb}{(transA || transB ? $", transposeA={transA}, transposeB={transB}" : "")}).");
            }

            var name = a.Length == 1 && b.Length == 1 ? "DotBackward0" : b.Length == 1 && a.Length == 2 ? "MvBackward0" : a.Length <= 2 && b.Length <= 2 ? "MmBackward0" : "BmmBackward0";
            if (a.Length >= 3 && b.Length <= 2 && !transA)
            {
                // torch folds the leading dimensions of a into rows: one product (rows, k)·(k, n).
                long rows = 1;
                foreach (var d in a[..^1])
                {
                    rows *= d;
                }

                long[] shape = b.Length == 1 ? [.. a[..^1]] : [.. a[..^1], n];
                return new MatMulPlan { M = checked((int)rows), K = checked((int)ka), N = checked((int)n), TransposeB = transB, OutputShape = shape, Name = "MmBackward0" };
            }

            var batchA = a.Length > 2 ? a[..^2] : [];
            var batchB = b.Length > 2 ? b[..^2] : [];
            long[] batch;
            try
            {
                batch = Broadcast.Shape(batchA, batchB, op);
            }
            catch (ArgumentException)
            {
                throw new ArgumentException($"{op}: shapes {Shapes(a, b)} cannot be multiplied (the batch dimensions {FloatTensor.FormatShape(batchA)} and {FloatTensor.FormatShape(batchB)} do not broadcast).");
            }
            var plan = new MatMulPlan { M = checked((int)m), K = checked((int)ka), N = checked((int)n), TransposeA = transA, TransposeB = transB, Name = name, FoldB = a.Length <= 2 && b.Length >= 3 };
            plan._batchShape = batch;
            plan._stridesA = Broadcast.Strides(batchA, batch);
            plan._stridesB = Broadcast.Strides(batchB, batch);
            long count = 1, countA = 1, countB = 1;
            foreach (var d in batch)
            {
                count *= d;
            }

            foreach (var d in batchA)
            {
                countA *= d;
            }

            foreach (var d in batchB)
            {
                countB *= d;
            }

            plan.Batches = checked((int)count);
            plan.BatchesA = checked((int)countA);
            plan.BatchesB = checked((int)countB);
            var output = new List<long>(batch);
            if (a.Length > 1)
            {
                output.Add(m);
            }

            if (b.Length > 1)
            {
                output.Add(n);
            }

            plan.OutputShape = [.. output];
            return plan;
        }

        /// <summary>The index of batch <paramref name="batch"/>'s matrix among a's matrices (0 when a is broadcast).</summary>
        public int OffsetA(int batch) => Offset(batch, _stridesA);

        public int OffsetB(int batch) => Offset(batch, _stridesB);

        private int Offset(int batch, long[] strides)
        {
            long at = 0;
            for (var d = _batchShape.Length - 1; d >= 0; d--)
            {
                at += batch % _batchShape[d] * strides[d];
                batch = (int)(batch / _batchShape[d]);
            }

            return (int)at;
        }
    }

    private sealed class MatMulNode(Variable a, Variable b, MatMulPlan plan) : Node(a, b)
    {
        private FloatTensor? _a = a.Data;
        private FloatTensor? _b = b.Data;

        public override string Name => plan.Name;

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var x = _a ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            var y = _b ?? throw new InvalidOperationException($"{Name}: saved tensors were released.");
            int m = plan.M, k = plan.K, n = plan.N;
            bool ta = plan.TransposeA, tb = plan.TransposeB;
            ReadOnlySpan<float> g = gradOutput.AsSpan(), xs = x.AsSpan(), ys = y.AsSpan();
            if (Inputs[0].RequiresGrad && plan.FoldB)
            {
                gradInputs[0] = FoldedGradA(g, ys, x.Shape);
            }
            else if (Inputs[0].RequiresGrad)
            {
                var ga = NewGradient(x.Shape);
                var scratch = plan.Batches > plan.BatchesA ? new float[m * k] : null;
                for (var batch = 0; batch < plan.Batches; batch++)
                {
                    var target = ga.AsSpan().Slice(plan.OffsetA(batch) * m * k, m * k);
                    var first = batch < plan.BatchesA && scratch is null;
                    var into = first ? target : scratch.AsSpan();
                    var gb = g.Slice(batch * m * n, m * n);
                    var yb = ys.Slice(plan.OffsetB(batch) * k * n, k * n);
                    if (!ta)
                    {
                        MatMulKernel(gb, yb, into, m, n, k, transA: false, transB: !tb); // g (m, n) · op(b)ᵀ (n, k)
                    }
                    else
                    {
                        MatMulKernel(yb, gb, into, k, n, m, transA: tb, transB: true); // op(b) (k, n) · gᵀ (n, m)
                    }

                    if (!first)
                    {
                        TensorPrimitives.Add(target, into, target);
                    }
                }

                gradInputs[0] = ga;
            }

            if (Inputs[1].RequiresGrad)
            {
                var gb = NewGradient(y.Shape);
                var scratch = plan.Batches > plan.BatchesB ? new float[k * n] : null;
                for (var batch = 0; batch < plan.Batches; batch++)
                {
                    var target = gb.AsSpan().Slice(plan.OffsetB(batch) * k * n, k * n);
                    var first = batch < plan.BatchesB && scratch is null;
                    var into = first ? target : scratch.AsSpan();
                    var gbatch = g.Slice(batch * m * n, m * n);
                    var xb = xs.Slice(plan.OffsetA(batch) * m * k, m * k);
                    if (!tb)
                    {
                        MatMulKernel(xb, gbatch, into, k, m, n, transA: !ta, transB: false); // op(a)ᵀ (k, m) · g (m, n)
                    }
                    else
                    {
                        MatMulKernel(gbatch, xb, into, n, m, k, transA: true, transB: ta); // gᵀ (n, m) · op(a) (m, k)
                    }

                    if (!first)
                    {
                        TensorPrimitives.Add(target, into, target);
                    }
                }

                gradInputs[1] = gb;
            }
        }

        /// <summary>ga[i, p] = Σ over batches, then columns j, of g[batch, i, j]·op(b)[batch, p, j], one in-order sum
        /// (torch's folded product).</summary>
        private FloatTensor FoldedGradA(ReadOnlySpan<float> g, ReadOnlySpan<float> b, ReadOnlySpan<long> shapeA)
        {
            int m = plan.M, k = plan.K, n = plan.N;
            var ga = new FloatTensor(shapeA);
            var r = ga.AsSpan();
            for (var i = 0; i < m; i++)
            {
                for (var p = 0; p < k; p++)
                {
                    var sum = 0f;
                    for (var batch = 0; batch < plan.Batches; batch++)
                    {
                        var gb = g.Slice(batch * m * n, m * n);
                        var bb = b.Slice(plan.OffsetB(batch) * k * n, k * n);
                        for (var j = 0; j < n; j++)
                        {
                            sum += gb[(i * n) + j] * (plan.TransposeB ? bb[(j * k) + p] : bb[(p * n) + j]);
                        }
                    }

                    r[plan.TransposeA ? (p * m) + i : (i * k) + p] = sum;
                }
            }

            return ga;
        }

        private protected override void ReleaseSaved()
        {
            _a = null;
            _b = null;
        }
    }
}
