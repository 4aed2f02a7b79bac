namespace EmbedSharp.FastText;

/// <summary>
/// fastText 0.9.2's input-matrix initialisation (<c>DenseMatrix::uniform(a, thread, seed)</c>), reproduced bit for bit:
/// size = rows × dim values in flat order are cut into 10 blocks of ⌊size/10⌋ (the remainder belongs to a block 10);
/// for each block b &lt; <c>thread</c> an <c>std::minstd_rand</c> seeded with b + seed draws every value of the block as
/// libstdc++'s <c>uniform_real_distribution&lt;double&gt;(−a, a)</c> does: u = ((x₁ − 1) + (x₂ − 1)·r) / r², r = 2³¹ − 2
/// (two draws, as <c>generate_canonical&lt;double, 53&gt;</c>), value = (float)(u·2a − a). The other blocks keep zero.
/// </summary>
internal static unsafe class FastTextMatrixInit
{
    /// <summary>fastText splits the matrix into this many blocks, whatever the thread count.</summary>
    public const int Blocks = 10;

    /// <summary>Fills a zeroed matrix as fastText would with <paramref name="threads"/> threads and <paramref name="seed"/>.</summary>
    public static void Fill(NativeMatrix matrix, float a, int threads, int seed) =>
        Fill(matrix.Pointer, matrix.Rows * matrix.Dim, a, threads, seed);

    /// <summary>Fills <paramref name="data"/> (<paramref name="size"/> floats, zeroed by the caller) as fastText would with
    /// <paramref name="threads"/> threads and <paramref name="seed"/>; the blocks are filled in parallel.</summary>
    public static void Fill(float* data, long size, float a, int threads, int seed)
    {
        var blockSize = size / Blocks;
        var blocks = Math.Min(threads, Blocks + 1);
        var bound = (double)a;
        var p = (nint)data;
        Parallel.For(0, blocks, b =>
        {
            var start = blockSize * b;
            var end = Math.Min(size, blockSize * (b + 1));
            if (start < end)
            {
                FillBlock((float*)p + start, end - start, bound, unchecked(b + seed));
            }
        });
    }

    /// <summary>One block: <paramref name="count"/> draws of U(−a, a) from <c>std::minstd_rand(seed)</c>.</summary>
    public static void FillBlock(float* destination, long count, double a, int seed)
    {
        var rng = new MinstdRand(seed);
        const double r = 2147483646.0; // max − min + 1 of minstd_rand
        const double r2 = r * r; // rounded once to double, as libstdc++'s running product
        var width = a - (-a);
        for (long i = 0; i < count; i++)
        {
            var sum = (double)(rng.Next() - 1);
            sum += (double)(rng.Next() - 1) * r;
            var u = sum / r2;
            if (u >= 1.0)
            {
                u = Math.BitDecrement(1.0);
            }

            destination[i] = (float)((u * width) + (-a));
        }
    }
}

/// <summary>C++'s <c>std::minstd_rand</c>: x ← 48271·x mod (2³¹ − 1); seeded with s mod (2³¹ − 1), or 1 when that is 0,
/// where a negative int seed is first widened to 64-bit unsigned (libstdc++'s result_type, uint_fast32_t, is 64 bits on
/// x86-64 Linux). Values are in [1, 2³¹ − 2].</summary>
internal struct MinstdRand
{
    private const ulong Modulus = 2147483647;
    private ulong _x;

    public MinstdRand(int seed)
    {
        var x = unchecked((ulong)(long)seed) % Modulus;
        _x = x == 0 ? 1 : x;
    }

    public uint Next()
    {
        _x = _x * 48271 % Modulus;
        return (uint)_x;
    }
}
