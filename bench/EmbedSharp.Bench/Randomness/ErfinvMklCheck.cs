using System.Diagnostics;
using System.Runtime.Intrinsics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Bench.Randomness;

/// <summary>
/// <c>erfinv-mkl-exhaustive</c>: the proof that the span form of <c>ErfinvMkl.Erfinv</c> (the vector kernel with its
/// gate, ErfinvMkl.Vector.cs) returns the scalar form's bits (the double Halley step and the table, the definition
/// checked against libtorch 2.10's sweep) on every float in [0, 1], and on their negations (against the negated scalar
/// result: the scalar form works on |y| and applies the sign last). Prints the mismatch count and the first mismatch,
/// the number of lanes the gate sent to the scalar path, and the two margins of the argument in the kernel's remarks:
/// E, the largest distance between the kernel's double and the scalar form's double, and D, the largest distance from a
/// rounding midpoint of the scalar form's double over the inputs where the table changes the result (both in float
/// spacings of the double's binade, the gate's unit). Exit code 1 on any mismatch or if D + E ≥ the gate.
/// </summary>
internal static class ErfinvMklCheck
{
    private const int Block = 1 << 20;

    public static void Run(string[] args)
    {
        const long limit = 0x3F800001L; // +0 .. 1.0
        var blocks = (int)((limit + Block - 1) / Block);
        long mismatches = 0, gated = 0, flipped = 0;
        double maxE = 0, maxD = 0;
        uint maxEInput = 0, maxDInput = 0;
        var first = "";
        var gate = new object();
        var sw = Stopwatch.StartNew();
        Parallel.For(
            0,
            blocks,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            () => (new float[Block], new float[Block], new float[Block], new float[Block], new float[Block], new double[Block]),
            (b, _, buffers) =>
            {
                var (input, negative, output, negativeOutput, start, approx) = buffers;
                var first0 = (long)b * Block;
                var n = (int)Math.Min(Block, limit - first0);
                for (var j = 0; j < n; j++)
                {
                    input[j] = BitConverter.UInt32BitsToSingle((uint)(first0 + j));
                    negative[j] = -input[j];
                }

                ErfinvMkl.Erfinv(input.AsSpan(0, n), output.AsSpan(0, n));
                ErfinvMkl.Erfinv(negative.AsSpan(0, n), negativeOutput.AsSpan(0, n));
                SpecialFunctions.Erfinv(input.AsSpan(0, n), start.AsSpan(0, n)); // calc_erfinv, bit-identical to the scalar form's start
                for (var j = 0; j + 4 <= n; j += 4)
                {
                    ErfinvMkl.Approximate(Vector256.Create(input[j], input[j + 1], input[j + 2], input[j + 3])).CopyTo(approx.AsSpan(j, 4));
                }

                for (var j = n & ~3; j < n; j++)
                {
                    approx[j] = ErfinvMkl.Approximate(Vector256.Create((double)input[j])).GetElement(0);
                }

                long localMismatches = 0, localGated = 0, localFlipped = 0;
                double localE = 0, localD = 0;
                uint localEInput = 0, localDInput = 0;
                var localFirst = "";
                for (var j = 0; j < n; j++)
                {
                    var y = input[j];
                    var expected = ErfinvMkl.Erfinv(y);
                    var e = BitConverter.SingleToUInt32Bits(expected);
                    var got = BitConverter.SingleToUInt32Bits(output[j]);
                    var gotNegative = BitConverter.SingleToUInt32Bits(negativeOutput[j]);
                    if (got != e || gotNegative != (e ^ 0x80000000u))
                    {
                        if (localMismatches++ == 0)
                        {
                            localFirst = $"input 0x{BitConverter.SingleToUInt32Bits(y):x8}: scalar 0x{e:x8}, span 0x{got:x8}, span(-y) 0x{gotNegative:x8}";
                        }
                    }

                    if (y <= 0f || y >= 1f)
                    {
                        continue;
                    }

                    var xd = ErfinvMkl.InDouble(y, start[j]);
                    var rounded = (float)xd;
                    var spacing = Math.ScaleB(1.0, Math.ILogB(xd) - 23); // the float spacing of xd's binade, the kernel gate's unit
                    if (expected != rounded)
                    {
                        // a table input: its distance from the midpoint between the two candidates
                        localFlipped++;
                        var mid = (0.5 * rounded) + (0.5 * (double)expected);
                        var d = Math.Abs(xd - mid) / spacing;
                        if (d > localD)
                        {
                            localD = d;
                            localDInput = BitConverter.SingleToUInt32Bits(y);
                        }
                    }

                    var eRel = Math.Abs(approx[j] - xd) / spacing;
                    if (eRel > localE && y >= 2.3509887e-38f) // below 2^-125 every lane takes the scalar path
                    {
                        localE = eRel;
                        localEInput = BitConverter.SingleToUInt32Bits(y);
                    }
                }

                for (var j = 0; j + 4 <= n; j += 4)
                {
                    ErfinvMkl.ErfinvCore(Vector128.Create(input.AsSpan(j, 4)), out var slow);
                    localGated += System.Numerics.BitOperations.PopCount(slow);
                }

                lock (gate)
                {
                    mismatches += localMismatches;
                    gated += localGated;
                    flipped += localFlipped;
                    if (first.Length == 0)
                    {
                        first = localFirst;
                    }

                    if (localE > maxE)
                    {
                        (maxE, maxEInput) = (localE, localEInput);
                    }

                    if (localD > maxD)
                    {
                        (maxD, maxDInput) = (localD, localDInput);
                    }
                }

                return buffers;
            },
            _ => { });

        Console.WriteLine($"every float in [+0, 1] and its negation: {2 * limit} inputs in {sw.Elapsed.TotalSeconds:F0} s; " +
            $"span vs scalar mismatches: {mismatches}{(first.Length > 0 ? "; first " + first : "")}");
        Console.WriteLine($"table changes the rounded double on {flipped} inputs; D = {maxD:F6} spacings (input 0x{maxDInput:x8})");
        Console.WriteLine($"E = {maxE:E3} spacings (input 0x{maxEInput:x8}); gate {ErfinvMkl.Gate}; D + E {(maxD + maxE < ErfinvMkl.Gate ? "<" : ">=")} gate");
        Console.WriteLine($"lanes sent to the scalar path (positive inputs): {gated} of {limit} ({100.0 * gated / limit:F3} %)");
        Environment.ExitCode = mismatches == 0 && maxD + maxE < ErfinvMkl.Gate ? 0 : 1;
    }
}

/// <summary>
/// <c>erfinv-mkl-time [n] [rounds] [range]</c>: thread CPU time per element (best of 5 per round) of MKL's erfinv, span
/// form (vector kernel) and scalar form (the double Halley step) in a loop, and of the float calc_erfinv span, on n
/// trunc_normal-like inputs in (−range, range) (default 0.9545, what a = −2, b = 2 gives; 1 for the whole domain).
/// </summary>
internal static class ErfinvMklTime
{
    public static void Run(string[] args)
    {
        var n = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1 << 20;
        var rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
        var range = args.Length > 2 ? float.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0.9545f;
        var source = new float[n];
        for (var i = 0; i < n; i++)
        {
            source[i] = ((2f * (float)((i * 0.6180339887498949) % 1.0)) - 1f) * range;
        }

        var destination = new float[n];
        void Span() => ErfinvMkl.Erfinv(source, destination);
        void Scalar()
        {
            for (var i = 0; i < n; i++)
            {
                destination[i] = ErfinvMkl.Erfinv(source[i]);
            }
        }

        void Float() => SpecialFunctions.Erfinv(source, destination);
        long slowLanes = 0;
        void Core()
        {
            long count = 0;
            for (var i = 0; i + 4 <= n; i += 4)
            {
                ErfinvMkl.ErfinvCore(Vector128.Create(source.AsSpan(i, 4)), out var slow).CopyTo(destination.AsSpan(i, 4));
                count += System.Numerics.BitOperations.PopCount(slow);
            }

            slowLanes = count;
        }

        static double Best(Action a, int n)
        {
            var best = double.MaxValue;
            for (var k = 0; k < 5; k++)
            {
                var before = Process.GetCurrentProcess().TotalProcessorTime;
                a();
                best = Math.Min(best, (Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds);
            }

            return best / n * 1e9;
        }

        Span();
        Scalar();
        Float();
        for (var r = 0; r < rounds; r++)
        {
            Console.WriteLine($"MKL span {Best(Span, n):F2} ns/elem (vector kernel alone {Best(Core, n):F2}, {100.0 * slowLanes / n:F2} % of lanes to the scalar path), " +
                $"MKL scalar {Best(Scalar, n):F2} ns/elem, calc_erfinv span {Best(Float, n):F2} ns/elem");
        }
    }
}
