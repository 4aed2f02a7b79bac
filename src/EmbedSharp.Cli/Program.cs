using System.CommandLine;
using EmbedSharp.Cli.Commands;

namespace EmbedSharp.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("EmbedSharp: token and word embeddings in managed code, PyTorch-exact initialisation.");
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(InitCommand.Create());
        root.Subcommands.Add(VectorsCommand.Create());
        root.Subcommands.Add(TrainVectorsCommand.Create());
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(StudyCommand.Create());
        root.Subcommands.Add(ClassifyCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(TokenizerCommand.Create());
        return Run(root, args);
    }

    /// <summary>Parses and runs a command. A command line that does not parse (an unknown option, a missing or
    /// malformed value) is one line on stderr naming what is wrong and where the options are listed, exit code 1,
    /// instead of System.CommandLine's default of the whole help text followed by the errors.</summary>
    internal static int Run(RootCommand root, string[] args)
    {
        var result = root.Parse(args);
        if (result.Errors.Count == 0 || args.Length == 0)
        {
            return result.Invoke(); // no arguments at all: the default action prints the help, which is what is wanted
        }

        var path = new List<string>();
        for (var c = result.CommandResult; c is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult)
        {
            path.Insert(0, c.Command is RootCommand ? "embedsharp" : c.Command.Name);
        }

        if (result.CommandResult.Command.Subcommands.Count > 0 && result.UnmatchedTokens.Count == 0 && result.Errors.Count == 1)
        {
            // A command group without its subcommand ("embedsharp vectors"): its help lists them.
            root.Parse([.. path.Skip(1), "--help"]).Invoke();
            return CliErrors.BadInput;
        }

        var errors = string.Join(" ", result.Errors.Select(e => e.Message.TrimEnd('.') + "."));
        Console.Error.WriteLine($"embedsharp: {errors} (see '{string.Join(' ', path)} --help')");
        return CliErrors.BadInput;
    }
}
