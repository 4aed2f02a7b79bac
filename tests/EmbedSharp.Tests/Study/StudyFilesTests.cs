using System.Globalization;
using EmbedSharp.Study;

namespace EmbedSharp.Tests.Study;

public sealed class StudyFilesTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "embedsharp-study-files-" + Guid.NewGuid().ToString("N"));

    public StudyFilesTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Results_json_round_trips_every_run_and_the_ranking()
    {
        var results = SyntheticStudy.Full();
        var path = Path.Combine(_dir, "results.json");
        StudyFiles.WriteResultsJson(path, results);
        var text = File.ReadAllText(path);
        Assert.Contains("\"ranking\"", text, StringComparison.Ordinal);
        Assert.Contains("\"steps_to_target_mean\"", text, StringComparison.Ordinal);
        Assert.Contains("\"preset\": \"Quick\"", text, StringComparison.Ordinal);
        var back = StudyFiles.ReadResultsJson(path);
        Assert.Equal(results.Runs.Count, back.Runs.Count);
        Assert.Equal(results.Ranking, back.Ranking);
        Assert.Equal(results.Summary, back.Summary);
        Assert.Equal(results.Runs[5].Steps, back.Runs[5].Steps);
        Assert.Equal(results.Runs[5].Epochs, back.Runs[5].Epochs);
        Assert.Equal(results.Setup.Seeds, back.Setup.Seeds);
    }

    [Fact]
    public void Nan_losses_survive_the_json_round_trip()
    {
        var run = SyntheticStudy.Run("normal", 0, 300, 0.9, diverge: true);
        StudyFiles.WriteRun(_dir, run);
        var back = StudyFiles.TryReadRun(_dir, "normal", 0, SyntheticStudy.Fingerprint, out var reason);
        Assert.Null(reason);
        Assert.NotNull(back);
        Assert.True(back.Diverged);
        Assert.Contains(back.Steps, s => double.IsNaN(s.Loss));
    }

    [Fact]
    public void Results_csv_has_the_documented_header_and_one_row_per_run_and_epoch()
    {
        var results = SyntheticStudy.Full();
        var path = Path.Combine(_dir, "results.csv");
        StudyFiles.WriteCsv(path, results);
        var lines = File.ReadAllLines(path);
        Assert.Equal(StudyFiles.CsvHeader, lines[0]);
        Assert.Equal(1 + results.Runs.Sum(r => r.Epochs.Count), lines.Length);
        var header = lines[0].Split(',');
        var first = SplitCsv(lines[1]);
        Assert.Equal(header.Length, first.Count);
        var run = results.Runs[0];
        Assert.Equal(run.Scheme, first[Array.IndexOf(header, "scheme")]);
        Assert.Equal("1", first[Array.IndexOf(header, "epoch")]);
        Assert.Equal(run.Epochs[0].TestAccuracy, double.Parse(first[Array.IndexOf(header, "test_accuracy")], CultureInfo.InvariantCulture));
        Assert.Equal(run.Epochs[0].TrainLoss, double.Parse(first[Array.IndexOf(header, "train_loss")], CultureInfo.InvariantCulture));
        var grad = run.Steps.Where(s => s.Step <= run.Epochs[0].Step).Average(s => s.EmbeddingGradNorm);
        Assert.Equal(grad, double.Parse(first[Array.IndexOf(header, "embedding_grad_norm")], CultureInfo.InvariantCulture), 12);
        Assert.Contains(lines, l => l.StartsWith("trunc-normal,\"trunc_normal_(0, 0.02, ±0.04)\",1,4,", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_run_file_is_not_an_error_and_has_no_reason()
    {
        Assert.Null(StudyFiles.TryReadRun(_dir, "zeros", 0, "f", out var reason));
        Assert.Null(reason);
    }

    [Fact]
    public void A_corrupt_run_file_is_reported_and_not_trusted()
    {
        var path = StudyFiles.RunPath(_dir, "zeros", 0);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "{\"scheme\": \"zeros\", \"seed\": 0, \"steps\": [");
        Assert.Null(StudyFiles.TryReadRun(_dir, "zeros", 0, SyntheticStudy.Fingerprint, out var reason));
        Assert.Contains("not a valid run file", reason, StringComparison.Ordinal);
        Assert.Contains(path, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_file_of_another_configuration_or_run_is_redone()
    {
        StudyFiles.WriteRun(_dir, SyntheticStudy.Run("zeros", 0, 300, 0.9));
        Assert.Null(StudyFiles.TryReadRun(_dir, "zeros", 0, "other", out var reason));
        Assert.Contains("another configuration", reason, StringComparison.Ordinal);
        File.Copy(StudyFiles.RunPath(_dir, "zeros", 0), StudyFiles.RunPath(_dir, "zeros", 1));
        Assert.Null(StudyFiles.TryReadRun(_dir, "zeros", 1, SyntheticStudy.Fingerprint, out reason));
        Assert.Contains("does not hold a finished run of zeros seed 1", reason, StringComparison.Ordinal);
        Assert.NotNull(StudyFiles.TryReadRun(_dir, "zeros", 0, SyntheticStudy.Fingerprint, out _));
    }

    [Fact]
    public void Reading_a_file_that_is_not_results_names_it()
    {
        var path = Path.Combine(_dir, "results.json");
        File.WriteAllText(path, "[1, 2]");
        var e = Assert.Throws<InvalidDataException>(() => StudyFiles.ReadResultsJson(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    private static List<string> SplitCsv(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}
