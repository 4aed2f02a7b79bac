using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EmbedSharp.Vectors.Formats;
using EmbedSharp.Vectors.Formats.Glove;
using EmbedSharp.Vectors.Formats.Word2VecBinary;
using EmbedSharp.Vectors.Formats.Word2VecText;

namespace EmbedSharp.Bench.Peers;

/// <summary>
/// <c>peers-vectors FORMAT PATH [REPS]</c>: loads PATH (FORMAT glove, text or binary) REPS times (default 3) and prints
/// one JSON object: seconds per load (first, best, median), the matrix bytes, and the memory the first load took
/// (peak resident set minus the resident set before it, from /proc/self/status), for bench/peers/vectors_vs_gensim.py.
/// </summary>
internal static class VectorsPeerTimings
{
    public static void Run(string[] args)
    {
        if (args[0] == "touch")
        {
            Touch(long.Parse(args[1], CultureInfo.InvariantCulture), long.Parse(args[2], CultureInfo.InvariantCulture));
            return;
        }

        var format = args[0];
        var path = args[1];
        var reps = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        var rssBefore = Status("VmRSS");
        var times = new List<double>();
        long matrixBytes = 0;
        long hwmFirst = 0;
        long faultsFirst = 0;
        for (var i = 0; i < reps; i++)
        {
            var faults0 = MinorFaults();
            var sw = Stopwatch.StartNew();
            var result = Load(format, path);
            times.Add(sw.Elapsed.TotalSeconds);
            if (i == 0)
            {
                faultsFirst = MinorFaults() - faults0;
            }

            matrixBytes = result.Vectors.Vectors.Length * sizeof(float);
            if (i == 0)
            {
                hwmFirst = Status("VmHWM");
            }

            result = null;
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        var sorted = times.Order().ToArray();
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["format"] = format,
            ["first_s"] = times[0],
            ["best_s"] = sorted[0],
            ["median_s"] = sorted[sorted.Length / 2],
            ["matrix_bytes"] = matrixBytes,
            ["rss_before_bytes"] = rssBefore,
            ["peak_rss_first_load_bytes"] = hwmFirst,
            ["peak_over_matrix"] = (double)(hwmFirst - rssBefore) / Math.Max(1, matrixBytes),
            ["threads"] = Environment.ProcessorCount,
            ["minor_faults_first_load"] = faultsFirst,
        }));
    }

    /// <summary><c>peers-vectors touch ROWS DIM</c>: the floor under any load into fresh memory: allocates a ROWS × DIM
    /// tensor as the loaders do and writes every element once (no file, no parsing), timed, with the minor page faults
    /// it took (from /proc/self/stat). On this project's VM a fresh 4 KiB page costs microseconds, so this dominates a
    /// first load.</summary>
    private static void Touch(long rows, long dim)
    {
        var faults0 = MinorFaults();
        var sw = Stopwatch.StartNew();
        var t = new EmbedSharp.Numerics.FloatTensor(rows, dim);
        t.Fill(1f);
        var seconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["touch_s"] = seconds,
            ["minor_faults"] = MinorFaults() - faults0,
            ["bytes"] = t.Length * sizeof(float),
        }));
    }

    /// <summary>This process's minor page faults so far (field 10 of /proc/self/stat), or 0 where there is none.</summary>
    internal static long MinorFaults()
    {
        const string file = "/proc/self/stat";
        if (!File.Exists(file))
        {
            return 0;
        }

        var text = File.ReadAllText(file);
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }

    internal static VectorReadResult Load(string format, string path) => format switch
    {
        "glove" => GloveFile.Read(path),
        "text" => Word2VecTextFile.Read(path),
        "binary" => Word2VecBinaryFile.Read(path),
        _ => throw new ArgumentException($"Unknown format '{format}' (glove, text, binary).", nameof(format)),
    };

    /// <summary>A size field of /proc/self/status (kB) in bytes, or 0 where there is none.</summary>
    private static long Status(string field)
    {
        const string file = "/proc/self/status";
        if (!File.Exists(file))
        {
            return 0;
        }

        foreach (var line in File.ReadLines(file))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var kb = line[(field.Length + 1)..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
