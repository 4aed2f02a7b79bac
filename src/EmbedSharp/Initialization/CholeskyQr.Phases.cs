using System.Diagnostics;
using System.Runtime.Intrinsics.X86;

namespace EmbedSharp.Initialization;

internal static unsafe partial class CholeskyQr
{
    /// <summary>Names of the phases <see cref="TimePhases"/> reports, in order.</summary>
    internal static readonly string[] PhaseNames = ["gram", "cholesky", "inverse+power+pack", "frobenius", "multiply"];

    /// <summary>A diagnostic for the benchmarks: the one-pass path of <see cref="TryOrthonormalFactor"/> (the first pass
    /// of CholeskyQR2) on <paramref name="data"/>, with the seconds each phase took added to <paramref name="seconds"/>
    /// (one slot per <see cref="PhaseNames"/> entry). Returns false, with the data possibly half-way, where the real method
    /// would not apply or would fall back.</summary>
    internal static bool TimePhases(Span<float> data, int rows, int cols, int maxParts, bool avx512, Span<double> seconds)
    {
        if (!Fma.IsSupported || !Avx2.IsSupported || seconds.Length < PhaseNames.Length)
        {
            return false;
        }

        var transposed = rows < cols;
        var m = transposed ? cols : rows;
        var n = transposed ? rows : cols;
        if (n < MinColumns)
        {
            return false;
        }

        var wide = avx512 && Avx512F.IsSupported;
        var n8 = (n + Nr - 1) / Nr * Nr;
        var ld = n8 + Block;
        var size = (n8 + Mr) * ld;
        var g = Scratch(ref t_g, size);
        var x = Scratch(ref t_x, size);
        var panels = Scratch(ref t_panels, n8 * n8);
        var vw = Scratch(ref t_power, 2 * n);
        var t = Stopwatch.GetTimestamp();
        void Lap(Span<double> s, int phase)
        {
            var now = Stopwatch.GetTimestamp();
            s[phase] += (double)(now - t) / Stopwatch.Frequency;
            t = now;
        }

        ClearPadding(g, ld, n8);
        fixed (float* d = data)
        fixed (double* pg = g, px = x, pp = panels, v = vw)
        {
            var a = new Source { F = d, M = m, N = n, Transposed = transposed };
            Gram(a, pg, ld, n8, maxParts, wide);
            Lap(seconds, 0);
            if (!Cholesky(pg, ld, n, maxParts, wide))
            {
                return false;
            }

            Lap(seconds, 1);
            var normSq = InvertUpper(pg, px, pp, ld, n8, n, v, maxParts, wide); // the power iteration runs beside the blocks
            Lap(seconds, 2);
            var kappaSq = 1.25 * 1.25 * normSq * FrobeniusSq(px, ld, n);
            Lap(seconds, 3);
            Multiply(a, pp, n8, new Target { F = d, M = m, N = n, Transposed = transposed }, maxParts, wide);
            Lap(seconds, 4);
            return double.IsFinite(kappaSq);
        }
    }
}
