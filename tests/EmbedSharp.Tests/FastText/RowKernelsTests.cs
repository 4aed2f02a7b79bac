using EmbedSharp.FastText;

namespace EmbedSharp.Tests.FastText;

/// <summary>The trainers' list kernels (<c>SumRows</c>, <c>AddToRows</c>) keep the bits of fastText's row-by-row loops
/// (zero the vector and <c>Add</c> each row; <c>Add</c> the vector to each row in list order) for every width path
/// (64-, 32-, 8-, 4-column blocks and the scalar tail), for lists that repeat a row, for int and long row numbers, and
/// for negative zeros (0 + (−0) is +0, so a sum that starts from zero differs from one that starts from the first row).</summary>
public sealed class RowKernelsTests
{
    public static TheoryData<int> Widths() => [1, 3, 4, 7, 8, 12, 31, 32, 36, 63, 64, 65, 100, 101, 128, 300];

    [Theory]
    [MemberData(nameof(Widths))]
    public unsafe void SumRows_gives_the_bits_of_adding_the_rows_one_by_one(int dim)
    {
        var (matrix, rows) = Table(dim, seed: dim);
        var expected = new float[dim];
        var actual = new float[dim];
        fixed (float* m = matrix)
        fixed (float* e = expected)
        fixed (float* a = actual)
        {
            foreach (var list in Lists(rows))
            {
                Array.Clear(expected);
                foreach (var r in list)
                {
                    RowKernels.Add(e, m + ((long)r * dim), dim);
                }

                RowKernels.SumRows(a, m, list, dim);
                Assert.Equal(Bits(expected), Bits(actual));
                Array.Fill(actual, float.NaN);
                RowKernels.SumRows(a, m, list.Select(r => (long)r).ToArray().AsSpan(), dim);
                Assert.Equal(Bits(expected), Bits(actual));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public unsafe void AddToRows_gives_the_bits_of_adding_to_each_row_in_turn(int dim)
    {
        var (matrix, rows) = Table(dim, seed: 1000 + dim);
        var x = new float[dim];
        var random = new Random(dim);
        for (var j = 0; j < dim; j++)
        {
            x[j] = (float)((random.NextDouble() - 0.5) * 1e-3);
        }

        foreach (var list in Lists(rows))
        {
            var expected = (float[])matrix.Clone();
            var actual = (float[])matrix.Clone();
            fixed (float* e = expected)
            fixed (float* a = actual)
            fixed (float* v = x)
            {
                foreach (var r in list)
                {
                    RowKernels.Add(e + ((long)r * dim), v, dim);
                }

                RowKernels.AddToRows(a, list, v, dim);
                Assert.Equal(Bits(expected), Bits(actual));
                RowKernels.AddToRows(a, list.Select(r => (long)r).ToArray().AsSpan(), v, dim);
                foreach (var r in list)
                {
                    RowKernels.Add(e + ((long)r * dim), v, dim);
                }
            }

            Assert.Equal(Bits(expected), Bits(actual));
        }
    }

    private static (float[] Matrix, int Rows) Table(int dim, int seed)
    {
        const int Rows = 23;
        var random = new Random(seed);
        var matrix = new float[Rows * dim];
        for (var i = 0; i < matrix.Length; i++)
        {
            matrix[i] = (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-3, 4))); // mixed magnitudes: rounding depends on the order
        }

        matrix.AsSpan(5 * dim, dim).Fill(-0f); // row 5 all negative zeros
        matrix.AsSpan(0, (dim + 1) / 2).Fill(-0f); // and half of row 0

        return (matrix, Rows);
    }

    private static IEnumerable<int[]> Lists(int rows)
    {
        yield return [5];
        yield return [5, 5, 0];
        yield return [0, rows - 1];
        yield return [3, 3, 7, 3, 12, 7]; // repeated rows: each occurrence counts
        var random = new Random(rows);
        yield return Enumerable.Range(0, 150).Select(_ => random.Next(rows)).ToArray();
    }

    private static uint[] Bits(float[] values) => values.Select(BitConverter.SingleToUInt32Bits).ToArray();
}
