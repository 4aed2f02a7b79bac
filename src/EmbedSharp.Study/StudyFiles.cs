using System.Globalization;
using System.Text;
using System.Text.Json;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Study;

/// <summary>
/// The study's files: <c>runs/&lt;scheme&gt;-s&lt;seed&gt;.json</c> (one per finished run), <c>results.json</c>,
/// <c>results.csv</c> and <c>report.html</c>. Every file is written atomically.
/// </summary>
public static class StudyFiles
{
    /// <summary>The folder of the per-run files inside the output directory.</summary>
    public const string RunsFolder = "runs";

    /// <summary>The columns of results.csv, one row per run and epoch.</summary>
    /// <remarks><c>scheme</c> (name), <c>label</c> (torch call), <c>seed</c>, <c>epoch</c> (1-based), <c>step</c> (examples seen),
    /// <c>train_loss</c> (mean cross-entropy of the epoch, nats), <c>test_accuracy</c> (0–1), <c>test_loss</c> (nats),
    /// <c>embedding_grad_norm</c> (mean L2 norm of the table's gradient over the epoch's logged windows), <c>elapsed_s</c>
    /// (wall time since the run started), <c>run_wall_s</c> (the whole run's wall time).</remarks>
    public const string CsvHeader = "scheme,label,seed,epoch,step,train_loss,test_accuracy,test_loss,embedding_grad_norm,elapsed_s,run_wall_s";

    /// <summary>The path of a run's file.</summary>
    public static string RunPath(string outputDirectory, string scheme, int seed) =>
        Path.Combine(outputDirectory, RunsFolder, RunResult.FileName(scheme, seed));

    /// <summary>Writes a run's file atomically (creating <c>runs/</c>).</summary>
    public static void WriteRun(string outputDirectory, RunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var path = RunPath(outputDirectory, run.Scheme, run.Seed);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, s => JsonSerializer.Serialize(s, run, StudyJsonContext.Default.RunResult));
    }

    /// <summary>Reads a finished run's file if it exists, parses, names the same scheme and seed and carries
    /// <paramref name="fingerprint"/>; otherwise returns null and says why in <paramref name="reason"/> (null when the
    /// file does not exist). A corrupt or stale file is therefore redone, never trusted.</summary>
    public static RunResult? TryReadRun(string outputDirectory, string scheme, int seed, string fingerprint, out string? reason)
    {
        var path = RunPath(outputDirectory, scheme, seed);
        reason = null;
        if (!File.Exists(path))
        {
            return null;
        }

        RunResult? run;
        try
        {
            using var stream = File.OpenRead(path);
            run = JsonSerializer.Deserialize(stream, StudyJsonContext.Default.RunResult);
        }
        catch (JsonException e)
        {
            reason = $"{path} is not a valid run file ({e.Message.ReplaceLineEndings(" ")}); the run is redone.";
            return null;
        }

        if (run is null || run.Scheme != scheme || run.Seed != seed || run.Steps is null || run.Epochs is null || run.Epochs.Count == 0)
        {
            reason = $"{path} does not hold a finished run of {scheme} seed {seed}; the run is redone.";
            return null;
        }

        if (run.Fingerprint != fingerprint)
        {
            reason = $"{path} was made with another configuration ({run.Fingerprint}, now {fingerprint}); the run is redone.";
            return null;
        }

        return run;
    }

    /// <summary>Writes results.json.</summary>
    public static void WriteResultsJson(string path, StudyResults results) =>
        AtomicFile.Write(path, s => JsonSerializer.Serialize(s, results, StudyJsonContext.Default.StudyResults));

    /// <summary>Reads results.json.</summary>
    /// <exception cref="InvalidDataException">The file is not a results file (names the path).</exception>
    public static StudyResults ReadResultsJson(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize(stream, StudyJsonContext.Default.StudyResults)
                ?? throw new InvalidDataException($"{path}: empty results file.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a study results file: {e.Message}", e);
        }
    }

    /// <summary>Writes results.csv: <see cref="CsvHeader"/>, then one row per run and epoch (invariant culture, '.' decimals).</summary>
    public static void WriteCsv(string path, StudyResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        AtomicFile.Write(path, s =>
        {
            using var w = new StreamWriter(s, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            w.WriteLine(CsvHeader);
            foreach (var run in results.Runs)
            {
                var label = Csv(results.Ranking.FirstOrDefault(a => a.Scheme == run.Scheme)?.Label ?? run.Scheme);
                long previous = 0;
                foreach (var e in run.Epochs)
                {
                    var window = run.Steps.Where(x => x.Step > previous && x.Step <= e.Step).Select(x => x.EmbeddingGradNorm).DefaultIfEmpty(double.NaN).Average();
                    previous = e.Step;
                    w.WriteLine(string.Join(',',
                        Csv(run.Scheme), label, I(run.Seed), I(e.Epoch), I(e.Step), D(e.TrainLoss), D(e.TestAccuracy), D(e.TestLoss), D(window),
                        D(e.ElapsedSeconds), D(run.WallSeconds)));
                }
            }
        });
    }

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string D(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : double.IsNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";

    private static string Csv(string text) =>
        text.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
}
