using System.CommandLine;
using EmbedSharp.Cli.Commands;

namespace EmbedSharp.Tests.Cli;

/// <summary>Runs the CLI's commands in-process with the console captured (tests using it share the "Console" collection).</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Invoke(string? stdin, params string[] args)
        => InvokeBytes(System.Text.Encoding.UTF8.GetBytes(stdin ?? ""), args);

    /// <summary>As <see cref="Invoke(string?, string[])"/> with standard input given as bytes (read as bytes by
    /// <c>tokenize</c>, as text by the other commands).</summary>
    public static (int Code, string Out, string Err) InvokeBytes(byte[] stdinBytes, params string[] args)
    {
        var stdin = new System.Text.UTF8Encoding(false, false).GetString(stdinBytes);
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
        var (stdout, stderr, input, rawInput) = (Console.Out, Console.Error, Console.In, TokenizeCommand.OpenStandardInput);
        using var o = new StringWriter();
        using var e = new StringWriter();
        using var i = new StringReader(stdin);
        TokenizeCommand.OpenStandardInput = () => new MemoryStream(stdinBytes, writable: false);
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
            TokenizeCommand.OpenStandardInput = rawInput;
        }
    }
}
