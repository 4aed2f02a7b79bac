using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Bench.Randomness;

/// <summary>
/// One-off tools for the erfinv kernels, run by hand (not in CI):
/// <c>erfinv-exhaustive [all]</c> checks the sixteen-lane (AVX-512) and eight-lane kernels against the scalar
/// <see cref="SpecialFunctions.Erfinv(float)"/> on every float bit pattern with |y| ≤ 1 (about 2^31 inputs; with
/// <c>all</c>, every one of the 2^32 patterns) and prints the mismatch count and the first mismatch;
/// <c>erfinv-hashes</c> prints the SHA-256 of the span method's output for each chunk of 2^24 consecutive bit patterns
/// of [+0, 1] and of [−0, −1] (compare with bench/peers/erfinv_hashes_torch.py, which hashes torch.erfinv the same way);
/// <c>erfinv-time [n] [rounds]</c> times both vector widths on trunc_normal-like inputs, alternating, in process CPU time, and prints ratios.
/// </summary>
internal static class ErfinvCheck
{
    private const int Block = 1 << 20;

    public static void Exhaustive(string[] args)
    {
        var all = args.Length > 0 && args[0] == "all";
        Console.WriteLine($"Vector512 kernels: {(VectorMath.IsVector512Supported ? "yes" : "NO (only the eight-lane kernel is checked)")}");
        // patterns 0 .. 0x3f800000 (|y| ≤ 1), each with both signs; or all 2^32
        var limit = all ? 1L << 31 : 0x3f800001L;
        var blocks = (int)((limit + Block - 1) / Block);
        long mismatches512 = 0, mismatches256 = 0;
        var first = "";
        var gate = new object();
        var sw = Stopwatch.StartNew();
        Parallel.For(0, blocks, () => (new float[2 * Block], new float[2 * Block], new float[2 * Block]), (b, _, buffers) =>
        {
            var (input, out512, out256) = buffers;
            var start = (long)b * Block;
            var n = (int)Math.Min(Block, limit - start);
            for (var j = 0; j < n; j++)
            {
                var bits = (uint)(start + j);
                input[2 * j] = BitConverter.UInt32BitsToSingle(bits);
                input[(2 * j) + 1] = BitConverter.UInt32BitsToSingle(bits | 0x80000000u);
            }

            var m = 2 * n;
            Array.Clear(input, m, input.Length - m); // the last block is short: pad its last vector with zeros
            for (var j = 0; j < m; j += 16)
            {
                var v = Vector512.Create(input.AsSpan(j, 16));
                SpecialFunctions.Erfinv(v.GetLower()).CopyTo(out256.AsSpan(j, 8));
                SpecialFunctions.Erfinv(v.GetUpper()).CopyTo(out256.AsSpan(j + 8, 8));
            }

            // the span method: staged sixteen-lane blocks where AVX-512 is available
            SpecialFunctions.Erfinv(input.AsSpan(0, m), out512.AsSpan(0, m));
            long local512 = 0, local256 = 0;
            string localFirst = "";
            for (var j = 0; j < m; j++)
            {
                var e = BitConverter.SingleToUInt32Bits(SpecialFunctions.Erfinv(input[j]));
                var a8 = BitConverter.SingleToUInt32Bits(out256[j]);
                var a16 = VectorMath.IsVector512Supported ? BitConverter.SingleToUInt32Bits(out512[j]) : e;
                if (a8 != e && local256++ == 0 && localFirst.Length == 0)
                {
                    localFirst = $"8-lane: input 0x{BitConverter.SingleToUInt32Bits(input[j]):x8} expected 0x{e:x8} got 0x{a8:x8}";
                }

                if (a16 != e && local512++ == 0 && localFirst.Length == 0)
                {
                    localFirst = $"span: input 0x{BitConverter.SingleToUInt32Bits(input[j]):x8} expected 0x{e:x8} got 0x{a16:x8}";
                }
            }

            if (local512 + local256 > 0)
            {
                lock (gate)
                {
                    mismatches512 += local512;
                    mismatches256 += local256;
                    if (first.Length == 0)
                    {
                        first = localFirst;
                    }
                }
            }

            return buffers;
        }, _ => { });
        var total = 2 * limit;
        Console.WriteLine($"{total} inputs ({(all ? "every float" : "|y| <= 1, both signs")}) in {sw.Elapsed.TotalSeconds:F1} s: " +
            $"span mismatches {mismatches512}, 8-lane mismatches {mismatches256}{(first.Length > 0 ? "; first " + first : "")}");
        Environment.ExitCode = mismatches512 + mismatches256 == 0 ? 0 : 1;
    }

    public static void Hashes(string[] args)
    {
        const int chunk = 1 << 24;
        const long limit = 0x3f800001L;
        var input = new float[chunk];
        var output = new float[chunk];
        foreach (var sign in new[] { 0u, 0x80000000u })
        {
            for (long start = 0; start < limit; start += chunk)
            {
                var n = (int)Math.Min(chunk, limit - start);
                for (var j = 0; j < n; j++)
                {
                    input[j] = BitConverter.UInt32BitsToSingle((uint)(start + j) | sign);
                }

                SpecialFunctions.Erfinv(input.AsSpan(0, n), output.AsSpan(0, n));
                var hash = System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(output.AsSpan(0, n)));
                Console.WriteLine($"{sign:x8} {start:x8} {n} {Convert.ToHexStringLower(hash)}");
            }
        }
    }

    public static void Time(string[] args)
    {
        var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1 << 23;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var source = new float[n];
        const float hi = 0.9544997f;
        for (var i = 0; i < n; i++)
        {
            source[i] = ((2f * (float)((i * 0.6180339887498949) % 1.0)) - 1f) * hi;
        }

        var destination = new float[n];
        void Run256()
        {
            for (var j = 0; j + 8 <= n; j += 8)
            {
                SpecialFunctions.Erfinv(Vector256.Create(source.AsSpan(j, 8))).CopyTo(destination.AsSpan(j, 8));
            }
        }

        void Run512() => SpecialFunctions.Erfinv(source, destination);

        // best of 5 in thread CPU time (the machine is shared: CPU time is less disturbed than wall time)
        static double Best(Action a)
        {
            var best = double.MaxValue;
            for (var k = 0; k < 5; k++)
            {
                var before = Process.GetCurrentProcess().TotalProcessorTime;
                a();
                best = Math.Min(best, (Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds);
            }

            return best;
        }

        Run256();
        Run512();
        for (var r = 0; r < rounds; r++)
        {
            var t8 = Best(Run256);
            var t16 = Best(Run512);
            Console.WriteLine($"8-lane {t8 / n * 1e9:F2} ns/elem, span {t16 / n * 1e9:F2} ns/elem, ratio {t8 / t16:F2}");
        }
    }
}
