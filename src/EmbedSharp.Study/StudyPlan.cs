namespace EmbedSharp.Study;

/// <summary>
/// The run loop of a study, independent of what a run does: seeds outer, schemes inner; a run whose file is already on
/// disk with the same fingerprint is loaded instead of trained (resume); a missing, corrupt or stale file is redone.
/// Each finished run is written atomically before the next one starts, so an interrupted study loses at most the run
/// in progress. The per-seed data is prepared only when at least one run of that seed has to be trained.
/// </summary>
internal static class StudyPlan
{
    /// <summary>Runs (or loads) every (scheme, seed) and returns the results ordered by scheme (as given), then seed.</summary>
    public static List<RunResult> Execute<TSeedData>(
        string outputDirectory,
        IReadOnlyList<EmbeddingInit> schemes,
        IReadOnlyList<int> seeds,
        string fingerprint,
        Func<int, TSeedData> prepareSeed,
        Func<TSeedData, EmbeddingInit, int, int, RunResult> train,
        IProgress<StudyProgress>? progress,
        CancellationToken cancellationToken)
    {
        var total = schemes.Count * seeds.Count;
        var results = new Dictionary<(string, int), RunResult>();
        var index = 0;
        foreach (var seed in seeds)
        {
            var todo = new List<(EmbeddingInit Scheme, int Index)>();
            foreach (var scheme in schemes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = scheme.Name;
                var done = StudyFiles.TryReadRun(outputDirectory, name, seed, fingerprint, out var reason);
                if (done is not null)
                {
                    results[(name, seed)] = done;
                    progress?.Report(new StudyProgress(StudyProgressKind.RunSkipped, index, total, name, seed, 1, "finished earlier"));
                }
                else
                {
                    if (reason is not null)
                    {
                        progress?.Report(new StudyProgress(StudyProgressKind.RunRedone, index, total, name, seed, 0, reason));
                    }

                    todo.Add((scheme, index));
                }

                index++;
            }

            if (todo.Count == 0)
            {
                continue;
            }

            var data = prepareSeed(seed);
            foreach (var (scheme, runIndex) in todo)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = scheme.Name;
                progress?.Report(new StudyProgress(StudyProgressKind.RunStarted, runIndex, total, name, seed, 0));
                var run = train(data, scheme, seed, runIndex);
                StudyFiles.WriteRun(outputDirectory, run);
                results[(name, seed)] = run;
                progress?.Report(new StudyProgress(StudyProgressKind.RunFinished, runIndex, total, name, seed, 1));
            }
        }

        var ordered = new List<RunResult>(total);
        foreach (var scheme in schemes)
        {
            foreach (var seed in seeds)
            {
                ordered.Add(results[(scheme.Name, seed)]);
            }
        }

        return ordered;
    }
}
