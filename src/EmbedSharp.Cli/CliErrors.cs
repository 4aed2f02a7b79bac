using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Cli;

/// <summary>Turns user mistakes into a one-line message on stderr and exit code 1; never a stack trace for those. Every
/// reader of the library reports bad input as a <see cref="FileFormatException"/> (path, line, byte offset).</summary>
internal static class CliErrors
{
    public static int Run(Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or FileFormatException or Study.Data.DatasetException or InvalidDataException or KeyNotFoundException or NotSupportedException or InvalidOperationException or FormatException)
        {
            Console.Error.WriteLine($"embedsharp: {e.Message.ReplaceLineEndings(" ")}"); // one line, even for multi-line messages
            return 1;
        }
    }
}
