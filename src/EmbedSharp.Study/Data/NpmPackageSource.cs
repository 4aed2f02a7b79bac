using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EmbedSharp.Study.Data;

/// <summary>
/// Fetches a package tarball with <c>npm pack &lt;name&gt;@&lt;version&gt; --pack-destination &lt;folder&gt;</c>, which
/// downloads from the configured npm registry (honouring the user's .npmrc, proxy and npm cache) without installing
/// or running anything from the package. The process runs with a timeout; its standard error is captured and quoted
/// in the exception if it fails.
/// </summary>
public sealed class NpmPackageSource : IPackageSource
{
    /// <summary>How much of npm's standard error an exception quotes (the end of it, where npm puts the error).</summary>
    internal const int StandardErrorTail = 4000;

    /// <summary>Creates a source that runs npm.</summary>
    /// <param name="npmPath">The npm executable; null finds <c>npm</c> (<c>npm.cmd</c> on Windows) on PATH when packing.</param>
    /// <param name="timeout">How long one <c>npm pack</c> may run before it is killed; null means 10 minutes.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is not positive.</exception>
    public NpmPackageSource(string? npmPath = null, TimeSpan? timeout = null)
    {
        var t = timeout ?? TimeSpan.FromMinutes(10);
        if (t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), t, "The timeout must be positive.");
        }

        NpmPath = npmPath;
        Timeout = t;
    }

    /// <summary>The npm executable given to the constructor, or null to search PATH.</summary>
    public string? NpmPath { get; }

    /// <summary>How long one <c>npm pack</c> may run.</summary>
    public TimeSpan Timeout { get; }

    /// <inheritdoc/>
    /// <exception cref="DatasetFetchException">npm is missing, exits with an error, times out or writes no tarball.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the process is killed).</exception>
    public string Pack(PackageSpec package, string destinationDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentException.ThrowIfNullOrEmpty(destinationDirectory);
        var npm = NpmPath ?? FindOnPath() ?? throw new DatasetFetchException(
            $"npm is needed to fetch {package.PackArgument} but was not found on PATH; install Node.js/npm or put the dataset in the cache by hand.");
        var info = new ProcessStartInfo(npm)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            WorkingDirectory = destinationDirectory,
        };
        foreach (var arg in new[] { "pack", package.PackArgument, "--pack-destination", destinationDirectory, "--loglevel=warn", "--ignore-scripts" })
        {
            info.ArgumentList.Add(arg);
        }

        var commandLine = npm + " " + string.Join(' ', info.ArgumentList);
        var stderr = new TailBuffer(StandardErrorTail);
        using var process = new Process { StartInfo = info };
        process.ErrorDataReceived += (_, e) => stderr.AppendLine(e.Data);
        process.OutputDataReceived += (_, _) => { };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DatasetFetchException($"npm is needed to fetch {package.PackArgument} but '{npm}' could not be started: {e.Message}", e);
        }

        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        bool exited;
        try
        {
            exited = WaitForExit(process, Timeout, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }

        if (!exited)
        {
            Kill(process);
            throw new DatasetFetchException(
                string.Create(CultureInfo.InvariantCulture, $"'{commandLine}' did not finish within {Timeout.TotalSeconds:0} s and was stopped."),
                null,
                stderr.ToString());
        }

        process.WaitForExit(); // drains the asynchronous stdout/stderr readers
        if (process.ExitCode != 0)
        {
            throw new DatasetFetchException(
                string.Create(CultureInfo.InvariantCulture, $"'{commandLine}' failed with exit code {process.ExitCode}."),
                process.ExitCode,
                stderr.ToString());
        }

        var tarballs = Directory.GetFiles(destinationDirectory, "*.tgz");
        if (tarballs.Length != 1)
        {
            throw new DatasetFetchException(
                string.Create(CultureInfo.InvariantCulture, $"'{commandLine}' exited normally but left {tarballs.Length} .tgz files in '{destinationDirectory}' (expected 1)."),
                process.ExitCode,
                stderr.ToString());
        }

        return tarballs[0];
    }

    /// <summary>Finds <c>npm</c> on PATH (on Windows <c>npm.cmd</c>, <c>npm.exe</c>), or returns null.</summary>
    public static string? FindOnPath()
    {
        var path = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        string[] names = OperatingSystem.IsWindows() ? ["npm.cmd", "npm.exe"] : ["npm"];
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in names)
            {
                var candidate = Path.Combine(dir.Trim('"'), name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static bool WaitForExit(Process process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!process.WaitForExit(200))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (deadline.Elapsed >= timeout)
            {
                return false;
            }
        }

        return true;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            if (process.WaitForExit(5000))
            {
                // WaitForExit(timeout) can return before the asynchronous stderr reader has delivered the last lines; the
                // parameterless overload waits for the end of the streams, bounded here in case a grandchild still holds them.
                Task.Run(process.WaitForExit).Wait(TimeSpan.FromSeconds(2));
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Could not be killed; the exception we are about to throw matters more.
        }
    }

    /// <summary>Keeps the last <c>capacity</c> characters of the lines appended (npm writes a long notice list first).</summary>
    private sealed class TailBuffer(int capacity)
    {
        private readonly StringBuilder _text = new();
        private readonly Lock _gate = new();

        public void AppendLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_gate)
            {
                _text.Append(line).Append('\n');
                if (_text.Length > 2 * capacity)
                {
                    _text.Remove(0, _text.Length - capacity);
                }
            }
        }

        public override string ToString()
        {
            lock (_gate)
            {
                var s = _text.ToString().TrimEnd('\n');
                return s.Length <= capacity ? s : "…" + s[^capacity..];
            }
        }
    }
}
