namespace EmbedSharp.Tests.Cli;

[Collection("Console")]
public sealed class StudyCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-study-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_vectors_file_in_the_wrong_format_fails_with_the_readers_message_before_anything_runs()
    {
        var bad = Path.Combine(_dir, "bad.vec");
        File.WriteAllText(bad, "2 3\nword 0.1 0.2\n");
        var output = Path.Combine(_dir, "out");
        var (code, _, err) = CliRunner.Invoke(null, "study", "init", "--quick", "--vectors", bad, "--out", output);
        Assert.Equal(1, code);
        Assert.StartsWith("embedsharp: ", err, StringComparison.Ordinal);
        Assert.Contains("bad.vec", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(Directory.Exists(output)); // nothing fetched, trained or written
    }

    [Theory]
    [InlineData("--schemes", "zeros,glorot", "'glorot'")]
    [InlineData("--epochs", "0", "Epochs must be between 1 and 10000")]
    [InlineData("--epochs", "2147483647", "Epochs must be between 1 and 10000")]
    [InlineData("--seeds", "0", "--seeds must be between 1 and 1000")]
    [InlineData("--seeds", "2147483647", "--seeds must be between 1 and 1000")]
    [InlineData("--dim", "100000000", "Dim must be between 1 and 10000")]
    [InlineData("--lr", "1e30", "at most 100")]
    [InlineData("--lr", "NaN", "at most 100")]
    [InlineData("--quick", "--full", "exclude each other")]
    public void Bad_options_fail_with_one_line_before_any_work(string option, string value, string message)
    {
        var output = Path.Combine(_dir, "out");
        var (code, _, err) = CliRunner.Invoke(null, "study", "init", option, value, "--out", output);
        Assert.Equal(1, code);
        Assert.Contains(message, err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void The_claims_study_refuses_both_presets_before_any_work()
    {
        var output = Path.Combine(_dir, "claims");
        var (code, _, err) = CliRunner.Invoke(null, "study", "--quick", "--full", "--out", output);
        Assert.Equal(1, code);
        Assert.Contains("exclude each other", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Study_report_rewrites_the_report_from_results_and_names_a_missing_file()
    {
        var (code, _, err) = CliRunner.Invoke(null, "study", "report", _dir);
        Assert.Equal(1, code);
        Assert.Contains(Path.Combine(_dir, "results.json"), err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));

        var results = EmbedSharp.Tests.Study.ClaimsReportTests.Results();
        EmbedSharp.Study.Claims.ClaimsResults.Write(Path.Combine(_dir, "results.json"), results with { Questions = [] });
        (code, var output, err) = CliRunner.Invoke(null, "study", "report", _dir);
        Assert.True(code == 0, err);
        Assert.Contains("report.html", output, StringComparison.Ordinal);
        var html = File.ReadAllText(Path.Combine(_dir, "report.html"));
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        var reread = EmbedSharp.Study.Claims.ClaimsResults.Read(Path.Combine(_dir, "results.json"));
        Assert.NotEmpty(reread.Questions); // composed again from the experiments
    }

    [Fact]
    public void Demo_init_table_keeps_the_old_side_by_side_table()
    {
        var (code, output, err) = CliRunner.Invoke(null, "demo", "--init-table", "--rows", "20", "--cols", "4", "--seed", "1");
        Assert.True(code == 0, err);
        Assert.Contains("xavier_uniform_", output, StringComparison.Ordinal);
        Assert.Contains("trunc_normal_(std=0.02)", output, StringComparison.Ordinal);
        Assert.Contains("20 × 4", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1000000000", "1000", "may be at most 50,000,000 elements")]
    [InlineData("-1", "300", "must be positive")]
    public void Demo_init_table_refuses_a_table_it_should_not_build(string rows, string cols, string message)
    {
        var (code, _, err) = CliRunner.Invoke(null, "demo", "--init-table", "--rows", rows, "--cols", cols);
        Assert.Equal(1, code);
        Assert.Contains(message, err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }
}
