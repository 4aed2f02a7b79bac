using System.Runtime.Intrinsics.X86;
using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Initialization;

/// <summary>Cholesky QR (one and two passes) against the double Householder QR it replaces for orthogonal_, and its
/// independence of the thread count. The comparison with PyTorch itself is in Parity/InitParityTests.</summary>
public sealed class CholeskyQrTests
{
    public static TheoryData<int, int> Shapes() => new()
    {
        { 16, 16 }, { 17, 16 }, { 16, 17 }, { 40, 23 }, { 23, 40 }, { 64, 64 }, { 100, 37 }, { 37, 100 },
        { 129, 129 }, { 300, 300 }, { 1001, 61 }, { 61, 1001 }, { 257, 250 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void One_and_two_passes_agree_with_householder_and_with_one_thread(int rows, int cols)
    {
        if (!Fma.IsSupported || !Avx2.IsSupported)
        {
            Assert.False(CholeskyQr.TryOrthonormalFactor(Draw(rows, cols, 1), rows, cols, 2));
            return;
        }

        for (var seed = 1UL; seed <= 3; seed++)
        {
            var reference = Draw(rows, cols, seed);
            HouseholderQr.OrthonormalFactor(reference, rows, cols);
            foreach (var passes in new[] { 0, 1, 2 })
            {
                var serial = Draw(rows, cols, seed);
                var parallel = Draw(rows, cols, seed);
                Assert.True(CholeskyQr.TryOrthonormalFactor(serial, rows, cols, 1, passes), $"{rows}x{cols} seed {seed} passes {passes}");
                Assert.True(CholeskyQr.TryOrthonormalFactor(parallel, rows, cols, 4, passes));
                Assert.Equal(serial, parallel); // bit for bit, whatever the thread count

                // Both are the exact Q rounded to float, up to errors far below a float ulp of the larger entries: a few
                // entries round the other way (one ulp), and tiny entries may differ by a few ulps of their own.
                // Allowed per entry: one ulp of the entry (a rounding the other way) plus 2⁻³⁰ (the double error).
                var worst = 0.0;
                var differing = 0;
                for (var i = 0; i < serial.Length; i++)
                {
                    var magnitude = Math.Abs(reference[i]);
                    var allowed = (MathF.BitIncrement(magnitude) - (double)magnitude) + Math.ScaleB(1.0, -30);
                    worst = Math.Max(worst, Math.Abs((double)serial[i] - reference[i]) / allowed);
                    differing += serial[i] == reference[i] ? 0 : 1;
                }

                Assert.True(worst <= 1, $"{rows}x{cols} seed {seed} passes {passes}: {worst:g3} of the allowed difference from Householder");
                Assert.True(differing <= (serial.Length / 100) + 1, $"{rows}x{cols} seed {seed} passes {passes}: {differing} of {serial.Length} differ");
            }
        }
    }

    [Fact]
    public void A_rank_deficient_matrix_is_left_to_householder()
    {
        if (!Fma.IsSupported || !Avx2.IsSupported)
        {
            return;
        }

        const int Rows = 40, Cols = 20;
        var data = Draw(Rows, Cols, 7);
        for (var i = 0; i < Rows; i++)
        {
            data[(i * Cols) + 5] = data[(i * Cols) + 3]; // two equal columns: G is singular
        }

        var copy = (float[])data.Clone();
        Assert.False(CholeskyQr.TryOrthonormalFactor(data, Rows, Cols, 2));
        Assert.Equal(copy, data);
    }

    [Fact]
    public void Small_matrices_are_left_to_householder()
    {
        var data = Draw(30, CholeskyQr.MinColumns - 1, 3);
        Assert.False(CholeskyQr.TryOrthonormalFactor(data, 30, CholeskyQr.MinColumns - 1, 2));
    }

    private static float[] Draw(int rows, int cols, ulong seed)
    {
        var data = new float[rows * cols];
        new Generator(seed).Normal(FloatTensor.FromArray(data, rows, cols), 0.0, 1.0);
        return data;
    }
}
