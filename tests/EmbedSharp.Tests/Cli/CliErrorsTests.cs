using EmbedSharp.Cli;
using EmbedSharp.Numerics.Formats.Npy;

namespace EmbedSharp.Tests.Cli;

[Collection("Console")]
public sealed class CliErrorsTests
{
    [Fact]
    public void An_internal_error_is_one_line_naming_it_a_bug_with_exit_70_and_the_trace_in_a_log()
    {
        var (code, err) = Capture(() => CliErrors.Run(() => throw new NullReferenceException("boom\nsecond line")));
        Assert.Equal(CliErrors.InternalError, code);
        var line = Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("internal error", line, StringComparison.Ordinal);
        Assert.Contains("NullReferenceException: boom second line", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        var log = line[(line.LastIndexOf(" is in ", StringComparison.Ordinal) + 7)..].TrimEnd(')');
        try
        {
            var trace = File.ReadAllText(log);
            Assert.Contains("System.NullReferenceException: boom", trace, StringComparison.Ordinal);
            Assert.Contains("   at ", trace, StringComparison.Ordinal); // the stack trace is there, not on the console
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public void Bad_input_is_one_line_and_exit_1()
    {
        var path = Path.Combine(Path.GetTempPath(), $"embedsharp-cli-errors-{Guid.NewGuid():N}.npy");
        File.WriteAllText(path, "not npy");
        try
        {
            var (code, err) = Capture(() => CliErrors.Run(() => NpyFile.ReadTensor(path)));
            Assert.Equal(CliErrors.BadInput, code);
            var line = Assert.Single(err.Trim().Split('\n'));
            Assert.Contains(path, line, StringComparison.Ordinal);
            Assert.DoesNotContain("internal error", line, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (int Code, string Err) Capture(Func<int> run)
    {
        var stderr = Console.Error;
        using var e = new StringWriter();
        Console.SetError(e);
        try
        {
            var code = run();
            return (code, e.ToString());
        }
        finally
        {
            Console.SetError(stderr);
        }
    }
}
