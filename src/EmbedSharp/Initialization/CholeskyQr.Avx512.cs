using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbedSharp.Initialization;

/// <summary>The AVX-512 tile kernels of <see cref="CholeskyQr"/>: twice the columns per instruction of the 6 × 8 AVX2
/// kernel, the same arithmetic per entry (one sequential FMA chain over s, from C's value or from +0), so the results are
/// the same bits.</summary>
internal static unsafe partial class CholeskyQr
{
    /// <summary>Two 6 × 8 tiles at once, rows 0..6 from <paramref name="a0"/> and rows 6..12 from <paramref name="a1"/>
    /// (both packed with step <paramref name="aStep"/>) against the same 8 columns of b: C[r, 0..8) (+)= Σ_s a0[s·aStep + r]·b[s·bStep + 0..8)
    /// for r &lt; 6 and Σ_s a1[s·aStep + r − 6]·b[s·bStep + 0..8) for 6 ≤ r &lt; 12, C's row r at c + r·ldc. Twelve 8-wide
    /// accumulators: one load of b and twelve broadcasts for twelve FMAs, as the AVX2 kernel's two loads and six broadcasts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile12x8(double* a0, double* a1, int aStep, double* b, int bStep, int count, double* c, int ldc, bool accumulate)
    {
        Vector512<double> c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11;
        if (accumulate)
        {
            c0 = Vector512.Load(c);
            c1 = Vector512.Load(c + ldc);
            c2 = Vector512.Load(c + (2 * ldc));
            c3 = Vector512.Load(c + (3 * ldc));
            c4 = Vector512.Load(c + (4 * ldc));
            c5 = Vector512.Load(c + (5 * ldc));
            c6 = Vector512.Load(c + (6 * ldc));
            c7 = Vector512.Load(c + (7 * ldc));
            c8 = Vector512.Load(c + (8 * ldc));
            c9 = Vector512.Load(c + (9 * ldc));
            c10 = Vector512.Load(c + (10 * ldc));
            c11 = Vector512.Load(c + (11 * ldc));
        }
        else
        {
            c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = c8 = c9 = c10 = c11 = Vector512<double>.Zero;
        }

        for (var s = 0; s < count; s++)
        {
            var bv = Vector512.Load(b);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[0]), bv, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[1]), bv, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[2]), bv, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[3]), bv, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[4]), bv, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[5]), bv, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a1[0]), bv, c6);
            c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a1[1]), bv, c7);
            c8 = Avx512F.FusedMultiplyAdd(Vector512.Create(a1[2]), bv, c8);
            c9 = Avx512F.FusedMultiplyAdd(Vector512.Create(a1[3]), bv, c9);
            c10 = Avx512F.FusedMultiplyAdd(Vector512.Create(a1[4]), bv, c10);
            c11 = Avx512F.FusedMultiplyAdd(Vector512.Create(a1[5]), bv, c11);
            a0 += aStep;
            a1 += aStep;
            b += bStep;
        }

        c0.Store(c);
        c1.Store(c + ldc);
        c2.Store(c + (2 * ldc));
        c3.Store(c + (3 * ldc));
        c4.Store(c + (4 * ldc));
        c5.Store(c + (5 * ldc));
        c6.Store(c + (6 * ldc));
        c7.Store(c + (7 * ldc));
        c8.Store(c + (8 * ldc));
        c9.Store(c + (9 * ldc));
        c10.Store(c + (10 * ldc));
        c11.Store(c + (11 * ldc));
    }

    /// <summary>A 6 × 16 tile: C[r, 0..16) (+)= Σ_s a[s·aStep + r]·b[s·bStep + 0..16) for r &lt; 6 (b's 16 columns
    /// contiguous), C's row r at c + r·ldc; twelve 8-wide accumulators, two loads of b and six broadcasts per step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6x16(double* a, int aStep, double* b, int bStep, int count, double* c, int ldc, bool accumulate)
    {
        Vector512<double> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        var c2 = c + (2 * ldc);
        var c4 = c + (4 * ldc);
        if (accumulate)
        {
            c00 = Vector512.Load(c);
            c01 = Vector512.Load(c + 8);
            c10 = Vector512.Load(c + ldc);
            c11 = Vector512.Load(c + ldc + 8);
            c20 = Vector512.Load(c2);
            c21 = Vector512.Load(c2 + 8);
            c30 = Vector512.Load(c2 + ldc);
            c31 = Vector512.Load(c2 + ldc + 8);
            c40 = Vector512.Load(c4);
            c41 = Vector512.Load(c4 + 8);
            c50 = Vector512.Load(c4 + ldc);
            c51 = Vector512.Load(c4 + ldc + 8);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = Vector512<double>.Zero;
        }

        for (var s = 0; s < count; s++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 8);
            var a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10);
            c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20);
            c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30);
            c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40);
            c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50);
            c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
            a += aStep;
            b += bStep;
        }

        c00.Store(c);
        c01.Store(c + 8);
        c10.Store(c + ldc);
        c11.Store(c + ldc + 8);
        c20.Store(c2);
        c21.Store(c2 + 8);
        c30.Store(c2 + ldc);
        c31.Store(c2 + ldc + 8);
        c40.Store(c4);
        c41.Store(c4 + 8);
        c50.Store(c4 + ldc);
        c51.Store(c4 + ldc + 8);
    }

    /// <summary>C[r, 0..8) (+)= Σ_s a0[8s + r]·b[8s + 0..8) for r &lt; 8 and Σ_s a1[8s + r − 8]·b[8s + 0..8) for
    /// 8 ≤ r &lt; 16 (a0, a1 and b three packed 8-column panels), C's row r at c + r·ldc: sixteen accumulators, one load
    /// of b and sixteen broadcasts per step; each entry one sequential FMA chain over s, from C's value or from +0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile16x8(double* a0, double* a1, double* b, int count, double* c, int ldc, bool accumulate)
    {
        Vector512<double> c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15;
        if (accumulate)
        {
            c0 = Vector512.Load(c);
            c1 = Vector512.Load(c + ldc);
            c2 = Vector512.Load(c + (2 * ldc));
            c3 = Vector512.Load(c + (3 * ldc));
            c4 = Vector512.Load(c + (4 * ldc));
            c5 = Vector512.Load(c + (5 * ldc));
            c6 = Vector512.Load(c + (6 * ldc));
            c7 = Vector512.Load(c + (7 * ldc));
            c8 = Vector512.Load(c + (8 * ldc));
            c9 = Vector512.Load(c + (9 * ldc));
            c10 = Vector512.Load(c + (10 * ldc));
            c11 = Vector512.Load(c + (11 * ldc));
            c12 = Vector512.Load(c + (12 * ldc));
            c13 = Vector512.Load(c + (13 * ldc));
            c14 = Vector512.Load(c + (14 * ldc));
            c15 = Vector512.Load(c + (15 * ldc));
        }
        else
        {
            c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = c8 = c9 = c10 = c11 = c12 = c13 = c14 = c15 = Vector512<double>.Zero;
        }

        for (var s = 0; s < count; s++)
        {
            var bv = Vector512.Load(b);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[0]), bv, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[1]), bv, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[2]), bv, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[3]), bv, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[4]), bv, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[5]), bv, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[6]), bv, c6);
            c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a0[7]), bv, c7);
            c8 = Avx512F.FusedMultiplyAdd(Vector512.Create(a1[0]), bv, c8);
            c9 = Avx512F.FusedMultiplyAdd(Vector512.Create(a1[1]), bv, c9);
            c10 = Avx512F.FusedMultiplyAdd(Vector512.Create(a1[2]), bv, c10);
            c11 = Avx512F.FusedMultiplyAdd(Vector512.Create(a1[3]), bv, c11);
            c12 = Avx512F.FusedMultiplyAdd(Vector512.Create(a1[4]), bv, c12);
            c13 = Avx512F.FusedMultiplyAdd(Vector512.Create(a1[5]), bv, c13);
            c14 = Avx512F.FusedMultiplyAdd(Vector512.Create(a1[6]), bv, c14);
            c15 = Avx512F.FusedMultiplyAdd(Vector512.Create(a1[7]), bv, c15);
            a0 += Nr;
            a1 += Nr;
            b += Nr;
        }

        c0.Store(c);
        c1.Store(c + ldc);
        c2.Store(c + (2 * ldc));
        c3.Store(c + (3 * ldc));
        c4.Store(c + (4 * ldc));
        c5.Store(c + (5 * ldc));
        c6.Store(c + (6 * ldc));
        c7.Store(c + (7 * ldc));
        c8.Store(c + (8 * ldc));
        c9.Store(c + (9 * ldc));
        c10.Store(c + (10 * ldc));
        c11.Store(c + (11 * ldc));
        c12.Store(c + (12 * ldc));
        c13.Store(c + (13 * ldc));
        c14.Store(c + (14 * ldc));
        c15.Store(c + (15 * ldc));
    }

    /// <summary>The 8 × 8 form of <see cref="Tile16x8"/> (one row panel), for the diagonal block of a panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x8(double* a, double* b, int count, double* c, int ldc, bool accumulate)
    {
        Vector512<double> c0, c1, c2, c3, c4, c5, c6, c7;
        if (accumulate)
        {
            c0 = Vector512.Load(c);
            c1 = Vector512.Load(c + ldc);
            c2 = Vector512.Load(c + (2 * ldc));
            c3 = Vector512.Load(c + (3 * ldc));
            c4 = Vector512.Load(c + (4 * ldc));
            c5 = Vector512.Load(c + (5 * ldc));
            c6 = Vector512.Load(c + (6 * ldc));
            c7 = Vector512.Load(c + (7 * ldc));
        }
        else
        {
            c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = Vector512<double>.Zero;
        }

        for (var s = 0; s < count; s++)
        {
            var bv = Vector512.Load(b);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[0]), bv, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[1]), bv, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[2]), bv, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[3]), bv, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[4]), bv, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[5]), bv, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[6]), bv, c6);
            c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[7]), bv, c7);
            a += Nr;
            b += Nr;
        }

        c0.Store(c);
        c1.Store(c + ldc);
        c2.Store(c + (2 * ldc));
        c3.Store(c + (3 * ldc));
        c4.Store(c + (4 * ldc));
        c5.Store(c + (5 * ldc));
        c6.Store(c + (6 * ldc));
        c7.Store(c + (7 * ldc));
    }
}
