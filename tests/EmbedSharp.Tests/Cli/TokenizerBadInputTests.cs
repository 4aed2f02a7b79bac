using System.Text;
using EmbedSharp.Tests.Tokenization;

namespace EmbedSharp.Tests.Cli;

/// <summary>Issue 14 through the tool: bad tokenizer files, endless input, pipes and out-of-range options end in one
/// line naming the file (or option) and exit 1, within a time bound, leaving nothing behind.</summary>
[Collection("Console")]
public sealed class TokenizerBadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-tok-bad-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string WordPieceVocab => TokenizerFixtures.PathOf("wordpiece/vocab.txt");

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Runs the tool (failing the test if it does not end within 30 s) and checks the one-line failure.</summary>
    private static async Task<string> Fails(string? stdin, string mustName, params string[] args)
    {
        var (code, output, err) = await Task.Run(() => CliRunner.Invoke(stdin, args)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(code == 1, $"exit {code}: {err}");
        Assert.Equal("", output);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("embedsharp: ", err, StringComparison.Ordinal);
        Assert.Contains(mustName, err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        return err;
    }

    [Theory]
    [InlineData("wordpiece")]
    [InlineData("bpe")]
    [InlineData("sentencepiece")]
    [InlineData("word")]
    [InlineData("char")]
    public async Task A_model_that_is_dev_zero_is_refused_at_once(string type)
    {
        if (File.Exists("/dev/zero"))
        {
            // bpe needs vocab.bpe beside encoder.json: the encoder.json is a link to /dev/zero in a directory that has one.
            var model = type == "bpe" ? TokenizerFileBoundsTests.DevZeroEncoder(_dir) : "/dev/zero";
            await Fails("hello\n", $"'{model}' is a device", "tokenize", "--model", model, "--type", type);
        }
    }

    [Fact]
    public async Task Input_that_is_dev_zero_is_refused_at_once()
    {
        if (File.Exists("/dev/zero"))
        {
            await Fails(null, "'/dev/zero' is a device", "tokenize", "--model", WordPieceVocab, "--input", "/dev/zero");
        }
    }

    [Fact]
    public async Task A_vocabulary_that_is_not_utf8_names_the_file_and_line()
    {
        var vocab = Write("vocab.txt", [.. "[UNK]\nab"u8, 0xC0, 0xAF, .. "\nc\n"u8]);   // an overlong '/'
        var err = await Fails("hello\n", vocab + ":2: the byte at byte offset 8 is not valid UTF-8", "tokenize", "--model", vocab);
        Assert.DoesNotContain("Unable to translate", err, StringComparison.Ordinal);
        var word = await Fails("hello\n", vocab + ":2:", "tokenize", "--model", vocab, "--type", "word");
        Assert.Contains("a vocabulary (one token per line) must be UTF-8", word, StringComparison.Ordinal);
        Assert.Equal(["vocab.txt"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Input_with_no_line_break_from_an_endless_pipe_stops_at_the_line_bound()
    {
        if (!FifoWriter.Supported)
        {
            return;
        }

        using var fifo = new FifoWriter("input", FifoWriter.Endless(Encoding.UTF8.GetBytes(new string('w', 1 << 16))));
        await Fails(null, fifo.Path + ":1: the line is longer than 33,554,432 characters", "tokenize", "--model", WordPieceVocab, "--input", fifo.Path);
    }

    [Fact]
    public void Models_and_input_in_pipes_are_streamed()
    {
        if (!FifoWriter.Supported)
        {
            return;
        }

        const string text = "Hello, World!\nThe Congress\r\nsays no";
        var expected = CliRunner.Invoke(text, "tokenize", "--model", WordPieceVocab, "--ids");
        Assert.Equal(0, expected.Code);
        var vocab = File.ReadAllBytes(WordPieceVocab);
        using var model = new FifoWriter("vocab.txt", s => s.Write(vocab));
        using var input = new FifoWriter("input.txt", s => s.Write(Encoding.UTF8.GetBytes(text)));
        var (code, output, err) = CliRunner.Invoke(null, "tokenize", "--model", model.Path, "--type", "wordpiece", "--input", input.Path, "--ids");
        Assert.True(code == 0, err);
        Assert.Equal(expected.Out, output);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1048577")]
    [InlineData("2147483647")]
    public async Task Batch_size_out_of_range_names_the_option(string size)
    {
        await Fails("hello\n", "--batch-size must be from 1 to 1,048,576", "tokenize", "--model", WordPieceVocab, "--batch-size", size);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1025")]
    public async Task Nbest_out_of_range_names_the_option(string n)
    {
        var model = Path.Combine(AppContext.BaseDirectory, "data", "sentencepiece", "unigram.model");
        await Fails("hello\n", "--nbest needs", "tokenize", "--model", model, "--nbest", n);
    }

    [Theory]
    [InlineData("wordpiece", "4")]
    [InlineData("bpe", "255")]
    [InlineData("bpe", "16777217")]
    [InlineData("word", "2000000000")]
    [InlineData("sentencepiece", "3")]
    public async Task Vocab_size_out_of_range_names_the_option_and_writes_nothing(string type, string size)
    {
        var corpus = Write("corpus.txt", "the cat sat on the mat\n"u8.ToArray());
        var output = Path.Combine(_dir, "out");
        await Fails(null, "--vocab-size must be from", "tokenizer", "train", corpus, "--type", type, "--vocab-size", size, "--out", output);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task A_training_corpus_is_read_once_so_a_pipe_works_and_dev_zero_is_refused()
    {
        var output = Path.Combine(_dir, "out");
        if (File.Exists("/dev/zero"))
        {
            await Fails(null, "'/dev/zero' is a device", "tokenizer", "train", "/dev/zero", "--type", "wordpiece", "--vocab-size", "50", "--out", output);
            Assert.False(Directory.Exists(output));
        }

        if (!FifoWriter.Supported)
        {
            return;
        }

        const string corpus = "the cat sat on the mat\nthe cat ate the rat\n";
        using var fifo = new FifoWriter("corpus", s => s.Write(Encoding.UTF8.GetBytes(corpus)));
        var (code, _, err) = CliRunner.Invoke(null, "tokenizer", "train", fifo.Path, "--type", "wordpiece", "--vocab-size", "40", "--min-frequency", "1", "--out", output);
        Assert.True(code == 0, err);
        var fromFile = Path.Combine(_dir, "file");
        Assert.Equal(0, CliRunner.Invoke(null, "tokenizer", "train", Write("corpus.txt", Encoding.UTF8.GetBytes(corpus)), "--type", "wordpiece", "--vocab-size", "40", "--min-frequency", "1", "--out", fromFile).Code);
        Assert.Equal(File.ReadAllText(Path.Combine(fromFile, "vocab.txt")), File.ReadAllText(Path.Combine(output, "vocab.txt")));
    }
}
