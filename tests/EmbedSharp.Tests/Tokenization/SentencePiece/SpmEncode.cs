using System.Diagnostics;
using System.Globalization;

namespace EmbedSharp.Tests.Tokenization.SentencePiece;

/// <summary>Runs Debian's <c>spm_encode</c> (package sentencepiece) on lines of text.</summary>
internal static class SpmEncode
{
    public const string Path = "/usr/bin/spm_encode";

    public static bool Available => File.Exists(Path);

    /// <summary>The output lines of <c>spm_encode --output_format=FORMAT</c> for the lines (none may hold '\n').</summary>
    public static string[] Output(string model, IReadOnlyList<string> lines, string format, params string[] extra)
    {
        var input = System.IO.Path.GetTempFileName();
        try
        {
            File.WriteAllText(input, string.Concat(lines.Select(l => l + "\n")));
            var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = new System.Text.UTF8Encoding(false) };
            start.ArgumentList.Add("--model=" + model);
            start.ArgumentList.Add("--output_format=" + format);
            start.ArgumentList.Add("--input=" + input);
            foreach (var e in extra)
            {
                start.ArgumentList.Add(e);
            }

            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"spm_encode failed ({process.ExitCode}): {error.Result}");
            return output.Split('\n')[..^1];
        }
        finally
        {
            File.Delete(input);
        }
    }

    /// <summary>The ids <c>spm_encode --output_format=id</c> prints for each line (no line may hold '\n' or '\r').</summary>
    public static int[][] Ids(string model, IReadOnlyList<string> lines)
    {
        var input = System.IO.Path.GetTempFileName();
        try
        {
            File.WriteAllText(input, string.Concat(lines.Select(l => l + "\n")));
            var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("--model=" + model);
            start.ArgumentList.Add("--output_format=id");
            start.ArgumentList.Add("--input=" + input);
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"spm_encode failed ({process.ExitCode}): {error.Result}");
            var rows = output.Split('\n');
            Assert.Equal(lines.Count + 1, rows.Length);   // the last row is the empty text after the final '\n'
            return [.. rows.Take(lines.Count).Select(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray())];
        }
        finally
        {
            File.Delete(input);
        }
    }
}

/// <summary>A fact that runs only when <c>/usr/bin/spm_encode</c> exists (Debian package sentencepiece).</summary>
public sealed class SpmEncodeFactAttribute : FactAttribute
{
    public SpmEncodeFactAttribute()
    {
        if (!SpmEncode.Available)
        {
            Skip = "/usr/bin/spm_encode is missing (apt-get install sentencepiece); the comparison with SentencePiece is skipped.";
        }
    }
}
