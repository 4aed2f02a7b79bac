using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.SentencePiece;

namespace EmbedSharp.Bench.Peers;

/// <summary>
/// Times SentencePiece encoding for bench/peers/tokenize_vs_spm.py: args = model file, text file (one line per text),
/// round. Loads the model, reads the lines, warms up on the first lines, then times EncodeBatch over all lines on all
/// cores and EncodeToIds on one thread, and prints one JSON object with the seconds and a hash of the id lines
/// (FNV-1a 64 over "ids joined by spaces\n" per line, what spm_encode --output_format=id prints) to check agreement.
/// </summary>
internal static class TokenizePeerTimings
{
    public static void Run(string[] args)
    {
        var sw = Stopwatch.StartNew();
        var tokenizer = SentencePieceTokenizer.Load(args[0]);
        var load = sw.Elapsed.TotalSeconds;
        var lines = File.ReadAllLines(args[1], Encoding.UTF8);
        var warm = lines.Take(Math.Min(lines.Length, 20)).ToArray();
        tokenizer.EncodeBatch(warm);

        sw.Restart();
        var batch = tokenizer.EncodeBatch(lines);
        var batchSeconds = sw.Elapsed.TotalSeconds;

        sw.Restart();
        var single = new int[lines.Length][];
        for (var i = 0; i < lines.Length; i++)
        {
            single[i] = tokenizer.EncodeToIds(lines[i]);
        }

        var singleSeconds = sw.Elapsed.TotalSeconds;
        var hash = 0xCBF29CE484222325UL;
        var tokens = 0L;
        foreach (var e in batch)
        {
            tokens += e.Count;
            foreach (var b in Encoding.UTF8.GetBytes(string.Join(' ', e.Ids) + "\n"))
            {
                hash = (hash ^ b) * 0x100000001B3UL;
            }
        }

        var agree = batch.Zip(single).All(p => p.First.Ids.AsSpan().SequenceEqual(p.Second));
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["load_s"] = load,
            ["batch_s"] = batchSeconds,
            ["single_thread_s"] = singleSeconds,
            ["lines"] = lines.Length,
            ["tokens"] = tokens,
            ["threads"] = Environment.ProcessorCount,
            ["ids_fnv1a64"] = hash.ToString("x16", CultureInfo.InvariantCulture),
            ["batch_equals_single"] = agree,
        }));
    }
}
