using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using EmbedSharp.FastText;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.FastText;

/// <summary>Issue 14 for the fastText folder: damaged checkpoints, non-finite weights, endless lines and tokens, pipes
/// and devices, absurd options: each refused with one message naming the file and the place, nothing left behind.</summary>
public sealed class BadFastTextInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-ft-bad-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static FastTextOptions Small() => new()
    {
        Dim = 6,
        Epoch = 2,
        Bucket = 50,
        Thread = 1,
        Seed = 1,
        T = 0.1,
        MinCount = 1,
        Minn = 2,
        Maxn = 3,
    };

    private string Corpus()
    {
        var text = new StringBuilder();
        for (var s = 0; s < 60; s++)
        {
            text.Append(CultureInfo.InvariantCulture, $"a{s % 7} b{s % 5} c{s % 3} d\n");
        }

        var path = Path.Combine(_dir, "corpus.txt");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    private string Checkpoint(string corpus)
    {
        var path = Path.Combine(_dir, "run.ckpt");
        new WordVectorTrainer(Small()) { CheckpointPath = path }.Train(corpus);
        return path;
    }

    private string Flipped(byte[] bytes, long at, int bit = 0)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] ^= (byte)(1 << bit);
        var path = Path.Combine(_dir, "flipped.ckpt");
        File.WriteAllBytes(path, copy);
        return path;
    }

    [Fact]
    public void A_flipped_bit_in_any_section_of_a_checkpoint_is_refused_naming_the_file_and_the_section()
    {
        var corpus = Corpus();
        var bytes = File.ReadAllBytes(Checkpoint(corpus));
        var trainer = new WordVectorTrainer(Small());
        var outputBytes = 6 * 4 * (long)trainer.Train(corpus).Dictionary.WordCount;
        (long At, string Section)[] cases =
        [
            (20, "header and options"), // inside Dim/Epoch
            (bytes.Length - 4 - 8 - 1, "output matrix"), // the last float's top byte
            (bytes.Length - 4 - 8 - outputBytes - 8 - 5, "input matrix"), // the input matrix's last float
        ];
        foreach (var (at, section) in cases)
        {
            var path = Flipped(bytes, at);
            var e = Assert.Throws<FastTextFormatException>(() => trainer.Resume(path, corpus));
            Assert.Contains($"The checkpoint '{path}' is damaged: the checksum of its {section}", e.Message, StringComparison.Ordinal);
            Assert.Equal(path, e.FilePath);
        }

        // Every byte is covered: a flip anywhere is refused (by a checksum or, first, by a count out of range), never resumed.
        for (long at = 0; at < bytes.Length; at += Math.Max(1, bytes.Length / 300))
        {
            var path = Flipped(bytes, at, (int)(at % 8));
            var e = Assert.Throws<FastTextFormatException>(() => trainer.Resume(path, corpus));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_version_1_checkpoint_without_checksums_is_refused_with_a_clear_message()
    {
        var corpus = Corpus();
        var bytes = File.ReadAllBytes(Checkpoint(corpus));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 1);
        var path = Path.Combine(_dir, "old.ckpt");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<FastTextFormatException>(() => WordVectorTrainer.ReadCheckpointOptions(path));
        Assert.Contains("format version 1, written before checkpoints carried checksums", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_checkpoint_fails_naming_the_file_and_offset()
    {
        var corpus = Corpus();
        var bytes = File.ReadAllBytes(Checkpoint(corpus));
        var path = Path.Combine(_dir, "short.ckpt");
        File.WriteAllBytes(path, bytes[..200]);
        var e = Assert.Throws<FastTextFormatException>(() => new WordVectorTrainer(Small()).Resume(path, corpus));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.True(e.ByteOffset is > 0 and <= 200, e.Message);
    }

    [Fact]
    public void Absurd_options_are_refused_by_name_with_their_bounds()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new WordVectorTrainer(Small() with { Neg = int.MaxValue }));
        Assert.Equal("Neg", e.ParamName);
        Assert.StartsWith("Neg must be between 1 and 1,000 (was 2147483647).", e.Message, StringComparison.Ordinal);
        Assert.Equal("Thread", Assert.Throws<ArgumentOutOfRangeException>(() => new WordVectorTrainer(Small() with { Thread = 100_000 })).ParamName);
        Assert.Equal("Bucket", Assert.Throws<ArgumentOutOfRangeException>(() => new WordVectorTrainer(Small() with { Bucket = int.MaxValue })).ParamName);
        Assert.Equal("Maxn", Assert.Throws<ArgumentOutOfRangeException>(() => new WordVectorTrainer(Small() with { Maxn = 1000 })).ParamName);
        Assert.Equal("Lr", Assert.Throws<ArgumentOutOfRangeException>(() => new WordVectorTrainer(Small() with { Lr = 1e9 })).ParamName);
        Assert.Equal("T", Assert.Throws<ArgumentOutOfRangeException>(() => new WordVectorTrainer(Small() with { T = 2 })).ParamName);
        Assert.Equal("Ws", Assert.Throws<ArgumentOutOfRangeException>(() => new WordVectorTrainer(Small() with { Ws = 5000 })).ParamName);
        Assert.Equal("Epoch", Assert.Throws<ArgumentOutOfRangeException>(() => (FastTextOptions.Supervised() with { Epoch = int.MaxValue }).Validate()).ParamName);
        Assert.Equal("WordNgrams", Assert.Throws<ArgumentOutOfRangeException>(() => (FastTextOptions.Supervised() with { WordNgrams = 1000 }).Validate()).ParamName);
        _ = new WordVectorTrainer(Small() with { Neg = 1000, Ws = 1000, Dim = 10_000, Thread = 1024 }); // the bounds themselves are allowed
        _ = new WordVectorTrainer(Small() with { Loss = FastTextLoss.HierarchicalSoftmax, Neg = 0 }); // neg only matters with ns
    }

    [Fact]
    public void An_over_long_token_is_refused_naming_the_file_and_its_offset_and_a_token_at_the_bound_is_kept()
    {
        var corpus = Path.Combine(_dir, "blob.txt");
        using (var f = File.Create(corpus))
        {
            f.Write("one two\nthree "u8);
            f.Write(Enumerable.Repeat((byte)'x', FastTextLimits.MaxWordBytes + 1).ToArray());
            f.Write(" four\n"u8);
        }

        var e = Assert.Throws<FastTextFormatException>(() => new WordVectorTrainer(Small()).Train(corpus));
        Assert.Equal(corpus, e.FilePath);
        Assert.Equal(14, e.ByteOffset);
        Assert.Contains("the token starting at byte offset 14 is longer than 1,048,576 bytes", e.Message, StringComparison.Ordinal);

        var atBound = new MemoryStream([.. "a "u8, .. Enumerable.Repeat((byte)'y', FastTextLimits.MaxWordBytes), .. " b\n"u8]);
        var dictionary = FastTextDictionary.Build(atBound, 1, 0, 0, 0, 1e-4);
        Assert.Contains(Enumerable.Range(0, dictionary.Count), i => dictionary.GetWordBytes(i).Length == FastTextLimits.MaxWordBytes);
        var endless = new byte[3 << 20];
        endless.AsSpan().Fill((byte)'z');
        var s = Assert.Throws<FastTextFormatException>(() => FastTextDictionary.Build(new MemoryStream(endless), 1, 0, 0, 0, 1e-4));
        Assert.StartsWith("The corpus: the token starting at byte offset 0", s.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_as_corpus_or_classifier_file_is_refused_at_once()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var e = Assert.Throws<IOException>(() => new WordVectorTrainer(Small()).Train("/dev/zero"));
        Assert.Contains("'/dev/zero' is a device", e.Message, StringComparison.Ordinal);
        Assert.Throws<IOException>(() => ClassificationDataset.FromFastTextFile("/dev/zero", FastTextOptions.Supervised()));
    }

    [Fact]
    public async Task A_fifo_corpus_is_refused_naming_it_and_a_fifo_classifier_file_is_streamed()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fifo = Path.Combine(_dir, "in.fifo");
        using (var mk = Process.Start("mkfifo", fifo))
        {
            await mk.WaitForExitAsync();
        }

        // No writer: a reader that must seek refuses the FIFO before opening it, so nothing waits for one.
        var e = Assert.Throws<IOException>(() => new WordVectorTrainer(Small()).Train(fifo));
        Assert.Contains($"'{fifo}' is a pipe or FIFO, not a regular file, and training reads the corpus once per epoch", e.Message, StringComparison.Ordinal);
        Assert.Contains(fifo, Assert.Throws<IOException>(() => WordVectorTrainer.ReadCheckpointOptions(fifo)).Message, StringComparison.Ordinal);

        var writer = Task.Run(() => WriteIgnoringClosedReader(fifo, "__label__a x y\n__label__b z\n"));
        var data = ClassificationDataset.FromFastTextFile(fifo, FastTextOptions.Supervised());
        Assert.Equal(2, data.Count);
        await writer.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static void WriteIgnoringClosedReader(string fifo, string text)
    {
        try
        {
            File.WriteAllText(fifo, text);
        }
        catch (IOException)
        {
            // the reader refused the FIFO and closed its end first
        }
    }

    [Fact]
    public void A_classifier_file_without_line_breaks_is_refused_at_the_line_bound()
    {
        var path = Path.Combine(_dir, "endless.txt");
        using (var f = File.Create(path))
        {
            f.Write("__label__a "u8);
            var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("word ", 1 << 14)));
            for (long written = 0; written <= FastTextLimits.MaxLineChars; written += chunk.Length)
            {
                f.Write(chunk);
            }
        }

        var e = Assert.Throws<FastTextFormatException>(() => ClassificationDataset.FromFastTextFile(path, FastTextOptions.Supervised()));
        Assert.Equal(path, e.FilePath);
        Assert.Equal(1, e.Line);
        Assert.Contains("Line 1 is longer than 16,777,216 characters", e.Message, StringComparison.Ordinal);
        var lines = ClassificationDataset.ReadLines(new StringReader("a\r\nb\n"), "stdin").ToList();
        Assert.Equal(["a", "b"], lines);
    }

    [Fact]
    public void A_classifier_with_a_nan_or_infinite_weight_is_refused_naming_the_tensor_and_row()
    {
        var options = FastTextOptions.Supervised() with { Dim = 4, Epoch = 1 };
        var train = ClassificationDataset.Build(ClassifierTestData.Make(30, 1), ClassifierTestData.LabelNames, options);
        var model = new TextClassifier(train.Featurizer, train.LabelNames, options.Dim, new Generator(0));
        var path = Path.Combine(_dir, "model.safetensors");
        model.Save(path);
        _ = TextClassifier.FromFile(path);

        model.Embedding.Weight.Value[3, 2] = float.NaN;
        model.Save(path);
        var e = Assert.Throws<FastTextFormatException>(() => TextClassifier.FromFile(path));
        Assert.Contains($"{path}: embedding.weight holds NaN at row 3, column 2", e.Message, StringComparison.Ordinal);

        model.Embedding.Weight.Value[3, 2] = 0;
        model.Output.Weight.Value[2, 1] = float.NegativeInfinity;
        model.Save(path);
        Assert.Contains("output.weight holds -Infinity at row 2, column 1", Assert.Throws<FastTextFormatException>(() => TextClassifier.FromFile(path)).Message, StringComparison.Ordinal);

        // Finite but absurd (a damaged byte made it -1.7e38): the logits would overflow and predict NaN.
        model.Output.Weight.Value[2, 1] = -1.7e38f;
        model.Save(path);
        Assert.Contains("output.weight holds -1.7E+38 at row 2, column 1; a weight over 1e15 in magnitude", Assert.Throws<FastTextFormatException>(() => TextClassifier.FromFile(path)).Message, StringComparison.Ordinal);
        model.Output.Weight.Value[2, 1] = 1e15f;
        model.Save(path);
        _ = TextClassifier.FromFile(path);
    }

    [Fact]
    public void A_bin_with_a_nan_weight_is_refused_naming_the_matrix_and_row_unless_allowed()
    {
        var model = FastTextFixtures.Scratch();
        model.Input[9, 2] = float.NaN;
        var path = Path.Combine(_dir, "nan.bin");
        model.Save(path);
        var e = Assert.Throws<TensorFormatException>(() => FastTextModel.Load(path));
        Assert.Contains("The input matrix holds NaN at row 9, column 2", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.True(float.IsNaN(FastTextModel.Load(path, new FastTextBinReadOptions { AllowNonFinite = true }).Input[9, 2]));
    }

    [Fact]
    public void A_bin_word_without_its_terminator_is_refused_at_the_word_bound()
    {
        using var ms = new MemoryStream();
        FastTextBinFile.Write(ms, FastTextFixtures.Scratch());
        var head = ms.ToArray();
        var dictionaryStart = 4 + 4 + FastTextBinConstants.ArgsBytes + FastTextBinConstants.DictionaryHeaderBytes;
        var path = Path.Combine(_dir, "endless-word.bin");
        using (var f = File.Create(path))
        {
            f.Write(head.AsSpan(0, dictionaryStart));
            f.Write(Enumerable.Repeat((byte)'w', (2 * FastTextLimits.MaxWordBytes) + 10).ToArray());
        }

        var e = Assert.Throws<TensorFormatException>(() => FastTextModel.Load(path));
        Assert.Contains("goes on for more than 1,048,576 bytes without its NUL terminator", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }
}
