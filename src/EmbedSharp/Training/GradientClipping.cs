using System.Buffers;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EmbedSharp.Nn;
using EmbedSharp.Numerics;

namespace EmbedSharp.Training;

/// <summary>
/// Gradient clipping by the norm of all gradients taken together. torch: <c>torch.nn.utils.clip_grad_norm_</c>
/// (PyTorch 1.13), with its float32 operations in its order, so the total norm and the clipped gradients are bit-exact
/// (checked on tests/data/autograd/modules.json and lm.json).
/// </summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales the gradients of <paramref name="parameters"/> in place so that their total norm is at most
    /// <paramref name="maxNorm"/>, and returns the total norm before clipping. torch:
    /// <c>torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite)</c>.
    /// </summary>
    /// <remarks>
    /// <para>Shape: any; each gradient is read as one flat vector.</para>
    /// <para>Formula (all in float32, as torch 1.13 on CPU): nᵢ = ‖gᵢ‖ₚ for each parameter with a gradient;
    /// total = ‖(n₁, …, n_k)‖ₚ (for p = ∞: nᵢ = max |gᵢ| and total = max nᵢ); coef = min(1, (1 / (total + 1e-6))·maxNorm)
    /// (torch computes <c>max_norm / t</c> as <c>t.reciprocal() * max_norm</c>); every gradient is multiplied by coef.
    /// When coef is 1 the multiplication is skipped (x·1 = x for every float).</para>
    /// <para>Reduction order of ‖x‖₂ (torch's vectorised CPU kernel, AVX2 build): eight lane sums s_j += x²
    /// with a fused multiply-add over the first 8·⌊n/8⌋ values; then s₀ + s₁ + … + s₇ left to right; then of the
    /// r = n mod 8 remaining values the first 4·⌊r/4⌋ are added as rounded squares and the last r mod 4 with a fused
    /// multiply-add (that is how GCC compiled the tail loop: measured on 2,064 vectors, all bit-identical); finally the
    /// float square root. Other p follow torch's sequential reduction: p = 1: Σ|x|; p = 0: the count of non-zeros;
    /// p = −∞: min |x|; other p: (Σ |x|ᵖ)^(1/p) with float <c>powf</c>. PyTorch splits these sequential reductions
    /// over threads beyond 32,768 elements; this is its one-thread order.</para>
    /// <para>Parameters without a gradient are skipped; a parameter listed twice counts once (torch would count and
    /// scale it twice; <c>module.parameters()</c> never lists it twice). No gradient at all: returns 0 and changes
    /// nothing. A sparse row gradient counts as its coalesced rows (duplicates summed), as torch's sparse norm does.
    /// Its entries are then scaled in place; borrowed entries are first copied (see
    /// <see cref="SparseGradient.Own"/>), so the caller's tensors are not written. Deviation: torch 1.13 computes the
    /// same norm but leaves a sparse gradient unscaled (its <c>mul_</c> on the detached sparse alias replaces that
    /// alias's values instead of writing them); here it is scaled, as the function's contract says.</para>
    /// <para>Not differentiable (it rewrites gradients, not values).</para>
    /// </remarks>
    /// <param name="parameters">The parameters whose gradients are clipped together.</param>
    /// <param name="maxNorm">Largest allowed total norm (torch: <c>max_norm</c>); ≥ 0.</param>
    /// <param name="normType">The p of the p-norm (torch: <c>norm_type</c>); <see cref="double.PositiveInfinity"/>
    /// for the largest absolute value.</param>
    /// <param name="errorIfNonfinite">Throw, before changing anything, when the total norm is NaN or infinite
    /// (torch: <c>error_if_nonfinite</c>); otherwise such a norm is applied as it is (gradients become NaN or 0).</param>
    /// <returns>The total norm before clipping, the float32 value torch returns.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="ArgumentException">An element of <paramref name="parameters"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is negative or NaN, or
    /// <paramref name="normType"/> is NaN.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="errorIfNonfinite"/> is true and the total norm is not
    /// finite; no gradient has been changed.</exception>
    public static float ClipGradNorm(IEnumerable<Parameter> parameters, double maxNorm, double normType = 2.0, bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), $"clip_grad_norm: max_norm must be non-negative; got {maxNorm.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (double.IsNaN(normType))
        {
            throw new ArgumentOutOfRangeException(nameof(normType), "clip_grad_norm: norm_type must be a number or infinity; got NaN.");
        }

        // The parameters with a gradient, each once, in a pooled buffer (a warmed-up training step allocates nothing
        // here unless a parameter list exceeds DedupLinearLimit, or a gradient is sparse).
        var withGrad = ArrayPool<Parameter>.Shared.Rent(16);
        var count = 0;
        try
        {
            HashSet<Parameter>? seen = null;
            var index = 0;
            foreach (var p in parameters)
            {
                if (p is null)
                {
                    throw new ArgumentException($"clip_grad_norm: parameter {index} is null.", nameof(parameters));
                }

                index++;
                if ((p.PendingDenseGrad is null && p.SparseGrad is null) || Listed(withGrad, count, p, ref seen))
                {
                    continue;
                }

                if (count == withGrad.Length)
                {
                    var larger = ArrayPool<Parameter>.Shared.Rent(count * 2);
                    withGrad.AsSpan(0, count).CopyTo(larger);
                    Array.Clear(withGrad, 0, count);
                    ArrayPool<Parameter>.Shared.Return(withGrad);
                    withGrad = larger;
                }

                withGrad[count++] = p;
                seen?.Add(p);
            }

            return count == 0 ? 0f : Clip(withGrad.AsSpan(0, count), maxNorm, normType, errorIfNonfinite);
        }
        finally
        {
            Array.Clear(withGrad, 0, count);
            ArrayPool<Parameter>.Shared.Return(withGrad);
        }
    }

    private const int DedupLinearLimit = 256;

    /// <summary>Whether <paramref name="p"/> is among the first <paramref name="count"/> entries: a linear scan up to
    /// <see cref="DedupLinearLimit"/> entries, then a reference set.</summary>
    private static bool Listed(Parameter[] list, int count, Parameter p, ref HashSet<Parameter>? seen)
    {
        if (seen is null && count > DedupLinearLimit)
        {
            seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
            for (var i = 0; i < count; i++)
            {
                seen.Add(list[i]);
            }
        }

        if (seen is not null)
        {
            return seen.Contains(p);
        }

        for (var i = 0; i < count; i++)
        {
            if (ReferenceEquals(list[i], p))
            {
                return true;
            }
        }

        return false;
    }

    private static float Clip(ReadOnlySpan<Parameter> withGrad, double maxNorm, double normType, bool errorIfNonfinite)
    {
        // torch: norm_type = float(norm_type); the kernels compare and raise with it as a float.
        var p32 = (float)normType;
        var rented = withGrad.Length > 256 ? ArrayPool<float>.Shared.Rent(withGrad.Length) : null;
        var norms = rented is null ? stackalloc float[withGrad.Length] : rented.AsSpan(0, withGrad.Length);
        try
        {
            return Clip(withGrad, norms, p32, maxNorm, normType, errorIfNonfinite);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    private static float Clip(ReadOnlySpan<Parameter> withGrad, Span<float> norms, float p32, double maxNorm, double normType, bool errorIfNonfinite)
    {
        SparseGradient? scratch = null;
        for (var i = 0; i < norms.Length; i++)
        {
            var param = withGrad[i];
            if (param.PendingDenseGrad is { } dense)
            {
                norms[i] = float.IsPositiveInfinity(p32) ? AbsMax(dense.AsSpan()) : Norm(dense.AsSpan(), p32);
                continue;
            }

            var sparse = param.SparseGrad!;
            if (float.IsPositiveInfinity(p32))
            {
                // torch 1.13 fails here ("Could not run 'aten::max' with arguments from the 'SparseCPU' backend").
                throw new NotSupportedException(
                    $"clip_grad_norm: the infinity norm of a sparse gradient is not supported (torch 1.13 has no max for sparse tensors); parameter of shape {FloatTensor.FormatShape(param.Value.Shape)}.");
            }

            scratch = scratch is not null && scratch.RowCount == sparse.RowCount && scratch.RowLength == sparse.RowLength
                ? scratch
                : new SparseGradient(sparse.RowCount, sparse.RowLength);
            sparse.CoalesceInto(scratch);
            norms[i] = Norm(scratch.Values, p32);
        }

        float total;
        if (float.IsPositiveInfinity(p32))
        {
            total = norms.Length == 1 ? norms[0] : AbsMax(norms); // norms are ≥ 0 or NaN: max |n| = max n
        }
        else
        {
            total = Norm(norms, p32);
        }

        if (errorIfNonfinite && !float.IsFinite(total))
        {
            throw new InvalidOperationException(
                $"The total norm of order {normType.ToString(CultureInfo.InvariantCulture)} for gradients from parameters is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false.");
        }

        // torch: clip_coef = max_norm / (total_norm + 1e-6) is (total + 1e-6f).reciprocal() * (float)max_norm in float32;
        // clamp(max=1) keeps NaN.
        var coef = (1f / (total + 1e-6f)) * (float)maxNorm;
        if (coef > 1f)
        {
            coef = 1f;
        }

        if (coef == 1f)
        {
            return total;
        }

        foreach (var param in withGrad)
        {
            if (param.PendingDenseGrad is not null)
            {
                var g = param.Grad!.AsSpan(); // the public getter: this write may touch any row
                TensorPrimitives.Multiply(g, coef, g);
                continue;
            }

            var sparse = param.SparseGrad!;
            if (sparse.HasBorrowedEntries)
            {
                sparse.Own();
            }

            for (var k = 0; k < sparse.Count; k++)
            {
                var v = sparse.Value(k);
                TensorPrimitives.Multiply(v, coef, v);
            }
        }

        return total;
    }

    /// <summary>torch 1.13's float32 p-norm of a flat contiguous vector (see <see cref="ClipGradNorm"/> for the orders).</summary>
    internal static float Norm(ReadOnlySpan<float> x, float p)
    {
        if (x.IsEmpty)
        {
            return p < 0 ? float.PositiveInfinity : 0f;
        }

        if (p == 2f)
        {
            return TwoNorm(x);
        }

        if (float.IsPositiveInfinity(p))
        {
            return AbsMax(x);
        }

        float acc;
        if (p == 0f)
        {
            acc = 0f;
            foreach (var v in x)
            {
                acc += v != 0f ? 1f : 0f;
            }

            return acc;
        }

        if (p == 1f)
        {
            acc = 0f;
            foreach (var v in x)
            {
                acc += MathF.Abs(v);
            }

            return acc;
        }

        if (float.IsNegativeInfinity(p))
        {
            acc = float.PositiveInfinity;
            foreach (var v in x)
            {
                var a = MathF.Abs(v);
                acc = MathF.Min(acc, a); // NaN propagates
            }

            return acc;
        }

        acc = 0f;
        foreach (var v in x)
        {
            acc += MathF.Pow(MathF.Abs(v), p);
        }

        return MathF.Pow(acc, 1f / p);
    }

    /// <summary>‖x‖₂ in torch 1.13's order: eight fused-multiply-add lanes, the lanes summed left to right, then the
    /// tail (rounded squares in groups of four, the last r mod 4 values fused), then the float square root.</summary>
    internal static float TwoNorm(ReadOnlySpan<float> x)
    {
        var n = x.Length;
        var d = 0;
        var acc = Vector256<float>.Zero;
        ref var r = ref MemoryMarshal.GetReference(x);
        for (; d <= n - 8; d += 8)
        {
            var v = Vector256.LoadUnsafe(ref r, (nuint)d);
            acc = Vector256.FusedMultiplyAdd(v, v, acc);
        }

        var s = acc.GetElement(0);
        for (var j = 1; j < 8; j++)
        {
            s += acc.GetElement(j);
        }

        var grouped = d + ((n - d) & ~3);
        for (; d < grouped; d++)
        {
            var v = Unsafe.Add(ref r, d);
            var square = v * v;
            s += square;
        }

        for (; d < n; d++)
        {
            var v = Unsafe.Add(ref r, d);
            s = MathF.FusedMultiplyAdd(v, v, s);
        }

        return MathF.Sqrt(s);
    }

    /// <summary>max |x| with NaN propagating (torch: <c>x.abs().max()</c>).</summary>
    private static float AbsMax(ReadOnlySpan<float> x)
    {
        var m = 0f;
        foreach (var v in x)
        {
            var a = MathF.Abs(v);
            if (float.IsNaN(a))
            {
                return float.NaN;
            }

            if (a > m)
            {
                m = a;
            }
        }

        return m;
    }
}
