using System.Globalization;
using System.IO.Compression;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Tests.Fuzz;

/// <summary>One failing case: enough to replay it (target, seed, case index) and to see what went wrong.</summary>
internal sealed record FuzzFailure(string Target, int Seed, int Case, string Input, string Mutation, string Problem)
{
    /// <summary>The problem with its numbers, paths and quoted text blanked out, so that cases failing the same way
    /// group together in a report.</summary>
    public string Signature
    {
        get
        {
            var text = System.Text.RegularExpressions.Regex.Replace(Problem, @"'[^']*'|""[^""]*""|\([^()]*\)|[0-9][0-9,.]*", "…");
            return text.Length > 160 ? text[..160] : text;
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"[{Target} seed={Seed} case={Case}] input {Input}, {Mutation}: {Problem}");
}

/// <summary>Counts of one target's run.</summary>
internal sealed class FuzzReport(string target, int seed)
{
    public string Target { get; } = target;

    public int Seed { get; } = seed;

    public int Cases { get; set; }

    public int Accepted { get; set; }

    public int Refused { get; set; }

    public List<FuzzFailure> Failures { get; } = [];

    public TimeSpan Elapsed { get; set; }

    public string Summary => string.Create(CultureInfo.InvariantCulture,
        $"{Target,-20} cases {Cases,6}  accepted {Accepted,6}  refused {Refused,6}  failures {Failures.Count,5}  ({Elapsed.TotalSeconds:F1} s)");

    /// <summary>The failures grouped by <see cref="FuzzFailure.Signature"/>, largest group first, each with its count
    /// and its first case in full.</summary>
    public IEnumerable<string> FailureGroups => Failures
        .GroupBy(f => f.Signature, StringComparer.Ordinal)
        .OrderByDescending(g => g.Count())
        .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count(),5} x {g.First()}"));
}

/// <summary>
/// Runs seeded mutation cases against a <see cref="FuzzTarget"/> and judges each one. A case passes when the read
/// (on its own thread) finishes within <see cref="Timeout"/>, allocates at most <see cref="AllocationPerByte"/> × input
/// bytes + <see cref="AllocationSlack"/> on that thread, leaves no file behind, and either returns a result that passes
/// the target's check or throws a bad-input exception (<see cref="FileFormatException"/>, <see cref="IOException"/>,
/// <see cref="ArgumentException"/>, <see cref="NotSupportedException"/>) whose message is one line naming the file.
/// Anything else (another exception type, a hang, a result that fails its check, a valid seed refused, an endless line
/// accepted by a text reader) is a failure. Case i of target T under seed S is the same input on every run.
/// </summary>
internal sealed class FuzzRunner
{
    private static readonly Type[] BadInputTypes =
        [typeof(FileFormatException), typeof(IOException), typeof(ArgumentException), typeof(NotSupportedException)];

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    public long AllocationPerByte { get; init; } = 64;

    public long AllocationSlack { get; init; } = 64L << 20;

    /// <summary>Allocation allowed for the endless line of a line-based reader, plus the file's size: a reader that
    /// refuses the line at its bound stays below (the text vector readers keep up to 4 MiB of a line before they know
    /// the dimension, in a buffer that grows by doubling); one that holds the 16–32 MB line (two bytes per character as
    /// a string) cannot.</summary>
    public long EndlessSlack { get; init; } = 16L << 20;

    /// <summary>Longest message accepted: one line a person reads, not a dump of the input.</summary>
    public int MaxMessageLength { get; init; } = 1000;

    /// <summary>Runs cases [0, <paramref name="cases"/>) (or only <paramref name="onlyCase"/>) of
    /// <paramref name="target"/> in a fresh temporary directory, deleted at the end.</summary>
    public FuzzReport Run(FuzzTarget target, int seed, int cases, int? onlyCase = null)
    {
        var report = new FuzzReport(target.Name, seed);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var dir = Directory.CreateTempSubdirectory("embedsharp-fuzz-").FullName;
        try
        {
            for (var i = onlyCase ?? 0; i < (onlyCase is { } c ? c + 1 : cases); i++)
            {
                var fuzzCase = MakeCase(target, seed, i);
                var (outcome, problem) = RunCase(target, fuzzCase, dir);
                report.Cases++;
                if (problem is not null)
                {
                    report.Failures.Add(new FuzzFailure(target.Name, seed, i, fuzzCase.InputName, fuzzCase.Mutation, problem));
                    if (outcome == Outcome.Hung)
                    {
                        break; // a hung read still holds its thread and its files; stop this target
                    }
                }
                else if (outcome == Outcome.Accepted)
                {
                    report.Accepted++;
                }
                else
                {
                    report.Refused++;
                }
            }
        }
        finally
        {
            TryDelete(dir);
        }

        report.Elapsed = started.Elapsed;
        return report;
    }

    private enum Outcome
    {
        Accepted,
        Refused,
        Failed,
        Hung,
    }

    /// <summary>A case: the files to write, what was done to them, and what the oracle expects.</summary>
    internal sealed record FuzzCase(FuzzSeed Input, string InputName, string Mutation, bool MustAccept, bool MustRefuse)
    {
        /// <summary>The endless-line case: a line-based reader gets the tight allocation bound.</summary>
        public bool Endless { get; init; }
    }

    /// <summary>Builds case <paramref name="index"/>: the first cases are the unmodified seeds (they must be accepted),
    /// then an empty file, then an endless line, then random mutations.</summary>
    internal static FuzzCase MakeCase(FuzzTarget target, int seed, int index)
    {
        var seeds = target.Seeds;
        var rng = new Random(CaseSeed(seed, target.Name, index));
        if (index < seeds.Count)
        {
            return new FuzzCase(seeds[index], seeds[index].Name, "unmodified", MustAccept: true, MustRefuse: false);
        }

        var input = seeds[rng.Next(seeds.Count)];
        var fileIndex = index == seeds.Count + 1 ? Math.Min(target.EndlessFile, input.Files.Length - 1)
            : input.Files.Length > 1 && rng.Next(4) == 0 ? 1 + rng.Next(input.Files.Length - 1) : 0;
        var original = input.Files[fileIndex].Bytes;
        var gzip = target.Gzip && fileIndex == 0;
        var inner = gzip && (index == seeds.Count + 1 || rng.Next(2) == 0);
        var bytes = inner ? Gunzip(original) : original;
        string description;
        var mustRefuse = false;
        var endless = false;
        if (index == seeds.Count)
        {
            bytes = Mutator.Empty(out description);
        }
        else if (index == seeds.Count + 1)
        {
            // In a gzip file, a decompression bomb: 32 MB of one line in a file of some 32 KB.
            bytes = Mutator.Endless(bytes, gzip ? Mutator.EndlessBytes * 2 : Mutator.EndlessBytes, rng, out description);
            mustRefuse = target.LineBased;
            endless = true;
        }
        else
        {
            var donorSeed = seeds[rng.Next(seeds.Count)];
            var donor = donorSeed.Files[Math.Min(fileIndex, donorSeed.Files.Length - 1)].Bytes;
            bytes = Mutator.Mutate(bytes, inner ? Gunzip(donor) : donor, rng, out description);
        }

        if (inner)
        {
            bytes = Gzip(bytes);
            description = "inside gzip: " + description;
        }

        var files = (FuzzFile[])input.Files.Clone();
        files[fileIndex] = files[fileIndex] with { Bytes = bytes };
        return new FuzzCase(input with { Files = files }, input.Name, $"{files[fileIndex].Name}: {description}", MustAccept: false, mustRefuse)
        {
            Endless = endless,
        };
    }

    /// <summary>A stable 32-bit seed from the run seed, the target name and the case index (no string.GetHashCode:
    /// it changes between processes).</summary>
    internal static int CaseSeed(int seed, string target, int index)
    {
        var h = 14695981039346656037UL;
        foreach (var ch in target)
        {
            h = (h ^ ch) * 1099511628211UL;
        }

        var z = h ^ ((ulong)(uint)seed << 32) ^ (uint)index;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    private (Outcome Outcome, string? Problem) RunCase(FuzzTarget target, FuzzCase fuzzCase, string dir)
    {
        foreach (var stale in Directory.GetFileSystemEntries(dir))
        {
            TryDelete(stale);
        }

        var paths = new string[fuzzCase.Input.Files.Length];
        long totalBytes = 0;
        for (var f = 0; f < paths.Length; f++)
        {
            paths[f] = Path.Combine(dir, fuzzCase.Input.Files[f].Name);
            File.WriteAllBytes(paths[f], fuzzCase.Input.Files[f].Bytes);
            totalBytes += fuzzCase.Input.Files[f].Bytes.Length;
        }

        Exception? error = null;
        var checkFailed = false;
        long allocated = 0;
        var thread = new Thread(() =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            object? result = null;
            try
            {
                result = target.Read(paths);
            }
            catch (Exception e)
            {
                error = e;
            }

            if (result is not null)
            {
                try
                {
                    target.Check(result, fuzzCase.Input);
                }
                catch (Exception e)
                {
                    error = e;
                    checkFailed = true;
                }
                finally
                {
                    (result as IDisposable)?.Dispose();
                }
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        })
        { IsBackground = true, Name = "fuzz " + target.Name };
        thread.Start();
        if (!thread.Join(Timeout))
        {
            return (Outcome.Hung, string.Create(CultureInfo.InvariantCulture, $"no result after {Timeout.TotalSeconds:F0} s (hang)"));
        }

        var bound = fuzzCase.Endless && target.LineBased ? EndlessSlack + totalBytes : (AllocationPerByte * totalBytes) + AllocationSlack;
        if (allocated > bound)
        {
            return (Outcome.Failed, string.Create(CultureInfo.InvariantCulture,
                $"allocated {allocated:N0} bytes for {totalBytes:N0} bytes of input (bound {bound:N0}); {Describe(error) ?? "then accepted it"}"));
        }

        var left = Directory.GetFileSystemEntries(dir).Length;
        if (left != paths.Distinct(StringComparer.Ordinal).Count())
        {
            return (Outcome.Failed, string.Create(CultureInfo.InvariantCulture,
                $"left files behind: {string.Join(", ", Directory.GetFileSystemEntries(dir).Select(Path.GetFileName))}"));
        }

        if (error is null)
        {
            if (fuzzCase.MustRefuse)
            {
                return (Outcome.Failed, "accepted a line of megabytes: a text reader must refuse it by its bound on one line");
            }

            return (Outcome.Accepted, null);
        }

        if (checkFailed && (error is FuzzCheckException || !IsBadInput(error, fuzzCase, target)))
        {
            return (Outcome.Failed, error is FuzzCheckException
                ? "accepted, but the result is wrong: " + error.Message
                : "accepted, but using the result threw " + Describe(error));
        }

        // From here the error is a refusal, at load or (for a lazily checked mapped file) on first use.
        if (!BadInputTypes.Any(t => t.IsInstanceOfType(error)))
        {
            return (Outcome.Failed, "threw " + Describe(error));
        }

        var message = error.Message;
        if (message.Contains('\n', StringComparison.Ordinal) || message.Contains('\r', StringComparison.Ordinal))
        {
            return (Outcome.Failed, "the message is not one line: " + Describe(error));
        }

        if (message.Length > MaxMessageLength)
        {
            return (Outcome.Failed, string.Create(CultureInfo.InvariantCulture, $"the message is {message.Length:N0} characters long: {Describe(error)}"));
        }

        if (!target.UnnamedInput && !fuzzCase.Input.Files.Any(f => message.Contains(f.Name, StringComparison.Ordinal)))
        {
            return (Outcome.Failed, "the message does not name the file: " + Describe(error));
        }

        if (fuzzCase.MustAccept)
        {
            return (Outcome.Failed, "a valid input was refused: " + Describe(error));
        }

        return (Outcome.Refused, null);
    }

    private bool IsBadInput(Exception e, FuzzCase fuzzCase, FuzzTarget target) =>
        BadInputTypes.Any(t => t.IsInstanceOfType(e)) && !e.Message.Contains('\n', StringComparison.Ordinal) && e.Message.Length <= MaxMessageLength
        && (target.UnnamedInput || fuzzCase.Input.Files.Any(f => e.Message.Contains(f.Name, StringComparison.Ordinal)));

    private static string? Describe(Exception? e)
    {
        if (e is null)
        {
            return null;
        }

        var frame = e.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "no stack";
        var message = e.Message.Length > 300 ? e.Message[..300] + "…" : e.Message;
        return $"{e.GetType().Name}: {message.ReplaceLineEndings(" ")} ({frame})";
    }

    internal static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(bytes);
        }

        return output.ToArray();
    }

    internal static byte[] Gunzip(byte[] bytes)
    {
        using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
