using EmbedSharp.Study.Claims;

namespace EmbedSharp.Tests.Study.Claims;

/// <summary>The claims study's run loop: every (arm, seed) once, resumed from files with the same fingerprint, corrupt
/// or stale files redone, results in spec order whatever the parallelism.</summary>
public sealed class ExperimentRunnerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "embedsharp-runner-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    internal static ExperimentSpec Spec(string fingerprint = "fp1", int arms = 3, int seeds = 3) => new()
    {
        Id = "toy",
        Question = "Which toy?",
        Claim = "Toys differ.",
        Setup = "none",
        EvaluatedOn = "nothing",
        Metric = "loss",
        Unit = "nats/token",
        LowerIsBetter = true,
        Arms = [.. Enumerable.Range(0, arms).Select(a => new ArmSpec($"arm{a}", $"Arm {a}"))],
        Seeds = [.. Enumerable.Range(0, seeds)],
        Fingerprint = fingerprint,
    };

    internal static ArmRun Run(ExperimentSpec spec, ArmSpec arm, int seed, double metric) => new()
    {
        Experiment = spec.Id,
        Arm = arm.Name,
        Seed = seed,
        Fingerprint = spec.Fingerprint,
        Metric = metric,
        Curve = [new CurvePoint(1, metric + 1), new CurvePoint(2, metric)],
        Extra = new Dictionary<string, double> { ["x"] = seed },
    };

    private static double Value(ArmSpec arm, int seed) => (int.Parse(arm.Name[3..], System.Globalization.CultureInfo.InvariantCulture) * 10) + seed;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Every_run_is_trained_once_and_returned_in_spec_order(int parallelism)
    {
        var spec = Spec();
        var calls = 0;
        var runs = ExperimentRunner.Execute(_dir, spec, (arm, seed) =>
        {
            Interlocked.Increment(ref calls);
            return Run(spec, arm, seed, Value(arm, seed));
        }, parallelism);
        Assert.Equal(9, calls);
        Assert.Equal([0, 1, 2, 10, 11, 12, 20, 21, 22], runs.Select(r => r.Metric));
        Assert.All(runs, r => Assert.True(File.Exists(ExperimentRunner.RunPath(_dir, "toy", r.Arm, r.Seed))));
    }

    [Fact]
    public void A_rerun_loads_finished_runs_and_redoes_corrupt_and_stale_ones()
    {
        var spec = Spec();
        ExperimentRunner.Execute(_dir, spec, (arm, seed) => Run(spec, arm, seed, Value(arm, seed)));
        File.WriteAllText(ExperimentRunner.RunPath(_dir, "toy", "arm1", 2), "{ not json");
        File.Delete(ExperimentRunner.RunPath(_dir, "toy", "arm2", 0));
        var redone = new List<string>();
        var messages = new List<string>();
        var runs = ExperimentRunner.Execute(_dir, spec, (arm, seed) =>
        {
            lock (redone)
            {
                redone.Add($"{arm.Name}/{seed}");
            }

            return Run(spec, arm, seed, Value(arm, seed));
        }, 1, new Progress(p => messages.Add(p.Message ?? "")));
        Assert.Equal(["arm2/0", "arm1/2"], redone);
        Assert.Contains(messages, m => m.Contains("not a valid run file", StringComparison.Ordinal));
        Assert.Equal(9, runs.Count);

        // Another configuration: every run is redone, and the reason names both fingerprints.
        var changed = Spec("fp2");
        var count = 0;
        messages.Clear();
        ExperimentRunner.Execute(_dir, changed, (arm, seed) =>
        {
            count++;
            return Run(changed, arm, seed, 0);
        }, 1, new Progress(p => messages.Add(p.Message ?? "")));
        Assert.Equal(9, count);
        Assert.Contains(messages, m => m.Contains("fp1", StringComparison.Ordinal) && m.Contains("fp2", StringComparison.Ordinal));
    }

    [Fact]
    public void A_trainer_that_returns_the_wrong_run_is_an_error_and_nothing_is_written_for_it()
    {
        var spec = Spec(arms: 1, seeds: 1);
        var e = Assert.Throws<AggregateException>(() => ExperimentRunner.Execute(_dir, spec, (arm, seed) => Run(spec, arm, seed + 1, 0)));
        Assert.Contains("seed 1", e.InnerException!.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(ExperimentRunner.RunPath(_dir, "toy", "arm0", 0)));
    }

    [Fact]
    public void A_failing_run_leaves_the_finished_ones_on_disk()
    {
        var spec = Spec(arms: 2, seeds: 1);
        Assert.ThrowsAny<Exception>(() => ExperimentRunner.Execute(_dir, spec, (arm, seed) =>
            arm.Name == "arm1" ? throw new InvalidOperationException("boom") : Run(spec, arm, seed, 1)));
        Assert.True(File.Exists(ExperimentRunner.RunPath(_dir, "toy", "arm0", 0)));
        var resumed = ExperimentRunner.Execute(_dir, spec, (arm, seed) => arm.Name == "arm0" ? throw new InvalidOperationException("must not retrain") : Run(spec, arm, seed, 2));
        Assert.Equal([1.0, 2.0], resumed.Select(r => r.Metric));
    }

    private sealed class Progress(Action<EmbedSharp.Study.StudyProgress> report) : IProgress<EmbedSharp.Study.StudyProgress>
    {
        public void Report(EmbedSharp.Study.StudyProgress value) => report(value);
    }
}
