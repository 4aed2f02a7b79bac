using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EmbedSharp.Numerics.Formats.Npy;
using EmbedSharp.Vectors;
using EmbedSharp.Vectors.Similarity;

namespace EmbedSharp.Bench.Peers;

/// <summary>
/// Times similarity queries on the table bench/peers/similarity_vs_gensim.py writes (vectors.npy, queries.npy,
/// query_words.txt in one directory) with the script's protocol, and prints one JSON object: build seconds,
/// seconds per most_similar(word, topn=10) (median), seconds for the whole batch of query vectors (median of 3),
/// and the top-10 rows of the first queries so the script can check that both sides agree.
/// </summary>
internal static class SimilarityPeerTimings
{
    public static void Run(string[] args)
    {
        var dir = args[0];
        var vectors = NpyFile.ReadTensor(Path.Combine(dir, "vectors.npy"));
        var queries = NpyFile.ReadTensor(Path.Combine(dir, "queries.npy"));
        var queryWords = File.ReadAllLines(Path.Combine(dir, "query_words.txt"));
        var words = Enumerable.Range(0, (int)vectors.Shape[0]).Select(i => "w" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var wv = new WordVectors(words, vectors);

        var sw = Stopwatch.StartNew();
        var index = SimilarityIndex.Build(wv);
        var build = sw.Elapsed.TotalSeconds;

        var rows = new int[10];
        var scores = new float[10];
        index.MostSimilar(queryWords[0], rows, scores); // warm-up (JIT)
        var single = new List<double>();
        foreach (var w in queryWords)
        {
            sw.Restart();
            index.MostSimilar(w, rows, scores);
            single.Add(sw.Elapsed.TotalSeconds);
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
            ["build_s"] = build,
            ["single_s"] = Median(single),
            ["batch_s"] = Median(batch),
            ["batch_queries"] = (int)queries.Shape[0],
            ["threads"] = Environment.ProcessorCount,
            ["batch_top"] = top,
            ["word_top"] = topWords,
        }));
    }

    private static double Median(List<double> xs)
    {
        xs.Sort();
        return xs[xs.Count / 2];
    }
}
