using System.Globalization;
using System.Text;

namespace EmbedSharp.Tests.Fuzz;

/// <summary>
/// The seeded mutation fuzzer over every reader (see <see cref="FuzzRunner"/> for the oracle). In the test suite each
/// target runs <see cref="DefaultCases"/> cases under <see cref="DefaultSeed"/>; tools/fuzz/run.sh runs the same tests
/// with more cases, another seed, a chosen reader or a single case through these environment variables:
/// EMBEDSHARP_FUZZ_CASES (cases per reader), EMBEDSHARP_FUZZ_SEED, EMBEDSHARP_FUZZ_READER (comma-separated names),
/// EMBEDSHARP_FUZZ_CASE (replay one case), EMBEDSHARP_FUZZ_REPORT (file the per-reader counts are appended to).
/// </summary>
internal static class FuzzSettings
{
    public const int DefaultSeed = 14;

    public const int DefaultCases = 100;

    public static int Cases => Int("EMBEDSHARP_FUZZ_CASES") ?? DefaultCases;

    public static int Seed => Int("EMBEDSHARP_FUZZ_SEED") ?? DefaultSeed;

    public static int? OnlyCase => Int("EMBEDSHARP_FUZZ_CASE");

    public static bool Selected(string target)
    {
        var readers = Environment.GetEnvironmentVariable("EMBEDSHARP_FUZZ_READER");
        return string.IsNullOrWhiteSpace(readers)
            || readers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains(target, StringComparer.Ordinal);
    }

    /// <summary>Runs one target and fails the test with every failing case (seed, case, input, mutation, problem).</summary>
    public static void Run(string target)
    {
        if (!Selected(target))
        {
            return;
        }

        var report = new FuzzRunner().Run(FuzzTargets.Get(target), Seed, Cases, OnlyCase);
        if (Environment.GetEnvironmentVariable("EMBEDSHARP_FUZZ_REPORT") is { Length: > 0 } reportPath)
        {
            File.AppendAllText(reportPath, report.Summary + Environment.NewLine + string.Concat(report.FailureGroups.Select(g => "  " + g + Environment.NewLine)));
        }

        if (report.Failures.Count > 0)
        {
            var message = new StringBuilder()
                .AppendLine(report.Summary)
                .AppendLine(CultureInfo.InvariantCulture, $"Replay one case: tools/fuzz/run.sh --reader {target} --seed {report.Seed} --case N")
                .AppendLine("Failures grouped by kind (count x first case):")
                .AppendJoin(Environment.NewLine, report.FailureGroups);
            Assert.Fail(message.ToString());
        }

        Assert.Equal(report.Cases, report.Accepted + report.Refused);
        Assert.True(report.Cases > 0, "no case ran");
    }

    private static int? Int(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;
}

public sealed class TextVectorFuzzTests
{
    [Theory]
    [InlineData("word2vec-text")]
    [InlineData("fasttext-vec")]
    [InlineData("glove")]
    [InlineData("word2vec-text-gz")]
    [InlineData("glove-gz")]
    [InlineData("word2vec-binary-gz")]
    public void Bad_input_is_refused_or_read_never_crashes_hangs_or_allocates_without_bound(string reader) => FuzzSettings.Run(reader);
}

public sealed class BinaryVectorFuzzTests
{
    [Theory]
    [InlineData("word2vec-binary")]
    [InlineData("native-esvec")]
    [InlineData("npy-words")]
    [InlineData("npy-words-mapped")]
    [InlineData("safetensors-words")]
    [InlineData("vectors-detect")]
    public void Bad_input_is_refused_or_read_never_crashes_hangs_or_allocates_without_bound(string reader) => FuzzSettings.Run(reader);
}

public sealed class TensorFuzzTests
{
    [Theory]
    [InlineData("npy")]
    [InlineData("safetensors")]
    [InlineData("npy-pipe")]
    [InlineData("safetensors-pipe")]
    public void Bad_input_is_refused_or_read_never_crashes_hangs_or_allocates_without_bound(string reader) => FuzzSettings.Run(reader);
}

public sealed class TokenizerFuzzTests
{
    [Theory]
    [InlineData("sentencepiece")]
    [InlineData("wordpiece")]
    [InlineData("gpt2-bpe")]
    public void Bad_input_is_refused_or_read_never_crashes_hangs_or_allocates_without_bound(string reader) => FuzzSettings.Run(reader);
}

public sealed class FastTextFuzzTests
{
    [Theory]
    [InlineData("fasttext-bin")]
    [InlineData("fasttext-bin-gz")]
    [InlineData("checkpoint")]
    [InlineData("classifier")]
    public void Bad_input_is_refused_or_read_never_crashes_hangs_or_allocates_without_bound(string reader) => FuzzSettings.Run(reader);
}
