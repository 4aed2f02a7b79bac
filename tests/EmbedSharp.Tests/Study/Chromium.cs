using System.Diagnostics;

namespace EmbedSharp.Tests.Study;

/// <summary>Headless Chromium for the report render tests: finding the binary and running it once.</summary>
internal static class Chromium
{
    /// <summary>The Chromium binary, or null when none is installed.</summary>
    public static string? Find() =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    /// <summary>Runs headless Chromium with <paramref name="args"/> (after the headless flags) and returns its standard
    /// output; fails the test when it exits with an error or takes more than 60 s. Each call has its own profile folder
    /// (deleted afterwards): test classes run in parallel, and two Chromium processes cannot share a profile.</summary>
    public static string Run(string chromium, params string[] args)
    {
        var profile = Path.Combine(Path.GetTempPath(), "embedsharp-chromium-" + Guid.NewGuid().ToString("N"));
        try
        {
            return Run(chromium, profile, args);
        }
        finally
        {
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A helper process of Chromium may still be writing; the folder is in the temporary directory.
            }
        }
    }

    private static string Run(string chromium, string profile, string[] args)
    {
        var info = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-dev-shm-usage", "--user-data-dir=" + profile }.Concat(args))
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish within 60 s.");
        }

        Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {stderr.Result}");
        return stdout;
    }
}

/// <summary>A fact that is skipped, with the reason, when no Chromium binary is installed.</summary>
internal sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Find() is null)
        {
            Skip = "chromium is not installed (apt-get install chromium; .ci/run installs it as root): the render check is skipped.";
        }
    }
}
