using System.Globalization;
using System.Text;
using EmbedSharp.FastText;
using EmbedSharp.Randomness;
using EmbedSharp.Study;
using EmbedSharp.Vectors.Formats;

namespace EmbedSharp.Tests.Study;

/// <summary>A tiny study end to end on a synthetic two-class corpus (seconds), with a small pretrained vectors file.</summary>
public sealed class InitStudyTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "embedsharp-init-study-" + Guid.NewGuid().ToString("N"));

    public InitStudyTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Class 0 draws most words from "alpha*", class 1 from "beta*"; both share "common*" words.</summary>
    internal static StudyCorpus Corpus(int count = 160, int length = 24)
    {
        var g = new Generator(7UL);
        var examples = new List<LabeledText>();
        for (var i = 0; i < count; i++)
        {
            var label = i % 3 == 0 ? 1 : 0;
            var words = new List<string>();
            for (var t = 0; t < length; t++)
            {
                var u = g.NextDouble();
                var k = (int)(g.NextDouble() * 20);
                words.Add(u < 0.45 ? (label == 0 ? "alpha" : "beta") + k.ToString(CultureInfo.InvariantCulture) : "common" + k.ToString(CultureInfo.InvariantCulture));
            }

            examples.Add(new LabeledText(string.Join(' ', words), label));
        }

        return new StudyCorpus("synthetic", ["zero", "one"], examples);
    }

    /// <summary>A word2vec text file with 8-dimensional vectors for half of the corpus' words.</summary>
    internal static string VectorsFile(string dir)
    {
        var g = new Generator(11UL);
        var path = Path.Combine(dir, "small.vec");
        var words = Enumerable.Range(0, 10).SelectMany(k => new[] { "alpha" + k, "beta" + k, "common" + k }).ToList();
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"{words.Count} 8\n");
        foreach (var w in words)
        {
            b.Append(w);
            for (var d = 0; d < 8; d++)
            {
                b.Append(' ').Append(((g.NextDouble() * 2) - 1).ToString("0.0000", CultureInfo.InvariantCulture));
            }

            b.Append('\n');
        }

        File.WriteAllText(path, b.ToString());
        return path;
    }

    private InitStudyOptions Options(string vectors) => new()
    {
        Schemes = [EmbeddingInit.Zeros, EmbeddingInit.Normal, EmbeddingInit.XavierUniform, EmbeddingInit.PretrainedFrozen, EmbeddingInit.PretrainedFinetuned],
        Seeds = [0, 1],
        Epochs = 3,
        Dim = 4, // replaced by the vectors' 8
        LearningRate = 0.5,
        LogEvery = 20,
        MinCount = 1,
        TargetLoss = 0.3,
        VectorsPath = vectors,
        OutputDirectory = Path.Combine(_dir, "out"),
    };

    [Fact]
    public void A_tiny_study_trains_every_run_writes_every_file_and_resumes_without_training()
    {
        var options = Options(VectorsFile(_dir));
        var study = new InitStudy(options);
        var vectors = study.ReadVectorsFile();
        Assert.NotNull(vectors);
        var results = study.Run(Corpus(), vectors, "small.vec");

        Assert.Equal(10, results.Runs.Count);
        Assert.Equal(5, results.Ranking.Count);
        Assert.Equal(8, results.Setup.Dim);
        Assert.All(results.Runs, r => Assert.Equal(3, r.Epochs.Count));
        Assert.All(results.Runs, r => Assert.Equal(Enumerable.Range(1, r.Steps.Count).Select(i => (long)(20 * i)), r.Steps.Select(s => s.Step)));
        foreach (var f in new[] { "results.json", "results.csv", "report.html" })
        {
            Assert.True(File.Exists(Path.Combine(options.OutputDirectory, f)), f);
        }

        Assert.Equal(10, Directory.GetFiles(Path.Combine(options.OutputDirectory, StudyFiles.RunsFolder), "*.json").Length);

        // The data learns: the best scheme separates the two classes well.
        Assert.True(results.Ranking[0].AccuracyMean > 0.9, $"best accuracy {results.Ranking[0].AccuracyMean}");

        // Zeros: one distinct row at the start, many after training; the frozen table does not move and has no gradient.
        var zeros = results.Runs.First(r => r.Scheme == "zeros");
        Assert.Equal(1, zeros.InitialTable.DistinctRows);
        Assert.True(zeros.FinalTable.DistinctRows > 10);
        var frozen = results.Runs.First(r => r.Scheme == "pretrained-frozen");
        Assert.False(frozen.EmbeddingTrained);
        Assert.Equal(frozen.InitialTable, frozen.FinalTable);
        Assert.All(frozen.Steps, s => Assert.Equal(0, s.EmbeddingGradNorm));
        var tuned = results.Runs.First(r => r.Scheme == "pretrained-finetuned" && r.Seed == frozen.Seed);
        Assert.Equal(frozen.InitialTable, tuned.InitialTable); // same aligned start
        Assert.NotEqual(tuned.InitialTable, tuned.FinalTable);
        Assert.NotNull(frozen.PretrainedCoverage);

        // Same seed → same split, output layer and data order for every scheme: the first loss of two schemes whose
        // tables start at zero and at N(0,1) differ, but two runs of the same scheme, seed and dimension are identical.
        var again = new InitStudy(options with { OutputDirectory = Path.Combine(_dir, "again"), Schemes = [EmbeddingInit.Normal], Seeds = [1], Dim = 8 })
            .Run(Corpus(), vectors, "small.vec");
        var normal1 = results.Runs.First(r => r.Scheme == "normal" && r.Seed == 1);
        Assert.Equal(normal1.Epochs.Select(e => (e.TrainLoss, e.TestAccuracy)), again.Runs[0].Epochs.Select(e => (e.TrainLoss, e.TestAccuracy)));

        // A second call finds every run finished: nothing is trained and the results are the same.
        var reports = new List<StudyProgress>();
        var resumed = study.Run(Corpus(), vectors, "small.vec", new SyncProgress(reports));
        Assert.Equal(10, reports.Count(r => r.Kind == StudyProgressKind.RunSkipped));
        Assert.DoesNotContain(reports, r => r.Kind is StudyProgressKind.RunStarted or StudyProgressKind.Step or StudyProgressKind.Preparing);
        Assert.Equal(string.Join("\n", results.Ranking), string.Join("\n", resumed.Ranking));
    }

    [Fact]
    public void A_vectors_file_in_the_wrong_format_fails_with_the_readers_error_before_any_training()
    {
        var bad = Path.Combine(_dir, "bad.vec");
        File.WriteAllText(bad, "3 4\nalpha0 0.1 0.2 zz 0.4\n");
        var options = Options(bad);
        var study = new InitStudy(options);
        var e = Assert.Throws<VectorFormatException>(study.ReadVectorsFile);
        Assert.Contains("bad.vec", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(options.OutputDirectory));
    }

    [Fact]
    public void With_fasttexts_zero_output_layer_a_zero_table_never_learns_and_the_summary_says_so()
    {
        var options = Options(null!) with
        {
            VectorsPath = null,
            Schemes = [EmbeddingInit.Zeros, EmbeddingInit.Uniform],
            Seeds = [0],
            OutputInit = OutputLayerInit.Zeros,
        };
        var results = new InitStudy(options).Run(Corpus(), null);
        var zeros = results.Runs.First(r => r.Scheme == "zeros");
        Assert.Equal(1, zeros.FinalTable.DistinctRows); // no gradient ever reached the table
        Assert.All(zeros.Steps, s => Assert.Equal(Math.Log(2), s.Loss, 6)); // p = (½, ½) for every e-mail, forever
        Assert.True(results.Runs.First(r => r.Scheme == "uniform").FinalAccuracy > 0.9);
        Assert.Contains(results.Summary, s => s.StartsWith("zeros_ starts with every embedding row equal", StringComparison.Ordinal)
            && s.Contains("output layer W also starting at zero", StringComparison.Ordinal) && s.Contains("never separated", StringComparison.Ordinal));
        Assert.NotEqual(new InitStudy(options).Fingerprint(Corpus(), null), new InitStudy(options with { OutputInit = OutputLayerInit.Torch }).Fingerprint(Corpus(), null));
    }

    [Fact]
    public void The_fingerprint_follows_data_and_budget_but_not_the_scheme_list()
    {
        var options = Options(null!) with { VectorsPath = null, Schemes = [EmbeddingInit.Zeros] };
        var corpus = Corpus();
        var f = new InitStudy(options).Fingerprint(corpus, null);
        Assert.StartsWith("sha256:", f, StringComparison.Ordinal);
        Assert.Equal(f, new InitStudy(options with { Schemes = [EmbeddingInit.Zeros, EmbeddingInit.Sparse], Seeds = [5] }).Fingerprint(corpus, null));
        Assert.NotEqual(f, new InitStudy(options with { Epochs = 4 }).Fingerprint(corpus, null));
        Assert.NotEqual(f, new InitStudy(options with { LearningRate = 0.25 }).Fingerprint(corpus, null));
        Assert.NotEqual(f, new InitStudy(options).Fingerprint(corpus with { Examples = corpus.Examples.Skip(1).ToList() }, null));
    }

    [Fact]
    public void A_pretrained_scheme_without_vectors_is_refused()
    {
        var study = new InitStudy(Options(null!) with { VectorsPath = null });
        Assert.Throws<ArgumentException>(() => study.Run(Corpus(), null));
    }

    [Fact]
    public void Without_pretrained_schemes_no_vectors_are_read()
    {
        var study = new InitStudy(Options(Path.Combine(_dir, "missing.vec")) with { Schemes = [EmbeddingInit.Zeros] });
        Assert.False(study.NeedsVectors);
        Assert.Null(study.ReadVectorsFile());
    }

    private sealed class SyncProgress(List<StudyProgress> reports) : IProgress<StudyProgress>
    {
        public void Report(StudyProgress value) => reports.Add(value);
    }
}
