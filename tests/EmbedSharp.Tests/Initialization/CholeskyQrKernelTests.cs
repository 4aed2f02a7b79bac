using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Initialization;

/// <summary>Cholesky QR's AVX-512 kernels (12 × 8 and 6 × 16 tiles) against its AVX2 ones (6 × 8): the same sums in the
/// same order, so the same bits, on shapes whose sides are not multiples of 6, 8 or 16, square, tall and wide, with one
/// and two threads and either number of passes. Where AVX-512 is missing both runs take the AVX2 kernels. The same bits
/// as before these kernels (and the parallel Cholesky steps) were checked on 504 factorisations with the bench's
/// ortho-hashes mode; CholeskyQrTests and the parity tests hold the results to Householder's and torch's.</summary>
public sealed class CholeskyQrKernelTests
{
    public static TheoryData<int, int> Shapes() => new()
    {
        { 16, 16 }, { 17, 17 }, { 23, 40 }, { 40, 23 }, { 47, 47 }, { 48, 48 }, { 49, 49 }, { 95, 95 }, { 96, 96 },
        { 97, 97 }, { 130, 61 }, { 61, 130 }, { 200, 131 }, { 131, 200 }, { 255, 255 }, { 300, 300 }, { 1001, 61 },
        { 61, 1001 }, { 2000, 50 }, { 513, 129 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Avx512_kernels_give_the_bits_of_the_avx2_kernels(int rows, int cols)
    {
        if (!Fma.IsSupported || !Avx2.IsSupported)
        {
            return; // neither applies: Householder runs
        }

        foreach (var passes in new[] { 0, 1, 2 })
        {
            foreach (var threads in new[] { 1, 2 })
            {
                var seed = (ulong)((rows * 7919) + cols + passes);
                var narrow = Draw(rows, cols, seed);
                var wide = Draw(rows, cols, seed);
                Assert.True(CholeskyQr.TryOrthonormalFactor(narrow, rows, cols, threads, passes, avx512: false), $"{rows}x{cols} passes {passes}");
                Assert.True(CholeskyQr.TryOrthonormalFactor(wide, rows, cols, threads, passes, avx512: true), $"{rows}x{cols} passes {passes}");
                var first = FirstDifference(narrow, wide);
                Assert.True(first < 0, $"{rows}x{cols} passes {passes} threads {threads}: entry {first} differs ({(first < 0 ? 0 : narrow[first])} vs {(first < 0 ? 0 : wide[first])})");
            }
        }
    }

    /// <summary>Large enough that the Cholesky factorisation splits its steps between threads (and the inverse and
    /// the Gram matrix have many column blocks): one thread and two give the same bits, with either kernel.</summary>
    [Theory]
    [InlineData(600, 450)]
    [InlineData(451, 700)]
    public void Parallel_steps_give_the_bits_of_one_thread(int rows, int cols)
    {
        if (!Fma.IsSupported || !Avx2.IsSupported)
        {
            return;
        }

        foreach (var avx512 in new[] { false, true })
        {
            foreach (var passes in new[] { 0, 2 })
            {
                var serial = Draw(rows, cols, 21);
                var parallel = Draw(rows, cols, 21);
                Assert.True(CholeskyQr.TryOrthonormalFactor(serial, rows, cols, 1, passes, avx512));
                Assert.True(CholeskyQr.TryOrthonormalFactor(parallel, rows, cols, 2, passes, avx512));
                var first = FirstDifference(serial, parallel);
                Assert.True(first < 0, $"{rows}x{cols} passes {passes} avx512 {avx512}: entry {first} differs");
            }
        }
    }

    [Fact]
    public void Both_kernels_leave_a_rank_deficient_matrix_alone()
    {
        if (!Fma.IsSupported || !Avx2.IsSupported)
        {
            return;
        }

        const int Rows = 70, Cols = 41;
        var data = Draw(Rows, Cols, 11);
        for (var i = 0; i < Rows; i++)
        {
            data[(i * Cols) + 33] = data[(i * Cols) + 2]; // two equal columns: G is singular
        }

        var copy = (float[])data.Clone();
        Assert.False(CholeskyQr.TryOrthonormalFactor(data, Rows, Cols, 2, avx512: false));
        Assert.False(CholeskyQr.TryOrthonormalFactor(data, Rows, Cols, 2, avx512: true));
        Assert.Equal(copy, data);
    }

    private static int FirstDifference(float[] x, float[] y)
    {
        var a = MemoryMarshal.Cast<float, int>(x);
        var b = MemoryMarshal.Cast<float, int>(y);
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i])
            {
                return i;
            }
        }

        return -1;
    }

    private static float[] Draw(int rows, int cols, ulong seed)
    {
        var data = new float[rows * cols];
        new Generator(seed).Normal(FloatTensor.FromArray(data, rows, cols), 0.0, 1.0);
        return data;
    }
}
