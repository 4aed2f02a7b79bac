using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats.Npy;
using EmbedSharp.Vectors;
using EmbedSharp.Vectors.Similarity;

namespace EmbedSharp.Bench.Peers;

/// <summary>
/// Times similarity queries on the table bench/peers/similarity_vs_gensim.py writes (vectors.npy, queries.npy,
/// query_words.txt in one directory) with the script's protocol, and prints one JSON object: the machine's read bandwidth
/// over the same table (a SIMD sum on all cores and on one: the floor for a one-pass query), build seconds (median of 5),
/// seconds per most_similar(word, topn=10) (median over the query words), seconds for the whole batch of query vectors
/// (median of 3), and the top-10 rows of the first queries so the script can check that both sides agree.
/// </summary>
internal static class SimilarityPeerTimings
{
    public static void Run(string[] args)
    {
        var dir = args[0];
        var vectors = NpyFile.ReadTensor(Path.Combine(dir, "vectors.npy"));
        var queries = NpyFile.ReadTensor(Path.Combine(dir, "queries.npy"));
        var queryWords = File.ReadAllLines(Path.Combine(dir, "query_words.txt")).Where(w => w.Length > 0).ToArray();
        var words = Enumerable.Range(0, (int)vectors.Shape[0]).Select(i => "w" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var wv = new WordVectors(words, vectors);

        if (args.Length > 1 && args[1] == "--lists")
        {
            Lists(wv, queries, File.ReadAllLines(Path.Combine(dir, "compat_words.txt")).Where(w => w.Length > 0).ToArray());
            return;
        }

        if (args.Length > 1 && args[1] == "--cpu")
        {
            CpuProbe(wv, queries, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100, args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : null);
            return;
        }

        var bandwidth = ReadBandwidth(vectors, Environment.ProcessorCount);
        var bandwidth1 = ReadBandwidth(vectors, 1);

        var sw = Stopwatch.StartNew();
        SimilarityIndex.Build(wv); // warm-up (JIT)
        var builds = new List<double>();
        SimilarityIndex? index = null;
        for (var r = 0; r < 5; r++)
        {
            sw.Restart();
            index = SimilarityIndex.Build(wv);
            builds.Add(sw.Elapsed.TotalSeconds);
        }

        var rows = new int[10];
        var scores = new float[10];
        index!.MostSimilar(queryWords[0], rows, scores); // warm-up (JIT)
        var single = new List<double>();
        foreach (var w in queryWords)
        {
            sw.Restart();
            index.MostSimilar(w, rows, scores);
            single.Add(sw.Elapsed.TotalSeconds);
        }

        var index1 = SimilarityIndex.Build(wv, new SimilarityOptions { MaxDegreeOfParallelism = 1 }); // one thread: against bandwidth_1t
        var single1 = new List<double>();
        foreach (var w in queryWords)
        {
            sw.Restart();
            index1.MostSimilar(w, rows, scores);
            single1.Add(sw.Elapsed.TotalSeconds);
        }

        index.MostSimilarBatch(queries, 10); // warm-up
        var batch = new List<double>();
        NeighborBatch? result = null;
        for (var r = 0; r < 3; r++)
        {
            sw.Restart();
            result = index.MostSimilarBatch(queries, 10);
            batch.Add(sw.Elapsed.TotalSeconds);
        }

        var top = Enumerable.Range(0, 5).Select(q => result![q].Select(n => n.Index).ToArray()).ToArray();
        var topWords = queryWords.Take(5).Select(w => index.MostSimilar(w, 10).Select(n => n.Index).ToArray()).ToArray();
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["bandwidth_gbs"] = bandwidth,
            ["bandwidth_1t_gbs"] = bandwidth1,
            ["build_s"] = Median(builds),
            ["single_s"] = Median(single),
            ["single_all_s"] = single,
            ["single_1t_s"] = Median(single1),
            ["batch_s"] = Median(batch),
            ["batch_queries"] = (int)queries.Shape[0],
            ["threads"] = Environment.ProcessorCount,
            ["batch_top"] = top,
            ["word_top"] = topWords,
        }));
    }

    /// <summary>For tools/compat/similarity.py: the top-10 rows and scores (as float32 bits) of most_similar for each word
    /// and of the batched search for every query vector, as one JSON line.</summary>
    private static void Lists(WordVectors wv, FloatTensor queries, string[] words)
    {
        var index = SimilarityIndex.Build(wv);
        static object Pack(Neighbor[] ns) => new Dictionary<string, object>
        {
            ["rows"] = ns.Select(n => n.Index).ToArray(),
            ["scores"] = ns.Select(n => (double)n.Score).ToArray(),
        };
        var batch = index.MostSimilarBatch(queries, 10);
        var single = words.Select(w => Pack(index.MostSimilar(w, 10))).ToArray();
        var vectors = Enumerable.Range(0, batch.QueryCount).Select(q => Pack(batch[q])).ToArray();
        var batchWords = index.MostSimilarBatch(words, 10);
        var batchEqualsSingle = Enumerable.Range(0, words.Length).Count(k => batchWords[k].SequenceEqual(index.MostSimilar(words[k], 10)));
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["words"] = single,
            ["vectors"] = vectors,
            ["batch_equals_single"] = batchEqualsSingle,
        }));
    }

    /// <summary>Diagnostics on a busy machine (<c>peers-similarity DIR --cpu [COUNT [RESTRICT]]</c>): process CPU seconds on
    /// one thread of the int16 and float32 kernels in L1, of one pass over the table with DotRows, with one row at a time
    /// and with a plain sum, and of the batched search over the first <paramref name="count"/> queries with integer
    /// screening and with the exhaustive float32 scan, alternating.</summary>
    private static void CpuProbe(WordVectors wv, FloatTensor queries, int count, int? restrict)
    {
        var subset = new FloatTensor(count, queries.Shape[1]);
        for (var i = 0; i < count; i++)
        {
            queries.Row(i).CopyTo(subset.Row(i));
        }

        {
            var qi = new short[4 * 304];
            var pi = new int[64 * 152];
            var di = new int[4 * 64];
            var qf = new float[4 * 304];
            var rf = new float[64 * 304];
            var df = new float[4 * 64];
            for (var r = 0; r < 3; r++)
            {
                var ti = Cpu(() =>
                {
                    for (var it = 0; it < 20000; it++)
                    {
                        for (var pp = 0; pp < 4; pp++)
                        {
                            SimilarityKernels.ScreenPanels4(qi, 304, pi.AsSpan(pp * 2 * 1216, 1216), pi.AsSpan(((pp * 2) + 1) * 1216, 1216), di);
                        }
                    }
                });
                var tf = Cpu(() =>
                {
                    for (var it = 0; it < 20000; it++)
                    {
                        SimilarityKernels.DotRows4(qf, rf, 304, 64, df, 64);
                    }
                });
                var macs = 20000.0 * 4 * 64 * 304;
                Console.WriteLine(FormattableString.Invariant($"in L1: int16 {macs / ti / 1e9:F1} GMAC/s, float32 {macs / tf / 1e9:F1} GMAC/s"));
            }
        }

        {
            var table = wv.Vectors;
            var dim = (int)table.RowLength;
            var qv = new float[dim];
            qv[3] = 1;
            var dest = new float[256];
            for (var r = 0; r < 3; r++)
            {
                var plain = Cpu(() => Scan(table, dim, 256, (m, n) => SimilarityKernels.DotRows(qv, m, dim, n, dest)));
                var one = Cpu(() => Scan(table, dim, 1, (m, n) => dest[0] = SimilarityKernels.Dot(qv, m)));
                var sum = Cpu(() => Scan(table, dim, 256, (m, n) => dest[0] += TensorPrimitives.Sum<float>(m)));
                Console.WriteLine(FormattableString.Invariant($"scan cpu ms: DotRows {plain * 1e3:F1}, one row at a time {one * 1e3:F1}, sum {sum * 1e3:F1}"));
            }
        }

        var screened = SimilarityIndex.Build(wv, new SimilarityOptions { MaxDegreeOfParallelism = 1 });
        var exact = SimilarityIndex.Build(wv, new SimilarityOptions { MaxDegreeOfParallelism = 1, ExactScan = true });
        var rows = new int[10];
        var scores = new float[10];
        var words = new[] { "w1", "w2", "w3" };
        for (var r = 0; r < 3; r++)
        {
            var a = Cpu(() => screened.MostSimilarBatch(subset, 10, restrict));
            var b = Cpu(() => exact.MostSimilarBatch(subset, 10, restrict));
            var c = Cpu(() =>
            {
                foreach (var w in words)
                {
                    screened.MostSimilar(w, rows, scores);
                }
            }) / words.Length;
            var d = Cpu(() => ReadBandwidth1(wv.Vectors)) / 10;
            Console.WriteLine(FormattableString.Invariant(
                $"cpu s: batch {count} screened {a:F3}, exact {b:F3} (x{b / a:F2}); single query {c * 1e3:F1} ms; sum pass {d * 1e3:F1} ms"));
        }
    }

    private delegate void RowsAction(ReadOnlySpan<float> rows, int count);

    private static void Scan(FloatTensor table, int dim, int step, RowsAction action)
    {
        for (var c = 0; c < table.ChunkCount; c++)
        {
            var chunk = table.Chunk(c);
            var rows = chunk.Length / dim;
            for (var s = 0; s < rows; s += step)
            {
                var n = Math.Min(step, rows - s);
                action(chunk.Slice(s * dim, n * dim), n);
            }
        }
    }

    private static double Cpu(Action action)
    {
        var p = Process.GetCurrentProcess();
        p.Refresh();
        var before = p.TotalProcessorTime;
        action();
        p.Refresh();
        return (p.TotalProcessorTime - before).TotalSeconds;
    }

    private static void ReadBandwidth1(FloatTensor table)
    {
        var s = 0f;
        for (var r = 0; r < 10; r++)
        {
            for (var c = 0; c < table.ChunkCount; c++)
            {
                s += TensorPrimitives.Sum<float>(table.Chunk(c));
            }
        }

        GC.KeepAlive(s);
    }

    /// <summary>GB/s of a TensorPrimitives.Sum over every row of <paramref name="table"/>, the rows split into
    /// <paramref name="threads"/> contiguous parts summed at the same time (median of 9 after a warm-up).</summary>
    internal static double ReadBandwidth(FloatTensor table, int threads)
    {
        var rowsTotal = (int)table.RowCount;
        var dim = (int)table.RowLength;
        var sums = new float[threads];
        void Pass()
        {
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, p =>
            {
                var first = (int)((long)rowsTotal * p / threads);
                var last = (int)((long)rowsTotal * (p + 1) / threads);
                var s = 0f;
                for (var c = 0; c < table.ChunkCount; c++)
                {
                    var chunk = table.Chunk(c);
                    var chunkFirst = (int)(c * table.ChunkElements / dim);
                    var chunkRows = chunk.Length / dim;
                    var a = Math.Max(first, chunkFirst);
                    var b = Math.Min(last, chunkFirst + chunkRows);
                    if (a < b)
                    {
                        s += TensorPrimitives.Sum<float>(chunk.Slice((a - chunkFirst) * dim, (b - a) * dim));
                    }
                }

                sums[p] = s;
            });
        }

        Pass();
        var times = new List<double>();
        var sw = new Stopwatch();
        for (var r = 0; r < 9; r++)
        {
            sw.Restart();
            Pass();
            times.Add(sw.Elapsed.TotalSeconds);
        }

        GC.KeepAlive(sums);
        return table.Length * 4.0 / Median(times) / 1e9;
    }

    private static double Median(List<double> xs)
    {
        var sorted = xs.Order().ToList(); // a copy: the lists are printed in call order
        return sorted[sorted.Count / 2];
    }
}
