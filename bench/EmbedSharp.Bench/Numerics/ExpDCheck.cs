using System.Diagnostics;
using EmbedSharp.Autograd;

namespace EmbedSharp.Bench.Numerics;

/// <summary>
/// The exhaustive check behind the vectorised <c>Ops.ExpD</c> (issue 15, task 3): for all 2³² float bit patterns,
/// ExpD's result must have the same bits as the scalar <c>(float)Math.Exp(x)</c> it replaced (any NaN equals any NaN).
/// Also counts, for information, where it differs from <c>MathF.Exp(x)</c> (the float exp that GELU's erf uses).
/// Prints the counts and the first mismatch; exit code 1 on a mismatch with the scalar double path.
/// </summary>
internal static class ExpDCheck
{
    private const int Block = 1 << 20;

    public static void Run(string[] args)
    {
        const long Limit = 1L << 32;
        var blocks = (int)(Limit / Block);
        long mismatchDouble = 0, mismatchFloat = 0;
        var first = "";
        var gate = new object();
        var sw = Stopwatch.StartNew();
        Parallel.For(0, blocks, () => (new float[Block], new float[Block]), (b, _, buffers) =>
        {
            var (input, output) = buffers;
            var start = (long)b * Block;
            for (var j = 0; j < Block; j++)
            {
                input[j] = BitConverter.UInt32BitsToSingle((uint)(start + j));
            }

            Ops.ExpD(input, output);
            long md = 0, mf = 0;
            var localFirst = "";
            for (var j = 0; j < Block; j++)
            {
                var got = output[j];
                var want = (float)Math.Exp(input[j]);
                if (!Same(got, want))
                {
                    md++;
                    if (localFirst.Length == 0)
                    {
                        localFirst = $"x = {input[j]:R} (0x{BitConverter.SingleToUInt32Bits(input[j]):x8}): ExpD {got:R}, (float)Math.Exp {want:R}";
                    }
                }

                if (!Same(got, MathF.Exp(input[j])))
                {
                    mf++;
                }
            }

            lock (gate)
            {
                mismatchDouble += md;
                mismatchFloat += mf;
                if (first.Length == 0)
                {
                    first = localFirst;
                }
            }

            return buffers;
        }, _ => { });
        Console.WriteLine($"all 2^32 floats in {sw.Elapsed.TotalSeconds:F1} s: ExpD vs (float)Math.Exp: {mismatchDouble} mismatches{(first.Length > 0 ? "; first " + first : "")}; ExpD vs MathF.Exp: {mismatchFloat} differ");
        Environment.ExitCode = mismatchDouble == 0 ? 0 : 1;
    }

    private static bool Same(float a, float b) =>
        BitConverter.SingleToUInt32Bits(a) == BitConverter.SingleToUInt32Bits(b) || (float.IsNaN(a) && float.IsNaN(b));
}
