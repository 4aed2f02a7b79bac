using System.Diagnostics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Bench.Randomness;

/// <summary>
/// <c>erfinv-mkl-table REF.f32 OUT.table</c>: writes the table of <c>ErfinvMkl</c> from a sweep of MKL's erfinv over
/// every float bit pattern 0 .. 0x3F7FFFFF (REF.f32: float32 outputs in that order, made by
/// <c>tools/goldens/torch2/run.sh sweep 0 0x3F800000 REF.f32 torch</c>): the inputs where the double-then-rounded erfinv
/// differs, each with the direction of MKL's neighbour. Fails on any difference larger than one ulp or any special value
/// that differs. Prints the counts.
/// </summary>
internal static class ErfinvMklTable
{
    private const int Block = 1 << 22;

    public static void Run(string[] args)
    {
        if (args.Length != 2)
        {
            throw new ArgumentException("usage: erfinv-mkl-table REF.f32 OUT.table");
        }

        const long count = 0x3F800000L;
        if (new FileInfo(args[0]).Length != count * 4)
        {
            throw new InvalidDataException($"{args[0]}: expected {count * 4} bytes (every float in [0, 1)).");
        }

        var sw = Stopwatch.StartNew();
        var entries = new List<(uint Input, bool Up)>();
        var blocks = (int)((count + Block - 1) / Block);
        var bad = 0L;
        var gate = new object();
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, b =>
        {
            var start = (long)b * Block;
            var n = (int)Math.Min(Block, count - start);
            var reference = new float[n];
            using (var file = File.OpenRead(args[0]))
            {
                file.Position = start * 4;
                file.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(reference.AsSpan()));
            }

            var local = new List<(uint, bool)>();
            var localBad = 0L;
            for (var j = 0; j < n; j++)
            {
                var bits = (uint)(start + j);
                var y = BitConverter.UInt32BitsToSingle(bits);
                var want = reference[j];
                float ours = y == 0f ? y : ErfinvMkl.Rounded(y);
                if (BitConverter.SingleToUInt32Bits(ours) == BitConverter.SingleToUInt32Bits(want))
                {
                    continue;
                }

                if (y != 0f && want == MathF.BitIncrement(ours))
                {
                    local.Add((bits, true));
                }
                else if (y != 0f && want == MathF.BitDecrement(ours))
                {
                    local.Add((bits, false));
                }
                else
                {
                    localBad++;
                }
            }

            lock (gate)
            {
                entries.AddRange(local);
                bad += localBad;
            }
        });

        entries.Sort((p, q) => p.Input.CompareTo(q.Input));
        var encoded = ErfinvMkl.EncodeTable(entries);
        File.WriteAllBytes(args[1], encoded);
        Console.WriteLine($"{count} inputs, {entries.Count} one ulp away ({entries.Count(e => e.Up)} up), {bad} further away; " +
            $"table {encoded.Length} bytes -> {args[1]} ({sw.Elapsed.TotalSeconds:F0} s)");
        if (bad != 0)
        {
            Environment.ExitCode = 1;
        }
    }
}
