using System.Diagnostics;
using System.Text;
using EmbedSharp.Tests.Tokenization;

namespace EmbedSharp.Tests.Cli;

[Collection("Console")]
public sealed class TokenizeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-tokenize-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string WordPieceVocab => TokenizerFixtures.PathOf("wordpiece/vocab.txt");

    private static string BpeDir => TokenizerFixtures.PathOf("bpe");

    [Fact]
    public void Each_input_line_gives_one_line_of_tokens_in_order()
    {
        var (code, output, err) = CliRunner.Invoke("Hello, World!\n\nThe Congress\nsays no\nfive\n", "tokenize", "--model", WordPieceVocab, "--batch-size", "2");
        Assert.True(code == 0, err);
        var lines = output.Split('\n');
        Assert.Equal(["he ##ll ##o , world !", "", "the congress", "says no", "five", ""], lines);
    }

    [Fact]
    public void Ids_are_printed_space_separated_like_spm_encode()
    {
        var text = "The State of the Union is strong.";
        var (code, output, _) = CliRunner.Invoke(text + "\n", "tokenize", "--model", BpeDir, "--type", "bpe", "--ids");
        Assert.Equal(0, code);
        Assert.Equal(string.Join(' ', TokenizerFixtures.Bpe.Encode(text).Ids) + "\n", output);
        var viaJson = CliRunner.Invoke(text + "\n", "tokenize", "--model", Path.Combine(BpeDir, "encoder.json"), "--ids");
        Assert.Equal(output, viaJson.Out);
    }

    [Fact]
    public void A_sentencepiece_model_prints_the_ids_spm_encode_printed()
    {
        var fixtures = Path.Combine(AppContext.BaseDirectory, "data", "sentencepiece");
        using var samples = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(fixtures, "samples.json")));
        var cases = samples.RootElement.GetProperty("models").GetProperty("unigram").GetProperty("cases").EnumerateArray()
            .Where(c => c.GetProperty("text").GetString()!.IndexOfAny(['\n', '\r']) < 0) // one input line per case
            .ToList();
        var input = string.Concat(cases.Select(c => c.GetProperty("text").GetString() + "\n"));
        var expected = string.Concat(cases.Select(c => string.Join(' ', c.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32())) + "\n"));
        var model = Path.Combine(fixtures, "unigram.model");
        var (code, output, err) = CliRunner.Invoke(input, "tokenize", "--model", model, "--ids");
        Assert.True(code == 0, err);
        Assert.Equal(expected, output);
        var typed = CliRunner.Invoke(input, "tokenize", "--model", model, "--type", "sentencepiece", "--ids");
        Assert.Equal(expected, typed.Out);
    }

    [Fact]
    public void A_tiktoken_file_prints_the_ids_npm_tiktoken_gives_and_encoding_picks_the_pattern()
    {
        using var golden = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "tiktoken", "goldens.json")));
        var texts = golden.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetString()!).ToList();
        var results = golden.RootElement.GetProperty("encodings").GetProperty("cl100k_base").EnumerateArray().ToList();
        var lines = Enumerable.Range(0, texts.Count).Where(i => texts[i].Length > 0 && texts[i].IndexOfAny(['\n', '\r']) < 0).ToList();
        var input = string.Concat(lines.Select(i => texts[i] + "\n"));
        var expected = string.Concat(lines.Select(i => string.Join(' ', results[i].GetProperty("all").EnumerateArray().Select(e => e.GetInt32())) + "\n"));
        var file = Tokenization.Tiktoken.TiktokenData.FilePath("cl100k_base");
        var (code, output, err) = CliRunner.Invoke(input, "tokenize", "--model", file, "--ids");
        Assert.True(code == 0, err);
        Assert.Equal(expected, output);
        var renamed = Path.Combine(_dir, "mine.bin");
        File.Copy(file, renamed);
        var typed = CliRunner.Invoke(input, "tokenize", "--model", renamed, "--type", "tiktoken", "--encoding", "cl100k_base", "--ids");
        Assert.Equal(expected, typed.Out);
        var wrong = CliRunner.Invoke(input, "tokenize", "--model", renamed, "--type", "tiktoken", "--encoding", "o200k_base");
        Assert.Equal(1, wrong.Code);
        Assert.Contains("100,256 tokens, but o200k_base has 199,998", wrong.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Nbest_prints_sentencepieces_best_segmentations_one_per_line()
    {
        // spm_encode --output_format=nbest_id --nbest_size=3 prints the lists of each line one after the other.
        var fixtures = Path.Combine(AppContext.BaseDirectory, "data", "sentencepiece");
        using var golden = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(fixtures, "nbest.json")));
        var cases = golden.RootElement.GetProperty("models").GetProperty("unigram").EnumerateArray()
            .Where(c => c.GetProperty("text").GetString()!.IndexOfAny(['\n', '\r']) < 0)
            .Take(12)
            .ToList();
        var input = string.Concat(cases.Select(c => c.GetProperty("text").GetString() + "\n"));
        var expected = string.Concat(cases.SelectMany(c => c.GetProperty("n10").EnumerateArray().Take(3))
            .Select(l => string.Join(' ', l.EnumerateArray().Select(i => i.GetInt32())) + "\n"));
        var model = Path.Combine(fixtures, "unigram.model");
        var (code, output, err) = CliRunner.Invoke(input, "tokenize", "--model", model, "--ids", "--nbest", "3", "--batch-size", "5");
        Assert.True(code == 0, err);
        Assert.Equal(expected, output);

        var bpe = CliRunner.Invoke("x\n", "tokenize", "--model", Path.Combine(fixtures, "bpe.model"), "--nbest", "3");
        Assert.Equal(1, bpe.Code);
        Assert.Contains("--nbest", bpe.Err, StringComparison.Ordinal);
        Assert.Equal(1, CliRunner.Invoke("x\n", "tokenize", "--model", model, "--nbest", "2000").Code);
    }

    [Fact]
    public void Invalid_utf8_becomes_the_replacement_character()
    {
        var path = Path.Combine(_dir, "bad.txt");
        File.WriteAllBytes(path, [(byte)'a', 0xFF, (byte)'b', 0xC3, (byte)'\n', 0xE2, 0x82]);
        var bpe = CliRunner.Invoke(null, "tokenize", "--model", BpeDir, "--input", path, "--ids");
        Assert.Equal(0, bpe.Code);
        var expected = string.Join(' ', TokenizerFixtures.Bpe.Encode("a\ufffdb\ufffd").Ids) + "\n" + string.Join(' ', TokenizerFixtures.Bpe.Encode("\ufffd").Ids) + "\n";
        Assert.Equal(expected, bpe.Out);
        var wordPiece = CliRunner.Invoke(null, "tokenize", "--model", WordPieceVocab, "--input", path);
        Assert.Equal("ab\n\n", wordPiece.Out.Replace(" ##", "", StringComparison.Ordinal)); // U+FFFD is dropped by BERT's clean step
    }

    [Fact]
    public void Invalid_utf8_on_standard_input_of_the_real_process_becomes_the_replacement_character()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "EmbedSharp.Cli.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "tokenize", "--model", BpeDir, "--ids" })
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.BaseStream.Write([(byte)'x', 0xFF, (byte)'y', (byte)'\n']);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000));
        Assert.Equal(0, process.ExitCode);
        Assert.Equal(string.Join(' ', TokenizerFixtures.Bpe.Encode("x\ufffdy").Ids) + "\n", output);
    }

    [Fact]
    public void A_vocab_with_repeated_tokens_works_with_one_warning_line()
    {
        var vocab = Path.Combine(_dir, "vocab.txt");
        File.WriteAllLines(vocab, ["[UNK]", "a", "b", "a"]);
        var (code, output, err) = CliRunner.Invoke("a b\n", "tokenize", "--model", vocab, "--ids");
        Assert.Equal(0, code);
        Assert.Equal("3 2", output.TrimEnd('\n'));
        Assert.StartsWith("embedsharp: warning: '" + vocab + "': 1 id(s)", err, StringComparison.Ordinal);
        Assert.Contains("id 1, 'a'", err, StringComparison.Ordinal);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Bad_models_fail_with_one_line_naming_the_file()
    {
        var missing = CliRunner.Invoke("x\n", "tokenize", "--model", Path.Combine(_dir, "nope.txt"));
        Assert.Equal(1, missing.Code);
        Assert.Contains("nope.txt", missing.Err, StringComparison.Ordinal);
        var noUnk = Path.Combine(_dir, "vocab.txt");
        File.WriteAllLines(noUnk, ["[PAD]", "a"]);
        var r = CliRunner.Invoke("x\n", "tokenize", "--model", noUnk);
        Assert.Equal(1, r.Code);
        Assert.Contains(noUnk, r.Err, StringComparison.Ordinal);
        Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
        var type = CliRunner.Invoke("x\n", "tokenize", "--model", noUnk, "--type", "morse");
        Assert.Equal(1, type.Code);
        Assert.Contains("wordpiece", type.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wordpiece", "vocab.txt")]
    [InlineData("bpe", "encoder.json")]
    [InlineData("word", "vocab.txt")]
    [InlineData("char", "vocab.txt")]
    [InlineData("sentencepiece", "sentencepiece.model")]
    public void Trained_vocabularies_tokenize_their_corpus(string type, string file)
    {
        var corpus = Path.Combine(_dir, "corpus.txt");
        File.WriteAllText(corpus, "the cat sat on the mat\nthe dog sat on the log\nthe cat and the dog\n", new UTF8Encoding(false));
        var outDir = Path.Combine(_dir, type);
        var train = CliRunner.Invoke(null, "tokenizer", "train", "--type", type, "--vocab-size", type switch { "bpe" => "280", "sentencepiece" => "18", _ => "30" }, corpus, "--out", outDir, "--min-frequency", "1");
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains("tokens written", train.Out, StringComparison.Ordinal);
        var model = Path.Combine(outDir, file);
        Assert.True(File.Exists(model));
        var r = CliRunner.Invoke("the cat sat\n", "tokenize", "--model", model, "--type", type);
        Assert.Equal(0, r.Code);
        Assert.DoesNotContain("unk", r.Out, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Word_splitting_is_fastText_whitespace_unless_another_rule_is_named()
    {
        var corpus = Path.Combine(_dir, "words.txt");
        File.WriteAllText(corpus, "The cat, the CAT.\nDon't stop\n", new UTF8Encoding(false));
        var outDir = Path.Combine(_dir, "lower");
        var train = CliRunner.Invoke(null, "tokenizer", "train", "--type", "word", "--vocab-size", "30", corpus, "--out", outDir,
            "--min-frequency", "1", "--word-splitting", "lower-case-alphanumeric");
        Assert.True(train.Code == 0, train.Err);
        var model = Path.Combine(outDir, "vocab.txt");
        Assert.Equal(["<pad>", "<unk>", "cat", "the", "don't", "stop"], File.ReadAllLines(model));
        var lower = CliRunner.Invoke("THE Cat's cat!\n", "tokenize", "--model", model, "--type", "word", "--word-splitting", "lower-case-alphanumeric");
        Assert.Equal(0, lower.Code);
        Assert.Equal("the <unk> cat\n", lower.Out);
        var whitespace = CliRunner.Invoke("the\tcat cat!\n", "tokenize", "--model", model, "--type", "word");
        Assert.Equal("the cat <unk>\n", whitespace.Out);
        var regex = CliRunner.Invoke("the cat!\n", "tokenize", "--model", model, "--type", "word", "--word-splitting", "regex");
        Assert.Equal("the cat <unk>\n", regex.Out);
        var bad = CliRunner.Invoke("x\n", "tokenize", "--model", model, "--type", "word", "--word-splitting", "commas");
        Assert.Equal(1, bad.Code);
        Assert.Contains("lower-case-alphanumeric", bad.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Training_rejects_a_too_small_vocabulary_and_a_missing_corpus()
    {
        var corpus = Path.Combine(_dir, "c.txt");
        File.WriteAllText(corpus, "a b\n");
        var small = CliRunner.Invoke(null, "tokenizer", "train", "--type", "bpe", "--vocab-size", "100", corpus, "--out", _dir);
        Assert.Equal(1, small.Code);
        Assert.Contains("256", small.Err, StringComparison.Ordinal);
        var missing = CliRunner.Invoke(null, "tokenizer", "train", "--type", "wordpiece", "--vocab-size", "100", Path.Combine(_dir, "none.txt"), "--out", _dir);
        Assert.Equal(1, missing.Code);
        Assert.Contains("none.txt", missing.Err, StringComparison.Ordinal);
    }
}
