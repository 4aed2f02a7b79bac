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

    [Theory]
    [InlineData("init --shape 3 --threads 5", "Unrecognized command or argument '--threads'", "(see 'embedsharp init --help')")]
    [InlineData("vectors info", "Required argument 'FILE' missing", "(see 'embedsharp vectors info --help')")]
    [InlineData("bogus", "'bogus'", "(see 'embedsharp --help')")]
    public void A_command_line_that_does_not_parse_is_one_line_naming_the_help_to_read(string args, string error, string help)
    {
        var (code, output, err) = CliRunner.Invoke(null, args.Split(' '));
        Assert.Equal(CliErrors.BadInput, code);
        Assert.Equal("", output);
        var line = Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith("embedsharp: ", line, StringComparison.Ordinal);
        Assert.Contains(error, line, StringComparison.Ordinal);
        Assert.EndsWith(help, line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_command_group_without_its_subcommand_prints_its_help()
    {
        var (code, output, _) = CliRunner.Invoke(null, "vectors");
        Assert.Equal(CliErrors.BadInput, code);
        Assert.Contains("info <FILE>", output, StringComparison.Ordinal);
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
