using System.CommandLine;

namespace EmbedSharp.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("EmbedSharp: token and word embeddings in managed code.");
        return root.Parse(args).Invoke();
    }
}
