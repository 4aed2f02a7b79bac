using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

/// <summary>
/// How matrix products round, per thread: by default each step of a sum over k is a product rounded to float32 and then
/// added (the reference BLAS's order, so <c>Ops.MatMul</c>, <c>Ops.Bmm</c>, <c>F.Linear</c> and attention give PyTorch
/// 1.13's bits on the reference BLAS); inside <c>using (MatMulPrecision.UseFused()) { … }</c> each step is one fused
/// multiply-add (one rounding), as optimised BLAS libraries (OpenBLAS, MKL) compute, faster by about 10–25 % on this
/// project's benchmark CPU (docs/performance.md, "GEMM"). Fused results are as accurate, but not the reference's bits:
/// each output differs from them within (2k + 3)·2⁻²⁴·Σ|aᵢbᵢ|. torch has no CPU switch for this (its BLAS decides); the
/// nearest is <c>torch.set_float32_matmul_precision</c>.
/// </summary>
/// <remarks>The setting is read on the thread that calls the operation, when its forward or backward runs; threads a
/// kernel splits work over follow the caller's setting.</remarks>
public static class MatMulPrecision
{
    [ThreadStatic]
    private static int t_fused;

    /// <summary>True while a <see cref="UseFused"/> scope is open on this thread.</summary>
    public static bool Fused => t_fused > 0;

    /// <summary>The GEMM mode of this thread's setting.</summary>
    internal static GemmMode Mode => t_fused > 0 ? GemmMode.Fast : GemmMode.Exact;

    /// <summary>Matrix products on this thread accumulate with fused multiply-adds until the returned scope is disposed
    /// (scopes nest).</summary>
    public static FusedScope UseFused()
    {
        t_fused++;
        return new FusedScope(Environment.CurrentManagedThreadId);
    }

    /// <summary>The scope of <see cref="UseFused"/>: dispose it on the thread that opened it.</summary>
    public readonly struct FusedScope : IDisposable
    {
        private readonly int _thread;

        internal FusedScope(int thread) => _thread = thread;

        /// <summary>Ends the scope.</summary>
        public void Dispose()
        {
            if (_thread != Environment.CurrentManagedThreadId)
            {
                throw new InvalidOperationException("A fused matrix-product scope must be disposed on the thread that opened it.");
            }

            t_fused--;
        }
    }
}
