using System.Text.Json;
using EmbedSharp.FastText;
using EmbedSharp.Numerics.Formats.Npy;
using EmbedSharp.Vectors.Formats;

namespace EmbedSharp.Tests.Cli;

[Collection("Console")]
public sealed class VectorsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-vectors-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Data(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "data", .. parts]);

    [Fact]
    public void Lookup_prints_exactly_what_fasttext_print_word_vectors_prints()
    {
        // Words that are valid UTF-8 (the fixture also has a Latin-1 word, which fastText handles as raw bytes).
        var expected = File.ReadAllLines(Data("fasttext", "skipgram.word-vectors.txt")).Where(l => !l.Contains('\uFFFD', StringComparison.Ordinal)).ToArray();
        var words = string.Join('\n', expected.Select(l => l[..l.IndexOf(' ', StringComparison.Ordinal)]));
        var (code, output, err) = CliRunner.Invoke(words, "vectors", "lookup", Data("fasttext", "skipgram.bin"));
        Assert.True(code == 0, err);
        Assert.Equal(expected, output.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Info_reports_format_count_and_dimension_as_json()
    {
        var (code, output, _) = CliRunner.Invoke(null, "vectors", "info", Data("textvec", "fasttext_skipgram.vec"), "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("word2vec-text", doc.RootElement.GetProperty("format").GetString());
        Assert.Equal(13, doc.RootElement.GetProperty("words").GetInt32());
        Assert.Equal(10, doc.RootElement.GetProperty("dimension").GetInt32());
        (code, output, _) = CliRunner.Invoke(null, "vectors", "info", Data("textvec", "duplicates.txt"), "--json");
        Assert.Equal(0, code);
        using var dup = JsonDocument.Parse(output);
        Assert.Equal(2, dup.RootElement.GetProperty("duplicates_dropped").GetInt32()); // kept first, like gensim
    }

    [Fact]
    public void Info_counts_vectors_with_infinity_or_nan_and_reports_norms_of_the_others()
    {
        var path = Path.Combine(_dir, "inf.vec");
        File.WriteAllText(path, "3 3\na 1 2 1e39\nb 3 4 0\nc 3e30 0 0\n"); // 1e39 is +inf in float32; 3e30² overflows a float sum
        foreach (var json in new[] { true, false })
        {
            var (code, output, err) = json ? CliRunner.Invoke(null, "vectors", "info", path, "--json") : CliRunner.Invoke(null, "vectors", "info", path);
            Assert.True(code == 0, err);
            if (json)
            {
                using var doc = JsonDocument.Parse(output);
                Assert.Equal(1, doc.RootElement.GetProperty("non_finite_vectors").GetInt32());
                Assert.Equal(5.0, doc.RootElement.GetProperty("norm_min").GetDouble());
                Assert.Equal(3e30, doc.RootElement.GetProperty("norm_max").GetDouble(), 1e24);
            }
            else
            {
                Assert.Contains("non_finite_vectors\t1", output, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Convert_then_neighbors_agree_with_the_library()
    {
        var native = Path.Combine(_dir, "v.esvec");
        var (code, _, err) = CliRunner.Invoke(null, "vectors", "convert", Data("similarity", "vectors.npy"), native, "--to", "native",
            "--words", Data("similarity", "words.txt"));
        Assert.True(code == 0, err);
        using var vectors = VectorFile.Read(native);
        var query = vectors.Words[4];
        (code, var output, err) = CliRunner.Invoke(null, "vectors", "neighbors", native, query, "-k", "3");
        Assert.True(code == 0, err);
        var expected = EmbedSharp.Vectors.Similarity.SimilarityIndex.Build(vectors).MostSimilar(query, 3).Select(n => n.Word);
        Assert.Equal(expected, output.TrimEnd('\n').Split('\n').Select(l => l.Split('\t')[0]));
    }

    [Fact]
    public void Align_writes_the_table_and_prints_the_coverage()
    {
        var vocab = Path.Combine(_dir, "vocab.txt");
        File.WriteAllLines(vocab, ["<pad>", "<unk>", "gamma", "alpha", "BETA", "surely-missing-token"]);
        var table = Path.Combine(_dir, "table.npy");
        var (code, output, err) = CliRunner.Invoke(null, "vectors", "align", Data("textvec", "fasttext_skipgram.vec"), vocab, "--out", table, "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(2, doc.RootElement.GetProperty("exact").GetInt32());
        Assert.Equal(1, doc.RootElement.GetProperty("case_fallback").GetInt32());
        Assert.Equal([6L, 10], NpyFile.ReadTensor(table).Shape.ToArray());
    }

    [Fact]
    public void Align_takes_a_tokenizer_model_as_the_vocabulary()
    {
        var model = Data("sentencepiece", "unigram.model");
        var table = Path.Combine(_dir, "spm-table.npy");
        var (code, output, err) = CliRunner.Invoke(null, "vectors", "align", Data("textvec", "fasttext_skipgram.vec"), model, "--out", table, "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var pieces = EmbedSharp.Tokenization.SentencePiece.SentencePieceTokenizer.Load(model);
        Assert.Equal(pieces.VocabSize, doc.RootElement.GetProperty("vocabulary").GetInt32());
        Assert.Equal([(long)pieces.VocabSize, 10], NpyFile.ReadTensor(table).Shape.ToArray());

        var bpe = CliRunner.Invoke(null, "vectors", "align", Data("textvec", "fasttext_skipgram.vec"), Data("wordpiece_bpe", "bpe"), "--out", table, "--json");
        Assert.True(bpe.Code == 0, bpe.Err);
        var wrongType = CliRunner.Invoke(null, "vectors", "align", Data("textvec", "fasttext_skipgram.vec"), model, "--vocab-type", "bpe", "--out", table);
        Assert.Equal(1, wrongType.Code);
    }

    [Theory]
    [InlineData("out.vec", VectorFormat.Word2VecText, "word2vec-text")]
    [InlineData("out.VEC", VectorFormat.Word2VecText, "word2vec-text")]
    [InlineData("out.npy", VectorFormat.NpyVocab, "npy-vocab")]
    [InlineData("out.safetensors", VectorFormat.SafetensorsVocab, "safetensors-vocab")]
    [InlineData("out.esvec", VectorFormat.Native, "native")]
    public void Convert_takes_the_format_from_an_unambiguous_extension(string name, VectorFormat format, string printed)
    {
        var output = Path.Combine(_dir, name);
        var (code, text, err) = CliRunner.Invoke(null, "vectors", "convert", Data("textvec", "fasttext_skipgram.vec"), output, "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(printed, doc.RootElement.GetProperty("format").GetString());
        Assert.Equal(format, VectorFile.Detect(output));
        using var read = VectorFile.Read(output);
        Assert.Equal(13, read.Count);
    }

    [Theory]
    [InlineData("out.txt", ".txt is both GloVe and word2vec text")]
    [InlineData("out.bin", ".bin is both word2vec binary and fastText's model format")]
    [InlineData("out", "has no extension")]
    [InlineData("out.vec.gz", ".gz names no vector format")]
    public void Convert_asks_for_to_when_the_extension_does_not_say(string name, string message)
    {
        var output = Path.Combine(_dir, name);
        var (code, _, err) = CliRunner.Invoke(null, "vectors", "convert", Data("textvec", "fasttext_skipgram.vec"), output);
        Assert.Equal(1, code);
        Assert.StartsWith("embedsharp: ", err, StringComparison.Ordinal);
        Assert.Contains(message, err, StringComparison.Ordinal);
        Assert.Contains("pass --to (word2vec-bin, word2vec-text, glove, npy, safetensors, native)", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void An_explicit_to_wins_over_the_extension()
    {
        var output = Path.Combine(_dir, "glove.txt");
        var (code, _, err) = CliRunner.Invoke(null, "vectors", "convert", Data("textvec", "fasttext_skipgram.vec"), output, "--to", "GloVe");
        Assert.True(code == 0, err);
        Assert.Equal(VectorFormat.Glove, VectorFile.Detect(output));
        var binary = Path.Combine(_dir, "w2v.vec");
        (code, _, err) = CliRunner.Invoke(null, "vectors", "convert", Data("textvec", "fasttext_skipgram.vec"), binary, "--to", "word2vec_binary");
        Assert.True(code == 0, err);
        Assert.Equal(VectorFormat.Word2VecBinary, VectorFile.Detect(binary));
    }

    [Fact]
    public void Oov_init_takes_a_named_policy_or_an_init_spec()
    {
        var vocab = Path.Combine(_dir, "vocab.txt");
        File.WriteAllLines(vocab, ["alpha", "surely-missing-token", "another-missing-token"]);
        var table = Path.Combine(_dir, "table.npy");
        var (code, output, err) = CliRunner.Invoke(null, "vectors", "align", Data("textvec", "fasttext_skipgram.vec"), vocab, "--out", table,
            "--oov-init", "xavier_uniform(gain=2)", "--seed", "3");
        Assert.True(code == 0, err);
        Assert.Contains("xavier-uniform(gain=2)", output, StringComparison.Ordinal);
        var expected = EmbedSharp.Initialization.InitSpec.XavierUniform(2).Apply(new EmbedSharp.Numerics.FloatTensor(2, 10), new EmbedSharp.Randomness.Generator(3UL));
        var written = NpyFile.ReadTensor(table);
        Assert.Equal(expected.Row(0).ToArray(), written.Row(1).ToArray());
        Assert.Equal(expected.Row(1).ToArray(), written.Row(2).ToArray());

        (code, output, err) = CliRunner.Invoke(null, "vectors", "align", Data("textvec", "fasttext_skipgram.vec"), vocab, "--out", table, "--oov-init", "Trunc_Normal");
        Assert.True(code == 0, err);
        Assert.Contains("trunc_normal(0, 0.02, -0.04, 0.04)", output, StringComparison.Ordinal); // the named policy, not the spec's defaults
    }

    [Theory]
    [InlineData("--oov-init", "glorot", "Unknown --oov-init 'glorot'; expected one of: pretrained-normal, normal, uniform, trunc-normal, zeros, or an initialisation spec")]
    [InlineData("--oov-init", "normal(sd=1)", "normal takes no parameter 'sd'")]
    [InlineData("--oov-init", "constant", "constant needs value")]
    [InlineData("--oov-init", "fasttext", "not a fill for unknown tokens")]
    [InlineData("--seed", "x", "--seed 'x' is not an integer")]
    [InlineData("--vocab-type", "spm", "Unknown --vocab-type 'spm'")]
    public void Bad_align_options_are_one_line(string option, string value, string message)
    {
        var vocab = Path.Combine(_dir, "vocab.txt");
        File.WriteAllLines(vocab, ["alpha", "surely-missing-token"]);
        var table = Path.Combine(_dir, "bad-table.npy");
        var (code, _, err) = CliRunner.Invoke(null, "vectors", "align", Data("textvec", "fasttext_skipgram.vec"), vocab, "--out", table, option, value);
        Assert.Equal(1, code);
        Assert.Contains(message, err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(table));
    }

    [Theory]
    [InlineData("info", "/no/such/file.vec")]
    [InlineData("convert", "x", "y", "--to", "pdf")]
    public void A_user_mistake_gives_one_line_and_exit_code_1(params string[] args)
    {
        var (code, _, err) = CliRunner.Invoke(null, ["vectors", .. args]);
        Assert.Equal(1, code);
        Assert.StartsWith("embedsharp: ", err, StringComparison.Ordinal);
    }
}
