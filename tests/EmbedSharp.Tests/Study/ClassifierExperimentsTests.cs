using System.Diagnostics;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Study;
using EmbedSharp.Study.Claims;
using EmbedSharp.Study.Data;
using EmbedSharp.Tests.Study.Data;
using Xunit.Abstractions;
using WordVectorSet = EmbedSharp.Vectors.WordVectors;

namespace EmbedSharp.Tests.Study;

/// <summary>The classifier experiments of the claims study (learning curve, init contrast) on a synthetic corpus.</summary>
public sealed class ClassifierExperimentsTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "embedsharp-classifier-experiments-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>160 e-mails (one third class 1), 25 % test: 120 in the training part.</summary>
    private static StudyCorpus Corpus() => InitStudyTests.Corpus(160, 24);

    /// <summary>8-dimensional vectors for alpha0-9, beta0-9 and common0-9 (half of the corpus' words).</summary>
    private static WordVectorSet Vectors()
    {
        var words = Enumerable.Range(0, 10).SelectMany(k => new[] { "alpha" + k, "beta" + k, "common" + k }).ToList();
        var table = new FloatTensor(words.Count, 8);
        new Generator(11UL).Uniform(table, -1, 1);
        return new WordVectorSet(words, table);
    }

    private static ClassifierCurveSettings Curve(params int[] sizes) => new()
    {
        Seeds = [0, 1, 2],
        Sizes = sizes,
        Epochs = 2,
        MinSteps = 60,
        LearningRate = 0.5,
        TestFraction = 0.25,
        CurvePoints = 3,
    };

    [Fact]
    public void The_curve_has_three_arms_per_size_with_the_sizes_actually_used_as_x()
    {
        using var vectors = Vectors();
        var spec = ClassifierExperiments.LearningCurve(Corpus(), vectors, "tiny", Curve(20, 10, 0, 500, 10)).Spec;

        Assert.Equal(["random-n10", "frozen-n10", "finetuned-n10", "random-n20", "frozen-n20", "finetuned-n20", "random-n120", "frozen-n120", "finetuned-n120"],
            spec.Arms.Select(a => a.Name));
        Assert.Equal([10.0, 10, 10, 20, 20, 20, 120, 120, 120], spec.Arms.Select(a => a.X!.Value));
        Assert.Equal(["random", "pretrained, frozen", "pretrained, fine-tuned"], spec.Arms.Take(3).Select(a => a.Series!));
        Assert.Equal([0, 1, 2], spec.Seeds);
        Assert.False(spec.LowerIsBetter);
        Assert.Equal("%", spec.Unit);
        Assert.StartsWith("sha256:", spec.Fingerprint, StringComparison.Ordinal);
    }

    [Fact]
    public void Training_subsets_are_nested_and_stratified_and_the_test_set_is_the_same_for_every_size()
    {
        var corpus = Corpus();
        foreach (var seed in new[] { 0, 1 })
        {
            var (all, test) = ClassifierExperiments.Subset(corpus, 0.25, seed, 120);
            Assert.Equal(120, all.Count);
            Assert.Equal(40, test.Count);
            var share = all.Count(e => e.Label == 1) / (double)all.Count;
            for (var n = 1; n <= 120; n++)
            {
                var (train, sameTest) = ClassifierExperiments.Subset(corpus, 0.25, seed, n);
                Assert.Equal(all.Take(n), train); // a prefix of one order: nested
                Assert.Equal(test, sameTest);
                var ones = train.Count(e => e.Label == 1);
                Assert.True(Math.Abs(ones - (n * share)) <= 1, $"n = {n}: {ones} of class 1, expected about {n * share:0.0}");
            }

            Assert.Empty(test.Intersect(all));
        }

        // Another seed, another split and order.
        Assert.NotEqual(ClassifierExperiments.Subset(corpus, 0.25, 0, 30).Train, ClassifierExperiments.Subset(corpus, 0.25, 1, 30).Train);
    }

    [Fact]
    public void The_stratified_order_holds_every_item_once_and_depends_only_on_the_generator()
    {
        var items = Enumerable.Range(0, 50).ToList();
        var a = DataSplit.StratifiedOrder(items, i => i % 5 == 0 ? "x" : i % 5 == 1 ? "y" : "z", new Generator(3UL));
        var b = DataSplit.StratifiedOrder(items, i => i % 5 == 0 ? "x" : i % 5 == 1 ? "y" : "z", new Generator(3UL));
        Assert.Equal(items, a.Order());
        Assert.Equal(a, b);
        Assert.Equal(["x", "y", "z"], a.Take(5).Select(i => i % 5 == 0 ? "x" : i % 5 == 1 ? "y" : "z").Distinct().Order()); // 10/10/30: x, y, z all within 5
    }

    [Fact]
    public async Task A_run_is_a_function_of_its_arm_and_seed_also_while_another_run_trains_and_a_frozen_table_does_not_move()
    {
        using var vectors = Vectors();
        var prepared = ClassifierExperiments.LearningCurve(Corpus(), vectors, "tiny", Curve(10, 0));
        var spec = prepared.Spec;
        var alone = spec.Arms.ToDictionary(a => a.Name, a => prepared.Train(a, 1));
        var pairs = new[] { ("frozen-n10", "finetuned-n120"), ("random-n120", "frozen-n120"), ("finetuned-n10", "random-n10") };
        foreach (var (x, y) in pairs)
        {
            var tx = Task.Run(() => prepared.Train(spec.Arm(x), 1));
            var ty = Task.Run(() => prepared.Train(spec.Arm(y), 1));
            var (rx, ry) = (await tx, await ty);
            Assert.Equal(BitConverter.DoubleToInt64Bits(alone[x].Metric), BitConverter.DoubleToInt64Bits(rx.Metric));
            Assert.Equal(BitConverter.DoubleToInt64Bits(alone[y].Metric), BitConverter.DoubleToInt64Bits(ry.Metric));
            Assert.Equal(alone[x].Curve, rx.Curve);
            Assert.Equal(alone[y].Extra["test_loss"], ry.Extra["test_loss"]);
        }

        foreach (var run in alone.Values)
        {
            Assert.Equal(spec.Id, run.Experiment);
            Assert.Equal(1, run.Seed);
            Assert.Equal(spec.Fingerprint, run.Fingerprint);
            Assert.InRange(run.Metric, 0, 100);
            var n = (int)spec.Arm(run.Arm).X!.Value;
            Assert.Equal(n, run.Extra["train_examples"]);
            var epochs = Math.Max(2, (60 + n - 1) / n); // max(E, ⌈MinSteps/n⌉)
            Assert.Equal(epochs, run.Extra["epochs"]);
            Assert.Equal(epochs * n, run.Extra["steps"]);
            Assert.Equal(Math.Min(3, epochs), run.Curve.Count); // ⌈k·epochs/3⌉, k = 1, 2, 3
            Assert.Equal(run.Metric, run.Curve[^1].Y);
            Assert.Equal(epochs * n, run.Curve[^1].X);
            Assert.Equal(run.Arm.StartsWith("random", StringComparison.Ordinal), !run.Extra.ContainsKey("coverage"));
            if (run.Arm.StartsWith("frozen", StringComparison.Ordinal))
            {
                Assert.Equal(0, run.Extra["table_rms_change"]);
            }
            else
            {
                Assert.True(run.Extra["table_rms_change"] > 0, run.Arm);
            }
        }

        // Frozen and fine-tuned start from the same aligned table; random from N(0, 1).
        Assert.Equal(alone["frozen-n120"].Extra["table_rms_initial"], alone["finetuned-n120"].Extra["table_rms_initial"]);
        Assert.InRange(alone["random-n120"].Extra["table_rms_initial"], 0.8, 1.2);

        // The data learn with all 120 e-mails.
        Assert.True(alone["finetuned-n120"].Metric > 85, $"accuracy {alone["finetuned-n120"].Metric}");
    }

    [Fact]
    public void The_whole_curve_runs_resumes_and_reads_with_the_tie_rule()
    {
        using var vectors = Vectors();
        var prepared = ClassifierExperiments.LearningCurve(Corpus(), vectors, "tiny", Curve(10, 0) with { Seeds = [0, 1] });
        var result = prepared.Run(_dir, parallelism: 2);
        Assert.Equal(12, result.Runs.Count);
        Assert.Equal([10.0, 120], result.Groups.Select(g => g.X!.Value));
        Assert.Contains("Per size", result.Verdict, StringComparison.Ordinal);
        Assert.Contains("n = 120", result.Verdict, StringComparison.Ordinal);
        Assert.NotEmpty(result.Recommendation);
        output.WriteLine(result.Verdict);
        output.WriteLine(result.Recommendation);

        var again = prepared.Run(_dir, parallelism: 2); // every run file is reused
        Assert.Equal(result.Runs.Select(r => r.Metric), again.Runs.Select(r => r.Metric));
        Assert.Equal(result.Verdict, again.Verdict);
    }

    [Fact]
    public void The_curve_reading_names_ties_as_ties_and_recommends_pretrained_only_below_the_first_tie()
    {
        using var vectors = Vectors();
        var prepared = ClassifierExperiments.LearningCurve(Corpus(), vectors, "tiny", Curve(10, 40, 0));
        var spec = prepared.Spec;

        // n = 10: pretrained far ahead, frozen 1 point above fine-tuned in every seed; n = 40 and 120: all within the noise.
        var values = new Dictionary<string, double[]>
        {
            ["random-n10"] = [60, 62, 61],
            ["frozen-n10"] = [80, 81, 82],
            ["finetuned-n10"] = [79, 80, 81],
            ["random-n40"] = [85, 88, 86],
            ["frozen-n40"] = [86, 86, 87],
            ["finetuned-n40"] = [85, 87, 87],
            ["random-n120"] = [90, 92, 88],
            ["frozen-n120"] = [91, 89, 90],
            ["finetuned-n120"] = [90, 91, 89],
        };
        var result = prepared.Describe!(ExperimentResult.Analyze(spec, Runs(spec, values)));
        output.WriteLine(result.Verdict);
        output.WriteLine(result.Recommendation);

        Assert.StartsWith("Below ~40 labelled e-mails use pretrained vectors (frozen, better than fine-tuned beyond the noise)", result.Recommendation, StringComparison.Ordinal);
        Assert.Contains("from 40 on random is as good (tie).", result.Recommendation, StringComparison.Ordinal);
        Assert.Contains("+20.0 points", result.Recommendation, StringComparison.Ordinal);
        Assert.StartsWith("Supported: pretrained (frozen) beat random by +20.0 points", result.Verdict, StringComparison.Ordinal);
        Assert.Contains("Freezing helps only with scarce data: supported — frozen beat fine-tuned beyond the noise at n = 10 only", result.Verdict, StringComparison.Ordinal);
        Assert.Contains("n = 120: random 90.0 %, frozen 90.0 %, fine-tuned 90.0 %, best random (tied with frozen and fine-tuned)", result.Verdict, StringComparison.Ordinal);
        Assert.Contains("n = 10: random 61.0 %, frozen 81.0 %, fine-tuned 80.0 %, best frozen (alone)", result.Verdict, StringComparison.Ordinal);
        Assert.Contains("frozen vs random tie, 0.0 points", result.Verdict, StringComparison.Ordinal);

        // Nothing beyond the noise anywhere: random is as good, said as a tie; freezing never helps.
        var ties = values.ToDictionary(kv => kv.Key, kv => kv.Key.StartsWith("random", StringComparison.Ordinal) ? kv.Value : kv.Value.Select((v, i) => values["random-" + kv.Key.Split('-')[1]][i] + (i == 0 ? 1 : i == 1 ? -1 : 0.5)).ToArray());
        var flat = prepared.Describe!(ExperimentResult.Analyze(spec, Runs(spec, ties)));
        output.WriteLine(flat.Verdict);
        output.WriteLine(flat.Recommendation);
        Assert.StartsWith("Pretrained vectors did not beat random normal_(0, 1) beyond the noise at any size (n = 10 to 120, 3 seeds): random is as good (tie).", flat.Recommendation, StringComparison.Ordinal);
        Assert.StartsWith("Not supported: at the smallest size, n = 10, pretrained", flat.Verdict, StringComparison.Ordinal);
        Assert.Contains("a tie", flat.Verdict, StringComparison.Ordinal);
        Assert.Contains("freezing never beat fine-tuning beyond the noise", flat.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void The_contrast_compares_the_initialisations_at_one_size_and_explains_why_they_barely_differ()
    {
        using var vectors = Vectors();
        var settings = new ClassifierContrastSettings { Seeds = [0, 1], TrainSize = 60, Epochs = 3, LearningRate = 0.5, TestFraction = 0.25, CurvePoints = 2 };
        var prepared = ClassifierExperiments.InitContrast(Corpus(), vectors, "tiny", settings);
        Assert.Equal(["normal", "normal-0.02", "uniform", "xavier-uniform", "zeros", "pretrained-finetuned"], prepared.Spec.Arms.Select(a => a.Name));
        Assert.All(prepared.Spec.Arms, a => Assert.Null(a.X));
        var result = prepared.Run(_dir, parallelism: 2);
        output.WriteLine(result.Verdict);
        output.WriteLine(result.Recommendation);
        Assert.Single(result.Groups);
        Assert.All(result.Runs, r => Assert.Equal(60, r.Extra["train_examples"]));
        Assert.Contains("Why: the hidden vector is the mean of an e-mail's rows (25 tokens on average here)", result.Verdict, StringComparison.Ordinal);
        Assert.Contains("zeros_ 0.000", result.Verdict, StringComparison.Ordinal); // a zero start is always a small one
        Assert.StartsWith("Use ", result.Recommendation, StringComparison.Ordinal);

        // Without vectors the pretrained arm is left out; with equal accuracies the reading is "tied".
        var plain = ClassifierExperiments.InitContrast(Corpus(), null, null, settings);
        Assert.DoesNotContain(plain.Spec.Arms, a => a.Name.StartsWith("pretrained", StringComparison.Ordinal));
        Assert.NotEqual(plain.Spec.Fingerprint, prepared.Spec.Fingerprint);
        var equal = plain.Spec.Arms.ToDictionary(a => a.Name, a => new[] { 90.0, 92.0 });
        equal["zeros"] = [90.5, 91.5];
        var tied = plain.Describe!(ExperimentResult.Analyze(plain.Spec, Runs(plain.Spec, equal)));
        Assert.StartsWith("Supported: the initialisation barely matters here", tied.Verdict, StringComparison.Ordinal);
        Assert.Contains("every arm is tied with the best", tied.Verdict, StringComparison.Ordinal);
        Assert.Contains("tied with it", tied.Recommendation, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_out_of_range_are_refused_and_the_fingerprint_follows_the_budget_not_the_seeds()
    {
        using var vectors = Vectors();
        var corpus = Corpus();
        Assert.Throws<ArgumentException>(() => ClassifierExperiments.LearningCurve(corpus, vectors, "tiny", Curve(-1)));
        Assert.Throws<ArgumentException>(() => ClassifierExperiments.LearningCurve(corpus, vectors, "tiny", Curve(10) with { Seeds = [] }));
        Assert.Throws<ArgumentException>(() => ClassifierExperiments.InitContrast(corpus, null, null, new ClassifierContrastSettings { Schemes = [EmbeddingInit.PretrainedFinetuned] }));
        var f = ClassifierExperiments.LearningCurve(corpus, vectors, "tiny", Curve(10)).Spec.Fingerprint;
        Assert.Equal(f, ClassifierExperiments.LearningCurve(corpus, vectors, "tiny", Curve(10, 20) with { Seeds = [4] }).Spec.Fingerprint);
        Assert.NotEqual(f, ClassifierExperiments.LearningCurve(corpus, vectors, "tiny", Curve(10) with { MinSteps = 61 }).Spec.Fingerprint);
        Assert.NotEqual(f, ClassifierExperiments.LearningCurve(corpus with { Examples = [.. corpus.Examples.Skip(1)] }, vectors, "tiny", Curve(10)).Spec.Fingerprint);
        Assert.Equal(25, ClassifierCurveSettings.Quick.EpochsFor(48));
        Assert.Equal(ClassifierCurveSettings.Quick.Epochs, ClassifierCurveSettings.Quick.EpochsFor(100_000));
    }

    /// <summary>
    /// Opt-in (EMBEDSHARP_NETWORK_TESTS=1): the quick learning curve for one seed on the real SpamAssassin corpus (the quick
    /// corpus of the init study), with skip-gram vectors trained on the SOTU addresses as the quick study trains them.
    /// </summary>
    [NetworkFact]
    public void The_quick_learning_curve_runs_on_spam_assassin_for_one_seed()
    {
        var cache = new DatasetCache();
        var corpus = StudyCorpus.FromSpamAssassin(SpamAssassinCorpus.Fetch(cache), InitStudyOptions.Quick());
        var clock = Stopwatch.StartNew();
        var vectorsHome = Path.Combine(Path.GetTempPath(), "embedsharp-classifier-network-test"); // kept: the vectors are trained once (about 30 s)
        var (vectors, description) = new InitStudy(InitStudyOptions.Quick(vectorsHome)).TrainSotuVectors(() => SotuCorpus.Fetch(cache));
        using var owned = vectors;
        output.WriteLine($"SOTU vectors: {clock.Elapsed.TotalSeconds:0.0} s");
        clock.Restart();
        var prepared = ClassifierExperiments.LearningCurve(corpus, vectors, description, ClassifierCurveSettings.Quick with { Seeds = [0] });
        var result = prepared.Run(Path.Combine(_dir, "out"), parallelism: 2);
        output.WriteLine($"curve, one seed: {clock.Elapsed.TotalSeconds:0.0} s");
        foreach (var run in result.Runs)
        {
            output.WriteLine($"{run.Arm}: {run.Metric:0.0} % in {run.WallSeconds:0.00} s, epochs {run.Extra["epochs"]}, vocabulary {run.Extra["vocabulary"]}");
        }

        output.WriteLine(result.Verdict);
        output.WriteLine(result.Recommendation);
        Assert.Equal(21, result.Runs.Count);
        Assert.All(result.Runs, r => Assert.False(r.Diverged));
        Assert.True(result.Arm("finetuned-n1600").Metric!.Mean > 90, "all 1,600 e-mails classify well");
    }

    private static List<ArmRun> Runs(ExperimentSpec spec, IReadOnlyDictionary<string, double[]> values) =>
        [.. spec.Arms.SelectMany(a => spec.Seeds.Select((s, i) => new ArmRun { Experiment = spec.Id, Arm = a.Name, Seed = s, Fingerprint = spec.Fingerprint, Metric = values[a.Name][i] }))];
}
