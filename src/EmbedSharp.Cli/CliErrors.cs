using System.Globalization;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Cli;

/// <summary>
/// What reaches the user when a command fails: never a stack trace. Bad input (every reader of the library reports it
/// as a <see cref="FileFormatException"/> with path, line and byte offset; argument, I/O and dataset errors likewise)
/// is one line on stderr and exit code <see cref="BadInput"/>. Anything else is a bug in EmbedSharp: one line saying
/// so, with the exception's type and message, and where the stack trace was written (a log file in the temporary
/// directory), exit code <see cref="InternalError"/>.
/// </summary>
internal static class CliErrors
{
    /// <summary>Exit code for a user mistake or bad input.</summary>
    public const int BadInput = 1;

    /// <summary>Exit code for an internal error (sysexits.h's EX_SOFTWARE).</summary>
    public const int InternalError = 70;

    public static int Run(Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or FileFormatException or Study.Data.DatasetException or InvalidDataException or KeyNotFoundException or NotSupportedException or InvalidOperationException or FormatException)
        {
            Console.Error.WriteLine($"embedsharp: {OneLine(e.Message)}");
            return BadInput;
        }
        catch (Exception e)
        {
            var log = WriteTrace(e);
            var where = log is null ? "its stack trace could not be written to a file" : $"its stack trace is in {log}";
            Console.Error.WriteLine($"embedsharp: internal error, a bug in EmbedSharp rather than in the input: {e.GetType().Name}: {OneLine(e.Message)} ({where})");
            return InternalError;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    /// <summary>Writes the whole exception (inner exceptions and stack traces) to a new log file; null if that fails.</summary>
    private static string? WriteTrace(Exception e)
    {
        try
        {
            var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
            var path = Path.Combine(Path.GetTempPath(), $"embedsharp-error-{stamp}-{Environment.ProcessId}-{Guid.NewGuid():N}.log");
            File.WriteAllText(path, $"embedsharp {Environment.CommandLine}{Environment.NewLine}{e}{Environment.NewLine}");
            return path;
        }
        catch (Exception writeError) when (writeError is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
