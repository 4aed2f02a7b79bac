using EmbedSharp.Study;

namespace EmbedSharp.Tests.Study;

public sealed class StudyPlanTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "embedsharp-study-plan-" + Guid.NewGuid().ToString("N"));

    public StudyPlanTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly EmbeddingInit[] Schemes = [EmbeddingInit.Zeros, EmbeddingInit.Uniform, EmbeddingInit.Normal];

    private List<RunResult> Execute(List<(string, int)> trained, List<int> prepared, string fingerprint = SyntheticStudy.Fingerprint,
        List<StudyProgress>? reports = null, Func<EmbeddingInit, int, bool>? fail = null) =>
        StudyPlan.Execute(_dir, Schemes, [0, 1], fingerprint,
            seed =>
            {
                prepared.Add(seed);
                return seed * 10;
            },
            (data, scheme, seed, index) =>
            {
                Assert.Equal(seed * 10, data);
                if (fail?.Invoke(scheme, seed) == true)
                {
                    throw new InvalidOperationException("interrupted");
                }

                trained.Add((scheme.Name, seed));
                return SyntheticStudy.Run(scheme.Name, seed, 300, 0.9) with { Fingerprint = fingerprint };
            },
            reports is null ? null : new SyncProgress(reports),
            CancellationToken.None);

    [Fact]
    public void A_fresh_study_trains_every_run_seed_by_seed_and_writes_each_file()
    {
        List<(string, int)> trained = [];
        List<int> prepared = [];
        var runs = Execute(trained, prepared);
        Assert.Equal([("zeros", 0), ("uniform", 0), ("normal", 0), ("zeros", 1), ("uniform", 1), ("normal", 1)], trained);
        Assert.Equal([0, 1], prepared);
        Assert.Equal(["zeros", "zeros", "uniform", "uniform", "normal", "normal"], runs.Select(r => r.Scheme)); // scheme, then seed
        Assert.Equal(6, Directory.GetFiles(Path.Combine(_dir, StudyFiles.RunsFolder), "*.json").Length);
    }

    [Fact]
    public void A_restarted_study_skips_finished_runs_and_redoes_a_corrupt_one()
    {
        Execute([], []);
        File.WriteAllText(StudyFiles.RunPath(_dir, "uniform", 1), "{ truncated");
        List<(string, int)> trained = [];
        List<int> prepared = [];
        List<StudyProgress> reports = [];
        var runs = Execute(trained, prepared, reports: reports);
        Assert.Equal([("uniform", 1)], trained);
        Assert.Equal([1], prepared); // seed 0 had nothing to do: its data is not even prepared
        Assert.Equal(6, runs.Count);
        Assert.Equal(5, reports.Count(r => r.Kind == StudyProgressKind.RunSkipped));
        Assert.Contains(reports, r => r.Kind == StudyProgressKind.RunRedone && r.Scheme == "uniform" && r.Seed == 1);
        Assert.NotNull(StudyFiles.TryReadRun(_dir, "uniform", 1, SyntheticStudy.Fingerprint, out _));
    }

    [Fact]
    public void An_interrupted_study_keeps_the_runs_finished_before_the_interruption()
    {
        Assert.Throws<InvalidOperationException>(() => Execute([], [], fail: (s, seed) => s == EmbeddingInit.Normal && seed == 0));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(_dir, StudyFiles.RunsFolder), "*.json").Length);
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, StudyFiles.RunsFolder), "*.tmp"));
        List<(string, int)> trained = [];
        Execute(trained, []);
        Assert.Equal([("normal", 0), ("zeros", 1), ("uniform", 1), ("normal", 1)], trained);
    }

    [Fact]
    public void A_changed_configuration_retrains_everything()
    {
        Execute([], []);
        List<(string, int)> trained = [];
        Execute(trained, [], fingerprint: "another");
        Assert.Equal(6, trained.Count);
    }

    /// <summary>Progress that records synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress(List<StudyProgress> reports) : IProgress<StudyProgress>
    {
        public void Report(StudyProgress value) => reports.Add(value);
    }
}
