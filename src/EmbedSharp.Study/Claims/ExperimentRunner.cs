using System.Text.Json;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Study.Claims;

/// <summary>
/// Runs every (arm, seed) of an experiment, resuming: a run whose file <c>&lt;output&gt;/runs/&lt;experiment&gt;/&lt;arm&gt;-s&lt;seed&gt;.json</c>
/// exists with the experiment's fingerprint is loaded, not trained; a missing, corrupt or stale file is redone. Each
/// finished run is written atomically at once, so an interruption loses at most the runs in progress. Runs are
/// independent and each is a function of its arm and seed only, so up to <c>parallelism</c> of them train at the same
/// time (the results do not depend on how many: every kernel gives the same bits on any thread count).
/// </summary>
public static class ExperimentRunner
{
    /// <summary>The folder of the run files inside the output directory.</summary>
    public const string RunsFolder = "runs";

    /// <summary>The path of a run's file.</summary>
    public static string RunPath(string outputDirectory, string experiment, string arm, int seed) =>
        Path.Combine(outputDirectory, RunsFolder, experiment, ArmRun.FileName(arm, seed));

    /// <summary>Runs (or loads) every (arm, seed) of <paramref name="spec"/> and returns them ordered by arm (as listed),
    /// then seed.</summary>
    /// <param name="outputDirectory">Where the run files go.</param>
    /// <param name="spec">The experiment.</param>
    /// <param name="train">Trains one run; called concurrently for different (arm, seed) when parallelism &gt; 1.</param>
    /// <param name="parallelism">Runs trained at the same time (1 or more).</param>
    /// <param name="progress">Receives RunStarted/RunFinished/RunSkipped/RunRedone (Scheme = "experiment/arm"), one at a time.</param>
    /// <param name="cancellationToken">Stops before the next run starts.</param>
    /// <exception cref="ArgumentOutOfRangeException">parallelism &lt; 1.</exception>
    public static IReadOnlyList<ArmRun> Execute(string outputDirectory, ExperimentSpec spec, Func<ArmSpec, int, ArmRun> train, int parallelism = 1,
        IProgress<StudyProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        var gate = new object();
        void Report(StudyProgress p)
        {
            if (progress is not null)
            {
                lock (gate)
                {
                    progress.Report(p);
                }
            }
        }

        var total = spec.Arms.Count * spec.Seeds.Count;
        var results = new ArmRun?[total];
        var todo = new List<(ArmSpec Arm, int Seed, int Index)>();
        for (var a = 0; a < spec.Arms.Count; a++)
        {
            for (var s = 0; s < spec.Seeds.Count; s++)
            {
                var (arm, seed, index) = (spec.Arms[a], spec.Seeds[s], (a * spec.Seeds.Count) + s);
                var done = TryRead(outputDirectory, spec, arm.Name, seed, out var reason);
                if (done is not null)
                {
                    results[index] = done;
                    Report(new StudyProgress(StudyProgressKind.RunSkipped, index, total, $"{spec.Id}/{arm.Name}", seed, 1, "finished earlier"));
                    continue;
                }

                if (reason is not null)
                {
                    Report(new StudyProgress(StudyProgressKind.RunRedone, index, total, $"{spec.Id}/{arm.Name}", seed, 0, reason));
                }

                todo.Add((arm, seed, index));
            }
        }

        // Seed-major order: an interrupted study has whole seeds done rather than every arm half done.
        todo.Sort((x, y) => x.Seed != y.Seed ? x.Seed.CompareTo(y.Seed) : x.Index.CompareTo(y.Index));
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken };
        Parallel.ForEach(todo, options, item =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = $"{spec.Id}/{item.Arm.Name}";
            Report(new StudyProgress(StudyProgressKind.RunStarted, item.Index, total, name, item.Seed, 0));
            ArmRun run;
            using (KernelThreads.Limit(Math.Max(1, Environment.ProcessorCount / parallelism)))
            {
                run = train(item.Arm, item.Seed); // runs side by side: each keeps its share of the cores
            }

            if (run.Experiment != spec.Id || run.Arm != item.Arm.Name || run.Seed != item.Seed || run.Fingerprint != spec.Fingerprint)
            {
                throw new InvalidOperationException($"The trainer of {spec.Id} returned run {run.Experiment}/{run.Arm} seed {run.Seed} for {name} seed {item.Seed}.");
            }

            Write(outputDirectory, run);
            results[item.Index] = run;
            Report(new StudyProgress(StudyProgressKind.RunFinished, item.Index, total, name, item.Seed, 1));
        });

        return [.. results.Select(r => r!)];
    }

    /// <summary>Writes a run's file atomically (creating its folder).</summary>
    public static void Write(string outputDirectory, ArmRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var path = RunPath(outputDirectory, run.Experiment, run.Arm, run.Seed);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, s => JsonSerializer.Serialize(s, run, ClaimsJsonContext.Default.ArmRun));
    }

    /// <summary>Reads a finished run's file when it exists, parses, names this experiment, arm and seed and carries the
    /// experiment's fingerprint; otherwise null, with the reason in <paramref name="reason"/> (null when there is no file).</summary>
    public static ArmRun? TryRead(string outputDirectory, ExperimentSpec spec, string arm, int seed, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var path = RunPath(outputDirectory, spec.Id, arm, seed);
        reason = null;
        if (!File.Exists(path))
        {
            return null;
        }

        ArmRun? run;
        try
        {
            using var stream = File.OpenRead(path);
            run = JsonSerializer.Deserialize(stream, ClaimsJsonContext.Default.ArmRun);
        }
        catch (JsonException e)
        {
            reason = $"{path} is not a valid run file ({e.Message.ReplaceLineEndings(" ")}); the run is redone.";
            return null;
        }

        if (run is null || run.Experiment != spec.Id || run.Arm != arm || run.Seed != seed || run.Curve is null || run.Extra is null)
        {
            reason = $"{path} does not hold a finished run of {spec.Id}/{arm} seed {seed}; the run is redone.";
            return null;
        }

        if (run.Fingerprint != spec.Fingerprint)
        {
            reason = $"{path} was made with another configuration ({run.Fingerprint}, now {spec.Fingerprint}); the run is redone.";
            return null;
        }

        return run;
    }
}
