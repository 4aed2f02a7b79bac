using System.CommandLine;
using EmbedSharp.Cli.Commands;

namespace EmbedSharp.Tests.Cli;

/// <summary>Runs the CLI's commands in-process with the console captured (tests using it share the "Console" collection).</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Invoke(string? stdin, params string[] args)
    {
        var root = new RootCommand();
        root.Subcommands.Add(InitCommand.Create());
        root.Subcommands.Add(VectorsCommand.Create());
        root.Subcommands.Add(TrainVectorsCommand.Create());
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(StudyCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ClassifyCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(TokenizerCommand.Create());
        var (stdout, stderr, input) = (Console.Out, Console.Error, Console.In);
        using var o = new StringWriter();
        using var e = new StringWriter();
        using var i = new StringReader(stdin ?? "");
        Console.SetOut(o);
        Console.SetError(e);
        Console.SetIn(i);
        try
        {
            var code = EmbedSharp.Cli.Program.Run(root, args);
            return (code, o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            Console.SetIn(input);
        }
    }
}
