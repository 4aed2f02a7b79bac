using System.Globalization;
using System.Text;
using EmbedSharp.Embeddings;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats.Safetensors;
using EmbedSharp.Tokenization.WordPiece;
using EmbedSharp.Vectors;
using Microsoft.Extensions.AI;

namespace EmbedSharp.Tests.Embeddings;

public sealed class StaticEmbeddingModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-static-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "##s", "dog", "."];

    private static FloatTensor Table(int rows, int dim, int seed = 1)
    {
        var t = new FloatTensor(rows, dim);
        var r = new Random(seed);
        var span = t.AsSpan();
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = (float)(r.NextDouble() * 2 - 1);
        }

        return t;
    }

    /// <summary>Model2Vec's encode, written out in double: mean of w[id]·E[m(id)] over the kept ids, then / (‖v‖ + 1e-32).</summary>
    private static double[] Reference(int[] ids, FloatTensor table, float[]? weights, int[]? mapping, bool normalize)
    {
        var dim = (int)table.Shape[1];
        var v = new double[dim];
        foreach (var id in ids)
        {
            var row = table.Row(mapping?[id] ?? id);
            for (var j = 0; j < dim; j++)
            {
                v[j] += (weights?[id] ?? 1f) * row[j];
            }
        }

        if (ids.Length == 0)
        {
            return v;
        }

        for (var j = 0; j < dim; j++)
        {
            v[j] /= ids.Length;
        }

        if (normalize)
        {
            var norm = Math.Sqrt(v.Sum(x => x * x)) + 1e-32;
            for (var j = 0; j < dim; j++)
            {
                v[j] /= norm;
            }
        }

        return v;
    }

    private static void AssertClose(double[] expected, ReadOnlySpan<float> actual, double tolerance = 2e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var j = 0; j < expected.Length; j++)
        {
            Assert.True(Math.Abs(expected[j] - actual[j]) <= tolerance * Math.Max(1, Math.Abs(expected[j])), $"component {j}: expected {expected[j]}, got {actual[j]}");
        }
    }

    [Fact]
    public void A_text_is_the_normalised_mean_of_its_token_rows_without_the_unknown_token()
    {
        var tokenizer = new WordPieceTokenizer(Vocab);
        var table = Table(Vocab.Length, 16);
        var model = new StaticEmbeddingModel(tokenizer, table, new StaticEmbeddingOptions { UnknownToken = "[UNK]" });
        var ids = model.TokenIds("The cats sat on the zebra.");
        Assert.Equal([5, 6, 10, 7, 8, 5, 12], ids); // "zebra" is [UNK] and dropped
        AssertClose(Reference(ids, table, null, null, normalize: true), model.Embed("The cats sat on the zebra."));
        Assert.Equal(1.0, Math.Sqrt(model.Embed("the cat").Sum(x => (double)x * x)), 5);
    }

    [Fact]
    public void Weights_and_a_token_to_row_mapping_apply_as_in_model2vec()
    {
        var tokenizer = new WordPieceTokenizer(Vocab);
        var table = Table(4, 8, seed: 3);
        var weights = Enumerable.Range(0, Vocab.Length).Select(i => 0.25f + i / 8f).ToArray();
        var mapping = Enumerable.Range(0, Vocab.Length).Select(i => i % 4).ToArray();
        var model = new StaticEmbeddingModel(tokenizer, table, new StaticEmbeddingOptions { Normalize = false }, weights, mapping);
        var ids = model.TokenIds("dog on the mat");
        AssertClose(Reference(ids, table, weights, mapping, normalize: false), model.Embed("dog on the mat"));
    }

    [Fact]
    public void A_text_without_a_known_token_is_the_zero_vector()
    {
        var model = new StaticEmbeddingModel(new WordPieceTokenizer(Vocab), Table(Vocab.Length, 4), new StaticEmbeddingOptions { UnknownToken = "[UNK]" });
        Assert.Equal(new float[4], model.Embed("zebra"));
        Assert.Equal(new float[4], model.Embed(""));
    }

    [Fact]
    public void Max_tokens_cuts_the_text_then_the_ids_as_model2vec_does()
    {
        var model = new StaticEmbeddingModel(new WordPieceTokenizer(Vocab), Table(Vocab.Length, 4), new StaticEmbeddingOptions { MaxTokens = 3 });
        // Median token length of this vocabulary in code points: lengths sorted, the middle one.
        var median = (int)Vocab.Select(t => (double)t.EnumerateRunes().Count()).Order().ElementAt(Vocab.Length / 2);
        Assert.Equal(median, StaticEmbeddingModel.MedianTokenLength(new WordPieceTokenizer(Vocab)));
        Assert.Equal(3, median);
        Assert.Equal([5, 6, 1], model.TokenIds("the cat sat on the mat")); // cut to 9 characters, "the cat s": "s" is [UNK]
        Assert.Equal([5, 12, 6], model.TokenIds("the.cat.the")); // "the.cat.t": five tokens, the first three kept
        var dropUnknown = new StaticEmbeddingModel(new WordPieceTokenizer(Vocab), Table(Vocab.Length, 4), new StaticEmbeddingOptions { MaxTokens = 3, UnknownToken = "[UNK]" });
        Assert.Equal([5, 6], dropUnknown.TokenIds("the cat sat on the mat"));
    }

    [Fact]
    public async Task Batches_and_the_generator_interface_give_the_single_text_vectors()
    {
        var model = new StaticEmbeddingModel(new WordPieceTokenizer(Vocab), Table(Vocab.Length, 12), new StaticEmbeddingOptions { ModelId = "tiny" });
        var texts = Enumerable.Range(0, 300).Select(i => string.Join(' ', Vocab.Skip(5).Where((_, k) => (i >> k & 1) == 1))).ToArray();
        var batch = model.EmbedBatch(texts);
        var sequential = model.EmbedBatch(texts, maxDegreeOfParallelism: 1);
        Assert.Equal(sequential.AsSpan().ToArray(), batch.AsSpan().ToArray());
        for (var i = 0; i < texts.Length; i += 37)
        {
            Assert.Equal(model.Embed(texts[i]), batch.Row(i).ToArray());
        }

        IEmbeddingGenerator<string, Embedding<float>> generator = model;
        var generated = await generator.GenerateAsync(texts);
        Assert.Equal(texts.Length, generated.Count);
        Assert.Equal(batch.Row(5).ToArray(), generated[5].Vector.ToArray());
        Assert.Equal("tiny", generated[0].ModelId);
        Assert.Equal(texts.Sum(t => model.TokenIds(t).Length), generated.Usage!.InputTokenCount);

        var metadata = (EmbeddingGeneratorMetadata)generator.GetService(typeof(EmbeddingGeneratorMetadata))!;
        Assert.Equal(("EmbedSharp", "tiny", (int?)12), (metadata.ProviderName, metadata.DefaultModelId, metadata.DefaultModelDimensions));
        Assert.Same(model, generator.GetService(typeof(StaticEmbeddingModel)));
        Assert.Null(generator.GetService(typeof(string)));
    }

    [Fact]
    public async Task Asking_for_fewer_dimensions_keeps_the_first_ones_renormalised()
    {
        var model = new StaticEmbeddingModel(new WordPieceTokenizer(Vocab), Table(Vocab.Length, 12));
        var full = model.Embed("the cat sat");
        var shortened = (await model.GenerateAsync(["the cat sat"], new EmbeddingGenerationOptions { Dimensions = 5 }))[0].Vector.ToArray();
        var head = full.Take(5).Select(x => (double)x).ToArray();
        var norm = Math.Sqrt(head.Sum(x => x * x));
        AssertClose([.. head.Select(x => x / norm)], shortened);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => model.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 13 }));
    }

    [Fact]
    public void Word_vectors_give_the_mean_of_the_known_words()
    {
        var table = Table(3, 6);
        using var vectors = new WordVectors(["king", "queen", "Paris"], table);
        var model = StaticEmbeddingModel.FromWordVectors(vectors);
        Assert.Equal([0, 2], model.TokenIds("king   Paris unknown"));
        AssertClose(Reference([0, 2], table, null, null, normalize: true), model.Embed("king   Paris unknown"));
    }

    private static void WriteModel2VecSafetensors(string path, FloatTensor embeddings, float[]? weights, long[]? mapping)
    {
        // Written by hand (the library's writer stores floats only): header JSON, then little-endian data.
        var parts = new List<(string Name, string DType, long[] Shape, byte[] Data)>
        {
            ("embeddings", "F32", [embeddings.Shape[0], embeddings.Shape[1]], System.Runtime.InteropServices.MemoryMarshal.AsBytes(embeddings.AsSpan()).ToArray()),
        };
        if (weights is not null)
        {
            parts.Add(("weights", "F32", [weights.Length], System.Runtime.InteropServices.MemoryMarshal.AsBytes(weights.AsSpan()).ToArray()));
        }

        if (mapping is not null)
        {
            parts.Add(("mapping", "I64", [mapping.Length], System.Runtime.InteropServices.MemoryMarshal.AsBytes(mapping.AsSpan()).ToArray()));
        }

        var header = new StringBuilder("{");
        long offset = 0;
        foreach (var (name, dtype, shape, data) in parts)
        {
            header.Append(CultureInfo.InvariantCulture, $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(',', shape)}],\"data_offsets\":[{offset},{offset + data.Length}]}},");
            offset += data.Length;
        }

        header.Length--;
        header.Append('}');
        while (header.Length % 8 != 0)
        {
            header.Append(' ');
        }

        using var file = File.Create(path);
        file.Write(BitConverter.GetBytes((ulong)header.Length));
        file.Write(Encoding.UTF8.GetBytes(header.ToString()));
        foreach (var part in parts)
        {
            file.Write(part.Data);
        }
    }

    [Fact]
    public void A_model2vec_folder_loads_with_its_config_weights_mapping_and_unknown_token()
    {
        var tokenizer = new WordPieceTokenizer(Vocab);
        var table = Table(5, 8, seed: 9);
        var weights = Enumerable.Range(0, Vocab.Length).Select(i => 1f / (i + 1)).ToArray();
        var mapping = Enumerable.Range(0, Vocab.Length).Select(i => (long)(i * 7 % 5)).ToArray();
        WriteModel2VecSafetensors(Path.Combine(_dir, "model.safetensors"), table, weights, mapping);
        File.WriteAllText(Path.Combine(_dir, "config.json"), "{\"model_type\": \"model2vec\", \"normalize\": true, \"hidden_dim\": 8}");
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), "{\"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\"}}");

        var model = StaticEmbeddingModel.LoadModel2Vec(_dir, tokenizer);
        Assert.True(model.Options.Normalize);
        Assert.Equal(1, model.UnknownId);
        Assert.Equal(8, model.Dimensions);
        var ids = model.TokenIds("the dogs sat on a mat");
        Assert.DoesNotContain(1, ids);
        AssertClose(Reference(ids, table, weights, [.. mapping.Select(m => (int)m)], normalize: true), model.Embed("the dogs sat on a mat"));
    }

    [Fact]
    public void A_model2vec_folder_loads_with_its_own_tokenizer_json_and_no_special_tokens()
    {
        var json = Path.Combine(AppContext.BaseDirectory, "data", "huggingface", "wordpiece.json");
        File.Copy(json, Path.Combine(_dir, "tokenizer.json"));
        var hf = EmbedSharp.Tokenization.HuggingFace.HuggingFaceTokenizer.Load(json);
        var table = Table(hf.VocabSize, 6, seed: 4);
        SafetensorsFile.Write(Path.Combine(_dir, "model.safetensors"), new Dictionary<string, FloatTensor> { ["embeddings"] = table });
        File.WriteAllText(Path.Combine(_dir, "config.json"), "{\"normalize\": true}");

        var model = StaticEmbeddingModel.LoadModel2Vec(_dir);
        const string text = "Hello, unaffable world!";
        var expected = hf.Encode(text, addSpecialTokens: false).Ids.Where(id => id != model.UnknownId).ToArray();
        Assert.NotEqual(hf.Encode(text).Ids, expected); // the post-processor would add special tokens
        Assert.Equal(expected, model.TokenIds(text));
        AssertClose(Reference(expected, table, null, null, normalize: true), model.Embed(text));
    }

    [Fact]
    public void The_sentence_transformers_static_layout_loads_and_normalises_when_modules_say_so()
    {
        var tokenizer = new WordPieceTokenizer(Vocab);
        var table = Table(Vocab.Length, 6);
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "0_StaticEmbedding")).FullName;
        SafetensorsFile.Write(Path.Combine(folder, "model.safetensors"), new Dictionary<string, FloatTensor> { ["embedding.weight"] = table });
        File.WriteAllText(Path.Combine(_dir, "modules.json"),
            "[{\"idx\":0,\"name\":\"0\",\"path\":\"0_StaticEmbedding\",\"type\":\"sentence_transformers.models.StaticEmbedding\"},{\"idx\":1,\"name\":\"1\",\"path\":\"1_Normalize\",\"type\":\"sentence_transformers.models.Normalize\"}]");
        var model = StaticEmbeddingModel.LoadModel2Vec(_dir, tokenizer);
        Assert.True(model.Options.Normalize);
        AssertClose(Reference(model.TokenIds("the cat"), table, null, null, normalize: true), model.Embed("the cat"));
    }

    [Fact]
    public void Bad_folders_get_one_line_errors_naming_the_file()
    {
        var tokenizer = new WordPieceTokenizer(Vocab);
        var missing = Assert.Throws<EmbeddingModelFormatException>(() => StaticEmbeddingModel.LoadModel2Vec(Path.Combine(_dir, "nope"), tokenizer));
        Assert.Contains("does not exist", missing.Message);

        var none = Assert.Throws<EmbeddingModelFormatException>(() => StaticEmbeddingModel.LoadModel2Vec(_dir, tokenizer));
        Assert.Contains("neither model.safetensors", none.Message);

        var model = Path.Combine(_dir, "model.safetensors");
        SafetensorsFile.Write(model, new Dictionary<string, FloatTensor> { ["other"] = Table(2, 2) });
        var noTable = Assert.Throws<EmbeddingModelFormatException>(() => StaticEmbeddingModel.LoadModel2Vec(_dir, tokenizer));
        Assert.Contains("no tensor 'embeddings'", noTable.Message);
        Assert.Contains(model, noTable.Message);

        SafetensorsFile.Write(model, new Dictionary<string, FloatTensor> { ["embeddings"] = Table(3, 2) });
        var small = Assert.Throws<EmbeddingModelFormatException>(() => StaticEmbeddingModel.LoadModel2Vec(_dir, tokenizer));
        Assert.Contains("has 3 rows but the tokenizer has 13 tokens", small.Message);

        SafetensorsFile.Write(model, new Dictionary<string, FloatTensor> { ["embeddings"] = Table(13, 2) });
        File.WriteAllText(Path.Combine(_dir, "config.json"), "{\"normalize\": \"yes\"}");
        var config = Assert.Throws<EmbeddingModelFormatException>(() => StaticEmbeddingModel.LoadModel2Vec(_dir, tokenizer));
        Assert.Contains("'normalize' must be true or false", config.Message);
        File.WriteAllText(Path.Combine(_dir, "config.json"), "{\"normalize\": tru");
        Assert.Contains("not valid JSON", Assert.Throws<EmbeddingModelFormatException>(() => StaticEmbeddingModel.LoadModel2Vec(_dir, tokenizer)).Message);
    }
}
