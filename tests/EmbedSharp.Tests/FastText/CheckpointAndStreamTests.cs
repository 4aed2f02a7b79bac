using System.Text;
using EmbedSharp.FastText;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.FastText;

public sealed class CheckpointAndStreamTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static FastTextOptions Small(FastTextModelKind model = FastTextModelKind.SkipGram, int threads = 1) => new()
    {
        Model = model,
        Dim = 12,
        Epoch = 3,
        Bucket = 300,
        Thread = threads,
        Seed = 5,
        T = 0.1,
        MinCount = 1,
        Lr = 0.05,
    };

    private string Corpus(int sentences = 400)
    {
        var g = new Generator(9UL);
        var words = Enumerable.Range(0, 30).Select(i => "w" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var text = new StringBuilder();
        for (var s = 0; s < sentences; s++)
        {
            for (var w = 0; w < 8; w++)
            {
                text.Append(words[((s % 3) * 10) + (int)(g.Random() % 10)]).Append(' ');
            }

            text.Append('\n');
        }

        var path = Path.Combine(_dir, "corpus.txt");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [Theory]
    [InlineData(FastTextModelKind.SkipGram)]
    [InlineData(FastTextModelKind.Cbow)]
    public void A_non_seekable_stream_gives_the_same_bits_as_the_file_and_leaves_no_temporary_file(FastTextModelKind model)
    {
        var corpus = Corpus();
        var spoolDir = Directory.CreateDirectory(Path.Combine(_dir, "spool")).FullName;
        var fromFile = new WordVectorTrainer(Small(model)).Train(corpus);
        using var pipe = new NonSeekableStream(File.ReadAllBytes(corpus));
        var fromStream = new WordVectorTrainer(Small(model)) { TempDirectory = spoolDir }.Train(pipe);
        Assert.Equal(fromFile.Dictionary.TokenCount, fromStream.Dictionary.TokenCount);
        Assert.Equal(fromFile.Input.ToArray(), fromStream.Input.ToArray());
        Assert.Equal(fromFile.Output.ToArray(), fromStream.Output.ToArray());
        Assert.Empty(Directory.GetFiles(spoolDir));
    }

    [Fact]
    public void A_stream_with_no_word_above_min_count_fails_and_leaves_no_temporary_file()
    {
        var spoolDir = Directory.CreateDirectory(Path.Combine(_dir, "spool")).FullName;
        using var pipe = new NonSeekableStream("a b c\n"u8.ToArray());
        var trainer = new WordVectorTrainer(Small() with { MinCount = 3 }) { TempDirectory = spoolDir };
        Assert.Throws<FastTextFormatException>(() => trainer.Train(pipe));
        Assert.Empty(Directory.GetFiles(spoolDir));
    }

    [Theory]
    [InlineData(FastTextModelKind.SkipGram)]
    [InlineData(FastTextModelKind.Cbow)]
    public void Cancelling_after_the_epoch_one_checkpoint_and_resuming_gives_the_bits_of_the_uninterrupted_run(FastTextModelKind model)
    {
        var corpus = Corpus();
        var options = Small(model);
        var full = new WordVectorTrainer(options) { CheckpointPath = Path.Combine(_dir, "full.ckpt") }.Train(corpus);
        Assert.Equal(options, WordVectorTrainer.ReadCheckpointOptions(Path.Combine(_dir, "full.ckpt")));

        var checkpoint = Path.Combine(_dir, "run.ckpt");
        using var cts = new CancellationTokenSource();
        var ntokens = full.Dictionary.TokenCount;
        var cancelling = new SyncProgress(p =>
        {
            if (p.ProcessedTokens >= ntokens && File.Exists(checkpoint))
            {
                cts.Cancel(); // epoch 1 is saved; epoch 2 is cut short
            }
        });
        Assert.ThrowsAny<OperationCanceledException>(() =>
            new WordVectorTrainer(options) { CheckpointPath = checkpoint }.Train(corpus, cancelling, cts.Token));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
        var before = File.ReadAllBytes(checkpoint);

        var resumed = new WordVectorTrainer(options) { CheckpointPath = checkpoint }.Resume(checkpoint, corpus);
        Assert.Equal(full.Input.ToArray(), resumed.Input.ToArray());
        Assert.Equal(full.Output.ToArray(), resumed.Output.ToArray());
        Assert.Equal(full.ProcessedTokens, resumed.ProcessedTokens);
        Assert.Equal(full.EpochLosses, resumed.EpochLosses);
        Assert.NotEqual(before, File.ReadAllBytes(checkpoint)); // the resumed run wrote epochs 2 and 3
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "full.ckpt")).Length, File.ReadAllBytes(checkpoint).Length);
    }

    [Fact]
    public void Two_threads_resume_from_a_checkpoint_and_finish_the_budget()
    {
        var corpus = Corpus();
        var options = Small(threads: 2) with { Epoch = 2 };
        var checkpoint = Path.Combine(_dir, "two.ckpt");
        using var cts = new CancellationTokenSource();
        var trainer = new WordVectorTrainer(options) { CheckpointPath = checkpoint };
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Train(corpus, new SyncProgress(p =>
        {
            if (File.Exists(checkpoint))
            {
                cts.Cancel();
            }
        }), cts.Token));
        var resumed = trainer.Resume(checkpoint, corpus);
        Assert.True(resumed.ProcessedTokens >= 2 * resumed.Dictionary.TokenCount);
        Assert.All(resumed.EpochLosses, l => Assert.True(double.IsFinite(l)));
    }

    [Fact]
    public void Resume_refuses_other_options_another_corpus_and_damaged_checkpoints()
    {
        var corpus = Corpus();
        var checkpoint = Path.Combine(_dir, "a.ckpt");
        new WordVectorTrainer(Small() with { Epoch = 1 }) { CheckpointPath = checkpoint }.Train(corpus);

        var e = Assert.Throws<ArgumentException>(() => new WordVectorTrainer(Small() with { Epoch = 1, Dim = 13 }).Resume(checkpoint, corpus));
        Assert.Contains("Dim = 12", e.Message, StringComparison.Ordinal);

        var other = Path.Combine(_dir, "other.txt");
        File.WriteAllText(other, "w1 w2 w3\n");
        var d = Assert.Throws<FastTextFormatException>(() => new WordVectorTrainer(Small() with { Epoch = 1 }).Resume(checkpoint, other));
        Assert.Contains("bytes", d.Message, StringComparison.Ordinal);

        var bytes = File.ReadAllBytes(checkpoint);
        var truncated = Path.Combine(_dir, "truncated.ckpt");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        Assert.Contains(truncated, Assert.Throws<FastTextFormatException>(() => new WordVectorTrainer(Small() with { Epoch = 1 }).Resume(truncated, corpus)).Message, StringComparison.Ordinal);

        var garbage = Path.Combine(_dir, "garbage.ckpt");
        File.WriteAllText(garbage, "not a checkpoint at all");
        Assert.Throws<FastTextFormatException>(() => WordVectorTrainer.ReadCheckpointOptions(garbage));
        Assert.Throws<FileNotFoundException>(() => WordVectorTrainer.ReadCheckpointOptions(Path.Combine(_dir, "missing.ckpt")));
    }

    [Fact]
    public void Resuming_a_checkpoint_of_the_last_epoch_returns_the_finished_model()
    {
        var corpus = Corpus(100);
        var checkpoint = Path.Combine(_dir, "last.ckpt");
        var full = new WordVectorTrainer(Small()) { CheckpointPath = checkpoint }.Train(corpus);
        var again = new WordVectorTrainer(Small()).Resume(checkpoint, corpus);
        Assert.Equal(full.Input.ToArray(), again.Input.ToArray());
        Assert.Equal(full.ProcessedTokens, again.ProcessedTokens);
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    private sealed class NonSeekableStream(byte[] data) : Stream
    {
        private int _at;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, 777), data.Length - _at); // short reads, as a pipe gives
            Array.Copy(data, _at, buffer, offset, n);
            _at += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
