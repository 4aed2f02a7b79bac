using System.Text.Json;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Numerics.Formats.Safetensors;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.HuggingFace;

namespace EmbedSharp.Embeddings;

/// <content>The Model2Vec folder layout (<c>StaticModel.from_pretrained</c> / <c>save_pretrained</c>) and the
/// sentence-transformers <c>StaticEmbedding</c> layout.</content>
public sealed partial class StaticEmbeddingModel
{
    /// <summary>
    /// Loads a Model2Vec folder with a tokenizer you already have for its <c>tokenizer.json</c>. The folder holds
    /// <c>model.safetensors</c> (tensor <c>embeddings</c>, (rows, dim), F32/F16/BF16/F64; optional <c>weights</c>, one per
    /// token id, and <c>mapping</c>, token id → row, I32/I64), <c>config.json</c> (<c>normalize</c>: bool, default false)
    /// and <c>tokenizer.json</c>, whose <c>model.unk_token</c> is the token dropped from texts. The sentence-transformers
    /// layout is read too: <c>0_StaticEmbedding/model.safetensors</c> (tensor <c>embedding.weight</c>) and
    /// <c>0_StaticEmbedding/tokenizer.json</c>, normalised when <c>modules.json</c> lists a
    /// <c>sentence_transformers.models.Normalize</c> module.
    /// </summary>
    /// <param name="directory">The model folder.</param>
    /// <param name="tokenizer">The tokenizer of the folder's tokenizer.json.</param>
    /// <param name="maxTokens">Model2Vec's <c>max_length</c> (512 by default; null for none).</param>
    /// <exception cref="EmbeddingModelFormatException">A file is missing or inconsistent (the message names it).</exception>
    /// <exception cref="TensorFormatException">model.safetensors is malformed.</exception>
    public static StaticEmbeddingModel LoadModel2Vec(string directory, ITokenizer tokenizer, int? maxTokens = 512)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var layout = Model2VecLayout.Find(directory);
        var content = SafetensorsFile.Read(layout.Model);
        if (!content.Contains(layout.TableName))
        {
            throw new EmbeddingModelFormatException($"the file has no tensor '{layout.TableName}' (it has {string.Join(", ", content.Names)}).", layout.Model);
        }

        FloatTensor table;
        try
        {
            table = content.GetTensor(layout.TableName);
        }
        catch (TensorFormatException e)
        {
            throw new EmbeddingModelFormatException($"tensor '{layout.TableName}' cannot be read as floats: {e.Message}", layout.Model, e);
        }

        if (table.Rank != 2 || table.Shape[1] < 1)
        {
            throw new EmbeddingModelFormatException($"tensor '{layout.TableName}' must be (rows, dimensions); it is {FloatTensor.FormatShape(table.Shape)}.", layout.Model);
        }

        float[]? weights = null;
        if (content.Contains("weights"))
        {
            var w = content.GetTensor("weights");
            if (w.Rank != 1 || w.Length < tokenizer.VocabSize)
            {
                throw new EmbeddingModelFormatException($"tensor 'weights' must hold one value per token ({tokenizer.VocabSize}); it is {FloatTensor.FormatShape(w.Shape)}.", layout.Model);
            }

            weights = w.AsSpan().ToArray();
        }

        int[]? mapping = null;
        if (content.Contains("mapping"))
        {
            var m = content.GetIndexTensor("mapping");
            if (m.Rank != 1 || m.Length < tokenizer.VocabSize)
            {
                throw new EmbeddingModelFormatException($"tensor 'mapping' must hold one row per token ({tokenizer.VocabSize}); it is {FloatTensor.FormatShape(m.Shape)}.", layout.Model);
            }

            mapping = new int[m.Length];
            for (var i = 0; i < mapping.Length; i++)
            {
                var row = m[i];
                if ((ulong)row >= (ulong)table.Shape[0])
                {
                    throw new EmbeddingModelFormatException($"mapping[{i}] = {row} is outside the table's {table.Shape[0]} rows.", layout.Model);
                }

                mapping[i] = (int)row;
            }
        }
        else if (table.Shape[0] < tokenizer.VocabSize)
        {
            throw new EmbeddingModelFormatException(
                $"tensor '{layout.TableName}' has {table.Shape[0]} rows but the tokenizer has {tokenizer.VocabSize} tokens, and there is no 'mapping'.", layout.Model);
        }

        var options = new StaticEmbeddingOptions
        {
            Normalize = layout.Normalize,
            MaxTokens = maxTokens,
            UnknownToken = layout.UnknownToken,
            ModelId = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))),
        };
        return new StaticEmbeddingModel(tokenizer, table, options, weights, mapping);
    }

    /// <summary>Loads a Model2Vec (or sentence-transformers static) folder with its own <c>tokenizer.json</c>, read by
    /// <see cref="HuggingFaceTokenizer"/> and encoding without special tokens (Model2Vec's
    /// <c>add_special_tokens=False</c>). Everything else as <see cref="LoadModel2Vec(string, ITokenizer, int?)"/>.</summary>
    /// <exception cref="EmbeddingModelFormatException">A file is missing or inconsistent.</exception>
    /// <exception cref="TokenizerFormatException">tokenizer.json is malformed.</exception>
    public static StaticEmbeddingModel LoadModel2Vec(string directory, int? maxTokens = 512)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var layout = Model2VecLayout.Find(directory);
        if (!File.Exists(layout.Tokenizer))
        {
            throw new EmbeddingModelFormatException("the model folder has no tokenizer.json.", layout.Tokenizer);
        }

        return LoadModel2Vec(directory, HuggingFaceTokenizer.Load(layout.Tokenizer).WithoutSpecialTokens(), maxTokens);
    }

    /// <summary>Where a Model2Vec or sentence-transformers static model keeps its files, and what its JSON files say.</summary>
    internal sealed record Model2VecLayout(string Model, string TableName, string Tokenizer, bool Normalize, string? UnknownToken)
    {
        private const long MaxJsonBytes = 1L << 30;

        public static Model2VecLayout Find(string directory)
        {
            if (!Directory.Exists(directory))
            {
                throw new EmbeddingModelFormatException("the model folder does not exist.", directory);
            }

            var model = Path.Combine(directory, "model.safetensors");
            if (File.Exists(model))
            {
                var config = Path.Combine(directory, "config.json");
                var normalize = File.Exists(config) && ReadBool(config, "normalize");
                var tokenizer = Path.Combine(directory, "tokenizer.json");
                return new Model2VecLayout(model, "embeddings", tokenizer, normalize, UnknownTokenOf(tokenizer));
            }

            var st = Path.Combine(directory, "0_StaticEmbedding");
            var stModel = Path.Combine(st, "model.safetensors");
            if (File.Exists(stModel))
            {
                var modules = Path.Combine(directory, "modules.json");
                var tokenizer = Path.Combine(st, "tokenizer.json");
                return new Model2VecLayout(stModel, "embedding.weight", tokenizer, File.Exists(modules) && HasNormalizeModule(modules), UnknownTokenOf(tokenizer));
            }

            throw new EmbeddingModelFormatException(
                "the folder holds neither model.safetensors (Model2Vec) nor 0_StaticEmbedding/model.safetensors (sentence-transformers).", directory);
        }

        private static JsonDocument Parse(string path)
        {
            try
            {
                if (new FileInfo(path).Length > MaxJsonBytes)
                {
                    throw new EmbeddingModelFormatException("the JSON file is over 1 GiB.", path);
                }

                return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 256 });
            }
            catch (JsonException e)
            {
                throw new EmbeddingModelFormatException($"not valid JSON: {e.Message}", path, e);
            }
        }

        private static bool ReadBool(string path, string property)
        {
            using var doc = Parse(path);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty(property, out var value))
            {
                return false;
            }

            return value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False or JsonValueKind.Null => false,
                _ => throw new EmbeddingModelFormatException($"'{property}' must be true or false, not {value.ValueKind}.", path),
            };
        }

        private static bool HasNormalizeModule(string path)
        {
            using var doc = Parse(path);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new EmbeddingModelFormatException("modules.json must be an array of modules.", path);
            }

            return doc.RootElement.EnumerateArray().Any(m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("type", out var t)
                && t.ValueKind == JsonValueKind.String && t.GetString() == "sentence_transformers.models.Normalize");
        }

        private static string? UnknownTokenOf(string tokenizerPath)
        {
            if (!File.Exists(tokenizerPath))
            {
                return null;
            }

            using var doc = Parse(tokenizerPath);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("model", out var model)
                && model.ValueKind == JsonValueKind.Object && model.TryGetProperty("unk_token", out var unk) && unk.ValueKind == JsonValueKind.String
                ? unk.GetString() : null;
        }
    }
}
