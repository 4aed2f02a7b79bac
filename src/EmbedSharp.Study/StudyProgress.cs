namespace EmbedSharp.Study;

/// <summary>What a study reports while it runs.</summary>
public enum StudyProgressKind
{
    /// <summary>A preparation step (data, vectors); see <see cref="StudyProgress.Message"/>.</summary>
    Preparing,

    /// <summary>A run starts.</summary>
    RunStarted,

    /// <summary>A run logged a training loss (see <see cref="StudyProgress.Step"/>).</summary>
    Step,

    /// <summary>A run finished an epoch (see <see cref="StudyProgress.Epoch"/>).</summary>
    Epoch,

    /// <summary>A run finished and its file was written.</summary>
    RunFinished,

    /// <summary>A run was found finished on disk and skipped (resume).</summary>
    RunSkipped,

    /// <summary>A run file on disk could not be used and the run is redone (see <see cref="StudyProgress.Message"/>).</summary>
    RunRedone,
}

/// <summary>One progress report of a study.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="RunIndex">0-based index of the run in the plan (schemes × seeds), −1 while preparing.</param>
/// <param name="RunCount">Runs in the plan.</param>
/// <param name="Scheme">The run's scheme name ("" while preparing).</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Fraction">Progress of the run, 0–1.</param>
/// <param name="Message">A line of text (preparation steps, redo reasons), or null.</param>
/// <param name="Step">The last logged step, or null.</param>
/// <param name="Epoch">The last finished epoch, or null.</param>
public sealed record StudyProgress(
    StudyProgressKind Kind,
    int RunIndex,
    int RunCount,
    string Scheme,
    int Seed,
    double Fraction,
    string? Message = null,
    StepRecord? Step = null,
    EpochRecord? Epoch = null);
