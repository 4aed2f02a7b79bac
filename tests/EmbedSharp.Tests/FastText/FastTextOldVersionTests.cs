using System.Globalization;
using System.Text.Json;
using EmbedSharp.FastText;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Vectors.Formats;

namespace EmbedSharp.Tests.FastText;

/// <summary>fastText .bin files of format version 11 (fastText 437f878) and from before the magic number (fastText
/// fdf325c), made by those tools (tests/data/fasttext_old/README.md), against what the tools, fasttext 0.9.2 and gensim
/// print for them.</summary>
public class FastTextOldVersionTests
{
    private static string DataPath(string file) => Path.Combine(AppContext.BaseDirectory, "data", "fasttext_old", file);

    private static string[] QueryWords() => File.ReadAllLines(DataPath("words.txt")).Where(w => w.Length > 0).ToArray();

    /// <summary>Lines "word v1 … vD" (the word may be absent, as in old print-sentence-vectors): the last D numbers.</summary>
    private static List<float[]> ReadVectors(string file, int dim) =>
        File.ReadAllLines(DataPath(file)).Where(l => l.Trim().Length > 0)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^dim..].Select(x => float.Parse(x, CultureInfo.InvariantCulture)).ToArray())
            .ToList();

    /// <summary>fastText prints %g-like 5-6 significant digits: agreement within 5e-5 relative (plus a small absolute
    /// floor) is all the printed text can show.</summary>
    private static void AssertClose(float[] expected, ReadOnlySpan<float> actual, string what)
    {
        for (var i = 0; i < expected.Length; i++)
        {
            var tol = 1e-6f + (5e-5f * Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"{what} [{i}]: printed {expected[i]:R}, computed {actual[i]:R}");
        }
    }

    [Theory]
    [InlineData("v11/skipgram.bin", 11)]
    [InlineData("v11/cbow.bin", 11)]
    [InlineData("v11/supervised.bin", 11)]
    [InlineData("nomagic/skipgram.bin", 0)]
    [InlineData("nomagic/cbow.bin", 0)]
    [InlineData("nomagic/supervised.bin", 0)]
    public void Old_files_load_and_report_their_version(string file, int version)
    {
        var model = FastTextModel.Load(DataPath(file));
        Assert.Equal(version, model.FileVersion);
        if (model.Args.Model == FastTextModelKind.Supervised)
        {
            Assert.Equal(0, model.Args.Maxn); // stored 3; fastText ignores char n-grams in old supervised models
            Assert.Equal(3, model.LabelCount);
        }
        else
        {
            Assert.True(model.Args.Maxn > 0);
        }
    }

    [Theory]
    [InlineData("v11", "skipgram")]
    [InlineData("v11", "cbow")]
    [InlineData("nomagic", "skipgram")]
    [InlineData("nomagic", "cbow")]
    public void Word_vectors_of_known_and_unknown_words_match_the_old_tool(string folder, string name)
    {
        var model = FastTextModel.Load(DataPath($"{folder}/{name}.bin"));
        var printed = ReadVectors($"{folder}/{name}.words.out", model.Dimension);
        var words = QueryWords();
        Assert.Equal(words.Length, printed.Count);
        var v = new float[model.Dimension];
        for (var i = 0; i < words.Length; i++)
        {
            model.GetWordVector(words[i], v);
            AssertClose(printed[i], v, $"{folder}/{name} '{words[i]}'");
        }
    }

    [Theory]
    [InlineData("v11/skipgram.bin")]
    [InlineData("v11/cbow.bin")]
    [InlineData("nomagic/skipgram.bin")]
    [InlineData("nomagic/cbow.bin")]
    public void Word_vectors_match_gensim(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(DataPath("gensim.json")));
        var entry = doc.RootElement.GetProperty("models").GetProperty(file);
        var model = FastTextModel.Load(DataPath(file));
        var v = new float[model.Dimension];
        foreach (var word in entry.GetProperty("vectors").EnumerateObject())
        {
            model.GetWordVector(word.Name, v);
            var expected = word.Value.EnumerateArray().Select(x => (float)x.GetDouble()).ToArray();
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - v[i]) <= 1e-6f, $"{file} '{word.Name}' [{i}]: gensim {expected[i]:R}, computed {v[i]:R}");
            }
        }
    }

    [Fact]
    public void Version_11_unsupervised_differs_from_fasttext_092_only_in_the_eos_vector()
    {
        var model = FastTextModel.Load(DataPath("v11/skipgram.bin"));
        var ft092 = ReadVectors("v11/skipgram.words.ft092", model.Dimension);
        var words = QueryWords();
        var v = new float[model.Dimension];
        for (var i = 0; i < words.Length; i++)
        {
            model.GetWordVector(words[i], v);
            if (words[i] == "</s>")
            {
                Assert.True(Math.Abs(ft092[i][0] - v[0]) > 1e-3f, "the version 11 tool gives </s> character n-grams, fasttext 0.9.2 does not");
            }
            else
            {
                AssertClose(ft092[i], v, $"'{words[i]}'");
            }
        }
    }

    [Theory]
    [InlineData("v11/skipgram", "sentences.out")]
    [InlineData("v11/cbow", "sentences.out")]
    [InlineData("v11/supervised", "sentences.out")]
    [InlineData("v11/skipgram", "sentences.ft092")]
    [InlineData("v11/supervised", "sentences.ft092")]
    public void Sentence_vectors_match_print_sentence_vectors(string model, string output)
    {
        var m = FastTextModel.Load(DataPath(model + ".bin"));
        var lines = File.ReadAllLines(DataPath("test_sentences.txt")).Where(l => l.Length > 0).ToArray();
        var printed = ReadVectors($"{model}.{output}", m.Dimension);
        Assert.Equal(lines.Length, printed.Count);
        var v = new float[m.Dimension];
        for (var i = 0; i < lines.Length; i++)
        {
            m.GetSentenceVector(lines[i], v);
            AssertClose(printed[i], v, $"{model} line {i + 1}");
        }
    }

    [Fact]
    public void Version_11_supervised_word_vectors_follow_fasttext_092_which_forces_maxn_0()
    {
        var model = FastTextModel.Load(DataPath("v11/supervised.bin"));
        var ft092 = ReadVectors("v11/supervised.words.ft092", model.Dimension);
        var words = QueryWords();
        var v = new float[model.Dimension];
        for (var i = 0; i < words.Length; i++)
        {
            model.GetWordVector(words[i], v);
            AssertClose(ft092[i], v, $"'{words[i]}'");
        }
    }

    /// <summary>fastText's predict with the softmax loss: p = softmax(output · hidden), hidden = the sentence vector.</summary>
    private static List<(string Label, float P)> Predict(FastTextModel model, string line)
    {
        var hidden = new float[model.Dimension];
        model.GetSentenceVector(line, hidden);
        var labels = model.Labels.ToArray();
        var logits = new double[labels.Length];
        for (var l = 0; l < labels.Length; l++)
        {
            var row = model.Output.Row(l);
            var dot = 0f;
            for (var d = 0; d < hidden.Length; d++)
            {
                dot += row[d] * hidden[d];
            }

            logits[l] = dot;
        }

        var max = logits.Max();
        var sum = logits.Sum(x => Math.Exp(x - max));
        return [.. labels.Select((name, l) => (name, (float)(Math.Exp(logits[l] - max) / sum))).OrderByDescending(p => p.Item2)];
    }

    private static List<List<(string Label, float P)>> ReadPredictions(string file) =>
        [.. File.ReadAllLines(DataPath(file)).Where(l => l.Length > 0).Select(l =>
        {
            var t = l.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return Enumerable.Range(0, t.Length / 2).Select(k => (t[2 * k], float.Parse(t[(2 * k) + 1], CultureInfo.InvariantCulture))).ToList();
        })];

    [Theory]
    [InlineData("v11/supervised.predict.ft092", 2e-5)] // fasttext 0.9.2: exact probabilities, printed with 6 digits
    [InlineData("v11/supervised.predict.out", 0.01)] // the old tool: probabilities through a log table of 1/256 steps
    [InlineData("nomagic/supervised.predict.out", 0.01)]
    public void Predictions_match_the_tools(string file, double tolerance)
    {
        var model = FastTextModel.Load(DataPath(file[..file.IndexOf('/', StringComparison.Ordinal)] + "/supervised.bin"));
        Assert.Equal(FastTextLoss.Softmax, model.Args.Loss);
        var lines = File.ReadAllLines(DataPath("test_sentences.txt")).Where(l => l.Length > 0).ToArray();
        var expected = ReadPredictions(file);
        for (var i = 0; i < lines.Length; i++)
        {
            var ours = Predict(model, lines[i]);
            Assert.Equal(expected[i][0].Label, ours[0].Label);
            foreach (var (label, p) in expected[i].Where(e => e.P > 1e-3))
            {
                var mine = ours.Single(o => o.Label == label).P;
                Assert.True(Math.Abs(mine - p) <= tolerance + (1e-5 * p), $"line {i + 1} {label}: tool {p:R}, computed {mine:R}");
            }
        }
    }

    [Fact]
    public void A_file_without_magic_number_is_detected_and_read_as_word_vectors()
    {
        var path = DataPath("nomagic/skipgram.bin");
        Assert.Equal(VectorFormat.FastTextBin, VectorFile.Detect(path));
        var loaded = VectorFile.Load(path);
        Assert.NotNull(loaded.Model);
        Assert.Equal(loaded.Model!.WordCount, loaded.Vectors.Count);
    }

    [Fact]
    public void An_unknown_binary_file_names_the_formats_expected()
    {
        var dir = Directory.CreateTempSubdirectory("ft-old-");
        try
        {
            var path = Path.Combine(dir.FullName, "mystery.bin");
            var bytes = File.ReadAllBytes(DataPath("nomagic/skipgram.bin"));
            bytes[24] = 9; // args.loss 9: neither a fastText header nor text
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<VectorFormatException>(() => VectorFile.Detect(path));
            Assert.Contains("Unknown word-vector format", e.Message, StringComparison.Ordinal);
            Assert.Contains("fastText .bin", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("blank", e.Message, StringComparison.Ordinal);
            var direct = Assert.Throws<TensorFormatException>(() => FastTextModel.Load(path));
            Assert.Contains("not a fastText model", direct.Message, StringComparison.Ordinal);
            Assert.Contains("args.loss would be 9", direct.Message, StringComparison.Ordinal);
            Assert.Equal(0, direct.ByteOffset);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("nomagic/cbow.bin")]
    [InlineData("v11/supervised.bin")]
    public void Every_truncation_of_an_old_file_is_refused(string file)
    {
        var bytes = File.ReadAllBytes(DataPath(file));
        for (var n = 0; n < bytes.Length; n += n < 200 ? 1 : 97)
        {
            var ex = Record.Exception(() => FastTextBinFile.Read(new MemoryStream(bytes, 0, n)));
            Assert.True(ex is TensorFormatException, $"{n} bytes: {ex?.GetType().Name}: {ex?.Message}");
        }
    }

    [Theory]
    [InlineData("v11/skipgram.bin")]
    [InlineData("nomagic/cbow.bin")]
    [InlineData("v11/supervised.bin")]
    public void Old_files_are_saved_as_version_12_with_the_same_vectors_but_eos(string file)
    {
        var dir = Directory.CreateTempSubdirectory("ft-old-");
        try
        {
            var model = FastTextModel.Load(DataPath(file));
            var path = Path.Combine(dir.FullName, "re.bin");
            model.Save(path);
            var bytes = File.ReadAllBytes(path);
            Assert.Equal(12, BitConverter.ToInt32(bytes, 4));
            var again = FastTextModel.Load(path);
            Assert.Equal(12, again.FileVersion);
            var a = new float[model.Dimension];
            var b = new float[model.Dimension];
            foreach (var word in QueryWords().Where(w => w != "</s>"))
            {
                model.GetWordVector(word, a);
                again.GetWordVector(word, b);
                Assert.Equal(a, b);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_supervised_model_without_magic_number_with_word_ngrams_is_not_resaved()
    {
        var model = FastTextModel.Load(DataPath("nomagic/supervised.bin"));
        Assert.Equal(2, model.Args.WordNgrams);
        var e = Assert.Throws<NotSupportedException>(() => FastTextBinFile.Write(new MemoryStream(), model));
        Assert.Contains("word ids", e.Message, StringComparison.Ordinal);
    }
}
