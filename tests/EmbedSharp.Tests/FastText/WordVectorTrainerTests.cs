using System.Globalization;
using System.Numerics.Tensors;
using System.Text;
using EmbedSharp.FastText;
using EmbedSharp.Initialization;

namespace EmbedSharp.Tests.FastText;

public sealed class WordVectorTrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-trainer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string TopicCorpus(out string[][] topics, int sentences = 1500) => FastText.TopicCorpus.Write(_dir, out topics, sentences);

    private static FastTextOptions Small(FastTextModelKind model = FastTextModelKind.SkipGram) => new()
    {
        Model = model,
        Dim = 16,
        Epoch = 5,
        Bucket = 500,
        Thread = 1,
        Seed = 7,
        T = 0.1,
        MinCount = 1,
        Lr = 0.05,
    };

    [Theory]
    [InlineData(FastTextModelKind.SkipGram)]
    [InlineData(FastTextModelKind.Cbow)]
    public void One_thread_and_a_fixed_seed_give_the_same_bits_every_run(FastTextModelKind model)
    {
        var corpus = TopicCorpus(out _, 300);
        var a = new WordVectorTrainer(Small(model)).Train(corpus);
        var b = new WordVectorTrainer(Small(model)).Train(corpus);
        var c = new WordVectorTrainer(Small(model) with { Seed = 8 }).Train(corpus);
        Assert.Equal(a.Input.ToArray(), b.Input.ToArray());
        Assert.Equal(a.Output.ToArray(), b.Output.ToArray());
        Assert.NotEqual(a.Input.ToArray(), c.Input.ToArray());
    }

    [Fact]
    public void The_fastText_init_leaves_rows_after_the_first_thread_tenths_at_zero_until_trained()
    {
        // Rows the corpus never touches keep their initial values: with fastText's init and 1 thread, the matrix after
        // its first tenth starts (and so stays) at zero; the uniform init draws every row.
        var corpus = TopicCorpus(out _, 100);
        var options = Small() with { Bucket = 20_000, Epoch = 1 };
        var fast = new WordVectorTrainer(options).Train(corpus).Input.ToArray();
        var uniform = new WordVectorTrainer(options with { Init = InitSpec.Uniform(-1.0 / options.Dim, 1.0 / options.Dim) }).Train(corpus).Input.ToArray();
        var tenth = fast.Length / 10;
        var touched = Enumerable.Range(tenth, fast.Length - tenth).Count(i => fast[i] != 0f);
        Assert.True(touched < (fast.Length - tenth) / 4, $"{touched} values after the first tenth are non-zero");
        Assert.Equal(uniform.Length - tenth, Enumerable.Range(tenth, uniform.Length - tenth).Count(i => uniform[i] != 0f));
        Assert.Equal(tenth, Enumerable.Range(0, tenth).Count(i => fast[i] != 0f));
    }

    [Theory]
    [InlineData(FastTextModelKind.SkipGram)]
    [InlineData(FastTextModelKind.Cbow)]
    public void Loss_decreases_over_the_epochs(FastTextModelKind model)
    {
        var corpus = TopicCorpus(out _, 600);
        var result = new WordVectorTrainer(Small(model)).Train(corpus);
        Assert.Equal(5, result.EpochLosses.Count);
        Assert.True(result.EpochLosses[^1] < 0.97 * result.EpochLosses[0], $"losses {string.Join(", ", result.EpochLosses)}");
        Assert.True(result.ProcessedTokens >= 5 * result.Dictionary.TokenCount);
    }

    [Theory]
    [InlineData(FastTextModelKind.SkipGram, 1)]
    [InlineData(FastTextModelKind.Cbow, 1)]
    [InlineData(FastTextModelKind.SkipGram, 2)]
    public void Nearest_neighbours_of_a_topic_word_come_from_its_topic(FastTextModelKind model, int threads)
    {
        var corpus = TopicCorpus(out var topics);
        var result = new WordVectorTrainer(Small(model) with { Thread = threads }).Train(corpus);
        var all = topics.SelectMany(t => t).Distinct().ToArray();
        var vectors = all.ToDictionary(w => w, w =>
        {
            var v = new float[16];
            result.GetWordVector(w, v);
            return v;
        });
        var misses = 0;
        foreach (var topic in topics)
        {
            foreach (var w in topic)
            {
                var nearest = all.Where(o => o != w)
                    .OrderByDescending(o => TensorPrimitives.CosineSimilarity(vectors[w], vectors[o])).Take(5);
                misses += nearest.Count(n => !topic.Contains(n));
            }
        }

        Assert.True(misses <= 6, $"{misses} of {all.Length * 5} top-5 neighbours are from the other topic");
    }

    [Fact]
    public void Vec_file_holds_every_word_with_its_averaged_vector()
    {
        var corpus = TopicCorpus(out _, 100);
        var result = new WordVectorTrainer(Small() with { Epoch = 1 }).Train(corpus);
        var path = Path.Combine(_dir, "out.vec");
        result.SaveVec(path);
        Assert.False(File.Exists(path + ".tmp"));
        var lines = File.ReadAllLines(path);
        Assert.Equal($"{result.Dictionary.WordCount} 16", lines[0]);
        Assert.Equal(result.Dictionary.WordCount + 1, lines.Length);
        var expected = new float[16];
        for (var i = 0; i < result.Dictionary.WordCount; i++)
        {
            var parts = lines[i + 1].Split(' ');
            Assert.Equal(result.Dictionary.GetWord(i), parts[0]);
            result.GetWordVector(i, expected);
            Assert.Equal(expected, parts.Skip(1).Select(p => float.Parse(p, CultureInfo.InvariantCulture)).ToArray());
        }
    }

    [Fact]
    public void Word_vector_is_the_mean_of_the_word_row_and_its_ngram_rows()
    {
        var corpus = TopicCorpus(out var topics, 100);
        var result = new WordVectorTrainer(Small() with { Epoch = 1 }).Train(corpus);
        var word = topics[0][0];
        var rows = result.Dictionary.GetSubwords(result.Dictionary.GetId(word)).ToArray();
        var expected = new float[16];
        foreach (var r in rows)
        {
            TensorPrimitives.Add(expected, result.Input.Row(r), expected);
        }

        TensorPrimitives.Multiply(expected, 1f / rows.Length, expected);
        var actual = new float[16];
        result.GetWordVector(word, actual);
        Assert.Equal(expected, actual);
        result.GetWordVector("zzzzunseen", actual); // out of vocabulary: n-grams only
        Assert.Contains(actual, v => v != 0);
    }

    [Fact]
    public void A_trained_model_saved_as_a_fasttext_bin_gives_the_same_vectors_for_known_and_unknown_words()
    {
        var corpus = TopicCorpus(out var topics, 100);
        var result = new WordVectorTrainer(Small() with { Epoch = 1 }).Train(corpus);
        var bin = Path.Combine(_dir, "model.bin");
        result.SaveBin(bin);
        var model = EmbedSharp.FastText.FastTextModel.Load(bin);
        Assert.Equal(result.Dictionary.WordCount, model.WordCount);
        var ours = new float[result.Options.Dim];
        var theirs = new float[result.Options.Dim];
        foreach (var word in new[] { result.Dictionary.GetWord(0), result.Dictionary.GetWord(1), "unseenword", "zq" })
        {
            var id = result.Dictionary.GetId(word);
            if (id >= 0)
            {
                result.GetWordVector(id, ours);
            }
            else
            {
                result.GetWordVector(word, ours);
            }

            model.GetWordVector(word, theirs);
            for (var i = 0; i < ours.Length; i++)
            {
                Assert.True(Math.Abs(ours[i] - theirs[i]) <= 1e-6f, $"{word}[{i}]: {ours[i]} vs {theirs[i]}");
            }
        }
    }

    [Fact]
    public void Progress_is_reported_and_cancellation_stops_training()
    {
        var corpus = TopicCorpus(out _, 300);
        var reports = new List<TrainingProgress>();
        var result = new WordVectorTrainer(Small() with { Epoch = 2 }).Train(corpus, new SyncProgress(reports.Add));
        Assert.NotEmpty(reports);
        Assert.Equal(1.0, reports[^1].Progress);
        Assert.True(reports[^1].WordsPerSecondPerThread > 0);
        Assert.True(double.IsFinite(reports[^1].Loss) || reports.Count > 1);
        Assert.NotNull(result);

        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => new WordVectorTrainer(Small()).Train(corpus, null, cts.Token));
    }

    [Theory]
    [InlineData("Dim", 0)]
    [InlineData("Epoch", -1)]
    [InlineData("Ws", 0)]
    [InlineData("Neg", 0)]
    [InlineData("Thread", 0)]
    [InlineData("MinCount", 0)]
    public void Absurd_hyper_parameters_are_rejected_before_any_work(string name, int value)
    {
        var o = name switch
        {
            "Dim" => Small() with { Dim = value },
            "Epoch" => Small() with { Epoch = value },
            "Ws" => Small() with { Ws = value },
            "Neg" => Small() with { Neg = value },
            "Thread" => Small() with { Thread = value },
            _ => Small() with { MinCount = value },
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new WordVectorTrainer(o));
        Assert.Equal(name, e.ParamName);
        Assert.Contains($"{name} must be ", e.Message, StringComparison.Ordinal);
        Assert.Contains($"(was {value})", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Minn_above_maxn_and_bad_rates_are_rejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new WordVectorTrainer(Small() with { Minn = 5, Maxn = 3 }));
        Assert.Contains("Minn = 5 must not exceed Maxn = 3", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WordVectorTrainer(Small() with { Lr = double.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WordVectorTrainer(Small() with { T = 0 }));
        _ = new WordVectorTrainer(Small() with { Minn = 5, Maxn = 0 }); // maxn 0 disables subwords: minn is ignored
    }

    [Fact]
    public void Bad_corpora_give_clear_errors()
    {
        var empty = Path.Combine(_dir, "empty.txt");
        File.WriteAllText(empty, "");
        var emptyError = Assert.Throws<FastTextFormatException>(() => new WordVectorTrainer(Small()).Train(empty));
        Assert.Contains("empty", emptyError.Message, StringComparison.Ordinal);
        Assert.Equal(empty, emptyError.FilePath);
        Assert.StartsWith(empty + ": ", emptyError.Message, StringComparison.Ordinal);
        var rare = Path.Combine(_dir, "rare.txt");
        File.WriteAllText(rare, "one two three\n");
        var e = Assert.Throws<FastTextFormatException>(() => new WordVectorTrainer(Small() with { MinCount = 5 }).Train(rare));
        Assert.Equal(rare, e.FilePath);
        Assert.Contains("MinCount = 5", e.Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => new WordVectorTrainer(Small()).Train(Path.Combine(_dir, "missing.txt")));
    }

    [Fact]
    public void Negative_table_follows_fastTexts_square_root_counts()
    {
        var dict = FastTextDictionary.Build(new MemoryStream(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("a ", 16)) + string.Concat(Enumerable.Repeat("b ", 4)))), 1, 3, 6, 10, 1e-4);
        var table = WordVectorTrainer.CreateNegativeTable(dict);
        var a = table.Count(x => x == dict.GetId("a"));
        var b = table.Count(x => x == dict.GetId("b"));
        Assert.InRange(a + b, WordVectorTrainer.NegativeTableSize, WordVectorTrainer.NegativeTableSize + 2);
        Assert.Equal(2.0, (double)a / b, 3); // sqrt(16) / sqrt(4)
    }

    [Fact]
    public void Negative_sampler_gives_every_entry_of_fastTexts_table()
    {
        // Frequent words fill long runs, the rare tail many short ones: both lookups (scan and binary search) are hit.
        var text = new StringBuilder();
        for (var w = 0; w < 3000; w++)
        {
            text.Append(string.Concat(Enumerable.Repeat($"w{w} ", 1 + (20000 / (w + 1)))));
        }

        var dict = FastTextDictionary.Build(new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), 1, 0, 0, 0, 1e-4);
        var table = WordVectorTrainer.CreateNegativeTable(dict);
        var sampler = NegativeSampler.FromCounts(WordVectorTrainer.NegativeTableRuns(dict));
        Assert.Equal(table.Length, sampler.Size);
        for (var j = 0; j < table.Length; j++)
        {
            if (sampler.WordAt(j) != table[j])
            {
                Assert.Fail($"entry {j}: sampler {sampler.WordAt(j)}, table {table[j]}");
            }
        }

        var single = NegativeSampler.FromCounts([5]);
        Assert.Equal(5, single.Size);
        Assert.All(Enumerable.Range(0, 5), j => Assert.Equal(0, single.WordAt(j)));
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
