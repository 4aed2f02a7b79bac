using System.Numerics.Tensors;

namespace EmbedSharp.Training.Optimizers;

/// <summary>
/// The float32 update formulas of PyTorch 1.13's single-tensor optimisers on the AVX2 CPU kernels, one span at a time.
/// Elementary ops, verified bit for bit against torch (tools/goldens/make_optim.py --probe):
/// <c>add_(x, alpha=a)</c> = fma(x, (float)a, self); <c>mul_(s)</c> = self·(float)s;
/// <c>addcmul_(x, y, value=v)</c> = fma(round(v·x), y, self); <c>addcdiv_(x, y, value=v)</c> = self + round(round(v·x)/y);
/// <c>t / s</c> = t / (float)s. Scalars are computed in double (as Python does) and rounded to float once.
/// Work is done in blocks of <see cref="Block"/> elements with stack scratch, so nothing is allocated.
/// </summary>
internal static class Kernels
{
    public const int Block = 256;

    /// <summary>SGD on one run. <paramref name="buf"/> is empty without momentum; <paramref name="first"/> copies d into it.</summary>
    public static void Sgd(Span<float> p, ReadOnlySpan<float> g, Span<float> buf, bool first, in SgdScalars s)
    {
        Span<float> d = stackalloc float[Block];
        for (var o = 0; o < p.Length; o += Block)
        {
            var n = Math.Min(Block, p.Length - o);
            var dd = d[..n];
            var pp = p.Slice(o, n);
            LoadGradient(g.Slice(o, n), dd, s.Maximize);
            if (s.WeightDecay != 0)
            {
                TensorPrimitives.FusedMultiplyAdd(pp, s.WeightDecay, dd, dd); // d = d.add(p, alpha=wd)
            }

            ReadOnlySpan<float> step = dd;
            if (!buf.IsEmpty)
            {
                var bb = buf.Slice(o, n);
                if (first)
                {
                    dd.CopyTo(bb); // buf = clone(d)
                }
                else
                {
                    TensorPrimitives.Multiply(bb, s.Momentum, bb); // buf.mul_(momentum).add_(d, alpha=1-dampening)
                    TensorPrimitives.FusedMultiplyAdd(dd, s.OneMinusDampening, bb, bb);
                }

                if (s.Nesterov)
                {
                    TensorPrimitives.FusedMultiplyAdd(bb, s.Momentum, dd, dd); // d = d.add(buf, alpha=momentum)
                }
                else
                {
                    step = bb;
                }
            }

            TensorPrimitives.FusedMultiplyAdd(step, s.NegLr, pp, pp); // p.add_(d, alpha=-lr)
        }
    }

    /// <summary>Adam / AdamW on one run (<paramref name="vmax"/> empty without amsgrad).</summary>
    public static void Adam(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, Span<float> vmax, in AdamScalars s)
    {
        Span<float> t = stackalloc float[Block];
        Span<float> u = stackalloc float[Block];
        for (var o = 0; o < p.Length; o += Block)
        {
            var n = Math.Min(Block, p.Length - o);
            var tt = t[..n];
            var uu = u[..n];
            var pp = p.Slice(o, n);
            var mm = m.Slice(o, n);
            var vv = v.Slice(o, n);
            if (s.DecoupledDecay != 1f)
            {
                TensorPrimitives.Multiply(pp, s.DecoupledDecay, pp); // AdamW: p.mul_(1 - lr*wd)
            }

            LoadGradient(g.Slice(o, n), tt, s.Maximize);
            if (s.WeightDecay != 0)
            {
                TensorPrimitives.FusedMultiplyAdd(pp, s.WeightDecay, tt, tt); // Adam: grad = grad.add(p, alpha=wd)
            }

            TensorPrimitives.Multiply(mm, s.Beta1, mm); // exp_avg.mul_(b1).add_(grad, alpha=1-b1)
            TensorPrimitives.FusedMultiplyAdd(tt, s.OneMinusBeta1, mm, mm);
            TensorPrimitives.Multiply(vv, s.Beta2, vv); // exp_avg_sq.mul_(b2).addcmul_(grad, grad, value=1-b2)
            TensorPrimitives.Multiply(tt, s.OneMinusBeta2, uu);
            TensorPrimitives.FusedMultiplyAdd(uu, tt, vv, vv);
            ReadOnlySpan<float> second = vv;
            if (!vmax.IsEmpty)
            {
                var xx = vmax.Slice(o, n);
                TensorPrimitives.Max(xx, vv, xx); // torch.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
                second = xx;
            }

            TensorPrimitives.Sqrt(second, uu); // denom = (sqrt / bias_correction2_sqrt).add_(eps)
            TensorPrimitives.Divide(uu, s.BiasCorrection2Sqrt, uu);
            TensorPrimitives.Add(uu, s.Eps, uu);
            TensorPrimitives.Multiply(mm, s.NegStepSize, tt); // p.addcdiv_(exp_avg, denom, value=-step_size)
            TensorPrimitives.Divide(tt, uu, tt);
            TensorPrimitives.Add(pp, tt, pp);
        }
    }

    /// <summary>Adagrad (dense gradient) on one run.</summary>
    public static void Adagrad(Span<float> p, ReadOnlySpan<float> g, Span<float> sum, in AdagradScalars s)
    {
        Span<float> t = stackalloc float[Block];
        Span<float> u = stackalloc float[Block];
        for (var o = 0; o < p.Length; o += Block)
        {
            var n = Math.Min(Block, p.Length - o);
            var tt = t[..n];
            var uu = u[..n];
            var pp = p.Slice(o, n);
            var ss = sum.Slice(o, n);
            LoadGradient(g.Slice(o, n), tt, s.Maximize);
            if (s.WeightDecay != 0)
            {
                TensorPrimitives.FusedMultiplyAdd(pp, s.WeightDecay, tt, tt);
            }

            TensorPrimitives.FusedMultiplyAdd(tt, tt, ss, ss); // state_sum.addcmul_(grad, grad, value=1)
            TensorPrimitives.Sqrt(ss, uu); // std = state_sum.sqrt().add_(eps)
            TensorPrimitives.Add(uu, s.Eps, uu);
            TensorPrimitives.Multiply(tt, s.NegClr, tt); // p.addcdiv_(grad, std, value=-clr)
            TensorPrimitives.Divide(tt, uu, tt);
            TensorPrimitives.Add(pp, tt, pp);
        }
    }

    /// <summary>Adagrad on one coalesced sparse row: sum += g², p += -clr·g/(sqrt(sum)+eps) (the sparse path of
    /// torch's Adagrad: <c>pow(2)</c>, then <c>add_</c> of sparse tensors, which is an fma with alpha).</summary>
    public static void AdagradSparseRow(Span<float> p, ReadOnlySpan<float> g, Span<float> sum, in AdagradScalars s)
    {
        Span<float> t = stackalloc float[Block];
        Span<float> u = stackalloc float[Block];
        for (var o = 0; o < p.Length; o += Block)
        {
            var n = Math.Min(Block, p.Length - o);
            var tt = t[..n];
            var uu = u[..n];
            var pp = p.Slice(o, n);
            var ss = sum.Slice(o, n);
            LoadGradient(g.Slice(o, n), tt, s.Maximize);
            TensorPrimitives.Multiply(tt, tt, uu); // grad_values.pow(2)
            TensorPrimitives.Add(ss, uu, ss); // state_sum.add_(sparse)
            TensorPrimitives.Sqrt(ss, uu); // std_values = sqrt_().add_(eps)
            TensorPrimitives.Add(uu, s.Eps, uu);
            TensorPrimitives.Divide(tt, uu, tt); // grad_values / std_values
            TensorPrimitives.FusedMultiplyAdd(tt, s.NegClr, pp, pp); // p.add_(sparse, alpha=-clr)
        }
    }

    /// <summary>SparseAdam on one coalesced row (torch.optim._functional.sparse_adam):
    /// m += (g - m)(1-b1); v += (g² - v)(1-b2); p += -step_size · m / (sqrt(v) + eps).</summary>
    public static void SparseAdamRow(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, in AdamScalars s)
    {
        Span<float> t = stackalloc float[Block];
        Span<float> u = stackalloc float[Block];
        for (var o = 0; o < p.Length; o += Block)
        {
            var n = Math.Min(Block, p.Length - o);
            var tt = t[..n];
            var uu = u[..n];
            var pp = p.Slice(o, n);
            var mm = m.Slice(o, n);
            var vv = v.Slice(o, n);
            LoadGradient(g.Slice(o, n), tt, s.Maximize);
            TensorPrimitives.Multiply(tt, tt, uu); // grad_values.pow(2).sub_(old).mul_(1-b2); exp_avg_sq.add_(…)
            TensorPrimitives.Subtract(uu, vv, uu);
            TensorPrimitives.Multiply(uu, s.OneMinusBeta2, uu);
            TensorPrimitives.Add(vv, uu, vv);
            TensorPrimitives.Subtract(tt, mm, tt); // grad_values.sub(old).mul_(1-b1); exp_avg.add_(…)
            TensorPrimitives.Multiply(tt, s.OneMinusBeta1, tt);
            TensorPrimitives.Add(mm, tt, mm);

            // numer = update + old = the new m; denom = sqrt(update + old) + eps = sqrt(new v) + eps (same float sums).
            TensorPrimitives.Sqrt(vv, uu);
            TensorPrimitives.Add(uu, s.Eps, uu);
            TensorPrimitives.Divide(mm, uu, tt); // numer.div_(denom), then -step_size * …, then p.add_(sparse)
            TensorPrimitives.Multiply(tt, s.NegStepSize, tt);
            TensorPrimitives.Add(pp, tt, pp);
        }
    }

    private static void LoadGradient(ReadOnlySpan<float> g, Span<float> destination, bool negate)
    {
        if (negate)
        {
            TensorPrimitives.Negate(g, destination);
        }
        else
        {
            g.CopyTo(destination);
        }
    }
}

/// <summary>SGD's per-step float scalars, each rounded once from double.</summary>
internal readonly record struct SgdScalars(float NegLr, float WeightDecay, float Momentum, float OneMinusDampening, bool Nesterov, bool Maximize);

/// <summary>Adam/AdamW/SparseAdam per-step float scalars, each rounded once from double.</summary>
internal readonly record struct AdamScalars(
    float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2, float BiasCorrection2Sqrt, float Eps,
    float NegStepSize, float WeightDecay, float DecoupledDecay, bool Maximize);

/// <summary>Adagrad's per-step float scalars.</summary>
internal readonly record struct AdagradScalars(float NegClr, float WeightDecay, float Eps, bool Maximize);
