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
        return root.Parse(args).Invoke();
    }
}
