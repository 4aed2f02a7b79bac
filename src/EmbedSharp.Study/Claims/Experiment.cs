namespace EmbedSharp.Study.Claims;

/// <summary>One setting an experiment compares (an initialisation, a positional encoding, a tokenizer, or a method at
/// one training-set size).</summary>
/// <param name="Name">File and results name, lower-case with dashes (e.g. <c>normal-0.02</c>, <c>frozen-n100</c>).</param>
/// <param name="Label">What a reader sees (e.g. the torch call).</param>
/// <param name="Series">For experiments over a size: the method this arm belongs to (e.g. "pretrained, frozen"); null otherwise.</param>
/// <param name="X">For experiments over a size: the size (e.g. training e-mails); null otherwise.</param>
public sealed record ArmSpec(string Name, string Label, string? Series = null, double? X = null);

/// <summary>One tutorial claim put to the test: the arms compared, the seeds, the metric and how it is read.</summary>
public sealed record ExperimentSpec
{
    /// <summary>File and results name (e.g. <c>lm-init-sotu</c>).</summary>
    public required string Id { get; init; }

    /// <summary>The question, as a reader asks it (e.g. "Which initialisation of the token table?").</summary>
    public required string Question { get; init; }

    /// <summary>The claim the tutorials make, stated so that the data can support or contradict it.</summary>
    public required string Claim { get; init; }

    /// <summary>The model, data and budget, in one or two sentences.</summary>
    public required string Setup { get; init; }

    /// <summary>What the final metric is measured on (e.g. "64 validation windows of 64 tokens").</summary>
    public required string EvaluatedOn { get; init; }

    /// <summary>The final metric's name (e.g. "validation loss").</summary>
    public required string Metric { get; init; }

    /// <summary>Its unit (e.g. "nats/token", "bits/char", "%").</summary>
    public required string Unit { get; init; }

    /// <summary>True for a loss, false for an accuracy.</summary>
    public required bool LowerIsBetter { get; init; }

    /// <summary>The x axis of a run's curve (e.g. "step").</summary>
    public string CurveX { get; init; } = "step";

    /// <summary>The y axis of a run's curve (e.g. "validation loss (nats/token)").</summary>
    public string CurveY { get; init; } = "";

    /// <summary>For experiments over a size: what the arms' <see cref="ArmSpec.X"/> counts (e.g. "training e-mails"), the
    /// x axis of the report's learning curve.</summary>
    public string SizeLabel { get; init; } = "size";

    /// <summary>The metric value that counts as "reached" for steps-to-target, or null when not used.</summary>
    public double? Target { get; init; }

    /// <summary>The settings compared, in display order.</summary>
    public required IReadOnlyList<ArmSpec> Arms { get; init; }

    /// <summary>The seeds; every arm runs every seed, and seed s gives every arm the same data and data order.</summary>
    public required IReadOnlyList<int> Seeds { get; init; }

    /// <summary>A hash of everything a run depends on besides its arm and seed (data, budget, build); a run file with
    /// another fingerprint is redone.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The arm by name.</summary>
    /// <exception cref="KeyNotFoundException">No such arm.</exception>
    public ArmSpec Arm(string name) => Arms.FirstOrDefault(a => a.Name == name) ?? throw new KeyNotFoundException($"Experiment {Id} has no arm '{name}'.");
}

/// <summary>One point of a run's curve.</summary>
/// <param name="X">Step (or size).</param>
/// <param name="Y">The value (e.g. validation loss).</param>
public readonly record struct CurvePoint(double X, double Y);

/// <summary>One finished run: one arm of one experiment with one seed.</summary>
public sealed record ArmRun
{
    /// <summary>The experiment's id.</summary>
    public required string Experiment { get; init; }

    /// <summary>The arm's name.</summary>
    public required string Arm { get; init; }

    /// <summary>The seed.</summary>
    public required int Seed { get; init; }

    /// <summary>The experiment's fingerprint when the run was made.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The final metric; NaN when the run diverged.</summary>
    public required double Metric { get; init; }

    /// <summary>The curve (e.g. validation loss per evaluation step).</summary>
    public IReadOnlyList<CurvePoint> Curve { get; init; } = [];

    /// <summary>The first x at which the curve reached the experiment's target, or null.</summary>
    public double? ReachedTargetAt { get; init; }

    /// <summary>Wall time of the run.</summary>
    public double WallSeconds { get; init; }

    /// <summary>Other measurements of the run by name (e.g. <c>initial_loss</c>, <c>tokens_per_char</c>).</summary>
    public IReadOnlyDictionary<string, double> Extra { get; init; } = new Dictionary<string, double>();

    /// <summary>True when the metric is not finite.</summary>
    public bool Diverged => !double.IsFinite(Metric);

    /// <summary>The file name of a run: <c>&lt;arm&gt;-s&lt;seed&gt;.json</c>.</summary>
    public static string FileName(string arm, int seed) => FormattableString.Invariant($"{arm}-s{seed}.json");
}
