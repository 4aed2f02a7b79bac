namespace EmbedSharp.Study.Claims;

/// <summary>An experiment ready to run: its spec, the function that trains one (arm, seed), and optionally its own
/// reading of the results (verdict and recommendation sentences beyond the generic ones of
/// <see cref="ExperimentResult.DescribeGroup"/>).</summary>
/// <param name="Spec">The experiment.</param>
/// <param name="Train">Trains one run; must be safe to call concurrently for different (arm, seed).</param>
/// <param name="Describe">Rewrites the analysed result's verdict and recommendation, or null to keep the generic ones.</param>
public sealed record PreparedExperiment(ExperimentSpec Spec, Func<ArmSpec, int, ArmRun> Train, Func<ExperimentResult, ExperimentResult>? Describe = null)
{
    /// <summary>Runs (or resumes) every (arm, seed) into <paramref name="outputDirectory"/> and analyses the runs.</summary>
    public ExperimentResult Run(string outputDirectory, int parallelism = 1, IProgress<StudyProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var runs = ExperimentRunner.Execute(outputDirectory, Spec, Train, parallelism, progress, cancellationToken);
        var result = ExperimentResult.Analyze(Spec, runs);
        return Describe?.Invoke(result) ?? result;
    }
}
