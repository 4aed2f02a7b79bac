namespace EmbedSharp.Randomness;

/// <summary>
/// The kind of PyTorch CPU build a <see cref="Generator"/> reproduces where builds differ (set with
/// <see cref="Generator.Build"/>; <see cref="Mkl"/> by default, what <c>pip install torch</c> gives on x86-64). Today
/// the only difference is the float <c>erfinv_</c> behind <c>trunc_normal_</c>; it is the same in 1.13 and 2.x.
/// </summary>
public enum PyTorchBuild
{
    /// <summary>The official x86-64 wheels and libtorch, which link Intel MKL: <c>erfinv_</c> runs MKL's
    /// <c>vmsErfInv</c> (high accuracy). Reproduced as measured with MKL 2024.2 in libtorch 2.10 on every float input
    /// (see docs/parity.md; other MKL versions or an AVX-512 code path were not checked).</summary>
    Mkl = 0,

    /// <summary>Builds without MKL (Debian's and other distributions' packages, the ARM and macOS wheels, source builds
    /// without MKL): <c>erfinv_</c> runs <c>calc_erfinv</c> (Pavlis's approximation and two Newton steps in float).</summary>
    NoMkl = 1,
}
