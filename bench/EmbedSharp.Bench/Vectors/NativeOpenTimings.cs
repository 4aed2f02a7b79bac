using System.Diagnostics;
using System.Globalization;
using EmbedSharp.Numerics;
using EmbedSharp.Vectors;
using EmbedSharp.Vectors.Formats.Native;

namespace EmbedSharp.Bench.Vectors;

/// <summary><c>native-open [V] [D]</c>: writes a V × D native file (default 400,000 × 300) to the temp directory and
/// prints the time to open it (median of 21 warm opens), to look up words, and, for comparison, to build the in-memory
/// dictionary index a <see cref="WordVectors"/> over the same words needs.</summary>
internal static class NativeOpenTimings
{
    public static void Run(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 400_000;
        var dim = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300;
        var words = new string[count];
        for (var i = 0; i < count; i++)
        {
            words[i] = "word" + i.ToString(CultureInfo.InvariantCulture);
        }

        var path = Path.Combine(Path.GetTempPath(), $"esvec-bench-{count}x{dim}.esvec");
        var table = new FloatTensor(count, dim);
        for (var r = 0; r < count; r++)
        {
            table.Row(r).Fill(r * 1e-6f);
        }

        var watch = Stopwatch.StartNew();
        NativeVectorsFile.Write(path, new WordVectors(words, table));
        Console.WriteLine($"write {count} x {dim}: {watch.Elapsed.TotalMilliseconds:F0} ms, {new FileInfo(path).Length / 1e6:F0} MB");

        var first = Stopwatch.StartNew();
        using (var wv = NativeVectorsFile.Open(path))
        {
            Console.WriteLine($"first open (JIT + page faults): {first.Elapsed.TotalMilliseconds:F2} ms");
        }

        var times = new List<double>();
        for (var k = 0; k < 21; k++)
        {
            watch.Restart();
            using var wv = NativeVectorsFile.Open(path);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        Console.WriteLine($"open (median of 21): {times[10]:F2} ms, min {times[0]:F2} ms, max {times[^1]:F2} ms");
        using (var wv = NativeVectorsFile.Open(path))
        {
            watch.Restart();
            long sum = 0;
            for (var i = 0; i < count; i++)
            {
                sum += wv.IndexOf(words[i]);
            }

            Console.WriteLine($"IndexOf, all {count} words: {watch.Elapsed.TotalMilliseconds / count * 1e6:F0} ns per lookup (checksum {sum})");
        }

        watch.Restart();
        var managed = new WordVectors(words, new FloatTensor(count, 1));
        Console.WriteLine($"for comparison, WordVectors dictionary for {count} words: {watch.Elapsed.TotalMilliseconds:F1} ms ({managed.Count})");
        watch.Restart();
        NativeVectorsFile.Verify(path);
        Console.WriteLine($"Verify (reads everything): {watch.Elapsed.TotalMilliseconds:F0} ms");
        File.Delete(path);
    }
}
