using EmbedSharp.Tokenization;

namespace EmbedSharp.Tests.Fuzz;

/// <summary>The fuzzer's own tests: mutations replay from their seed, and the oracle fails each kind of bad behaviour
/// (so a green fuzz run means something).</summary>
public sealed class FuzzHarnessTests
{
    private static readonly FuzzSeed[] OneSeed = [new FuzzSeed("tiny", [new FuzzFile("tiny.txt", "3 2\nthe 0.5 1\nof -1 2e3\na 0 0\n"u8.ToArray())])];

    private static FuzzTarget Fake(Func<string[], object> read, Action<object, FuzzSeed>? check = null, bool lineBased = false) =>
        new("fake", () => OneSeed, read, check ?? ((_, _) => { })) { LineBased = lineBased };

    private static FuzzReport Run(FuzzTarget target, int cases = 12) =>
        new FuzzRunner { Timeout = TimeSpan.FromSeconds(2) }.Run(target, 1, cases);

    [Fact]
    public void A_case_is_the_same_input_every_time_and_seeds_differ()
    {
        var target = FuzzTargets.Get("word2vec-text");
        for (var i = 0; i < 40; i++)
        {
            var a = FuzzRunner.MakeCase(target, 5, i);
            var b = FuzzRunner.MakeCase(target, 5, i);
            Assert.Equal(a.Mutation, b.Mutation);
            Assert.Equal(a.Input.Files[0].Bytes, b.Input.Files[0].Bytes);
        }

        var differ = Enumerable.Range(10, 20).Count(i =>
            !FuzzRunner.MakeCase(target, 5, i).Input.Files[0].Bytes.AsSpan().SequenceEqual(FuzzRunner.MakeCase(target, 6, i).Input.Files[0].Bytes));
        Assert.True(differ > 10, $"only {differ} of 20 cases differ between seeds 5 and 6");
        Assert.NotEqual(FuzzRunner.CaseSeed(1, "npy", 3), FuzzRunner.CaseSeed(1, "npy", 4));
        Assert.NotEqual(FuzzRunner.CaseSeed(1, "npy", 3), FuzzRunner.CaseSeed(1, "safetensors", 3));
    }

    [Fact]
    public void The_fixed_cases_are_the_seeds_an_empty_file_and_an_endless_line()
    {
        var target = FuzzTargets.Get("wordpiece");
        var seeds = target.Seeds.Count;
        Assert.All(Enumerable.Range(0, seeds), i => Assert.True(FuzzRunner.MakeCase(target, 1, i).MustAccept));
        Assert.Empty(FuzzRunner.MakeCase(target, 1, seeds).Input.Files[0].Bytes);
        var endless = FuzzRunner.MakeCase(target, 1, seeds + 1);
        Assert.True(endless.MustRefuse && endless.Endless);
        var bytes = endless.Input.Files[0].Bytes;
        Assert.True(bytes.Length > Mutator.EndlessBytes);
        Assert.True(bytes.AsSpan(bytes.Length - Mutator.EndlessBytes).IndexOfAny((byte)'\n', (byte)'\r') < 0);
    }

    [Fact]
    public void Every_mutation_kind_changes_the_input_and_says_what_it_did()
    {
        var input = "5 4\nthe 0.25 -1.5e-3 7 8\n"u8.ToArray();
        foreach (var kind in Mutator.Kinds.Where(k => k != "multi"))
        {
            var changed = 0;
            for (var s = 0; s < 20; s++)
            {
                var output = Mutator.Apply(kind, input, "donor bytes\n"u8.ToArray(), new Random(s), out var description);
                Assert.False(string.IsNullOrWhiteSpace(description));
                changed += output.AsSpan().SequenceEqual(input) ? 0 : 1;
            }

            Assert.True(changed >= 15, $"{kind} changed the input in only {changed} of 20 tries");
        }
    }

    [Fact]
    public void A_reader_that_accepts_or_refuses_properly_passes()
    {
        var report = Run(Fake(p =>
        {
            var text = File.ReadAllText(p[0]);
            return text.StartsWith("3 2\n", StringComparison.Ordinal) ? text : throw new IOException($"'{p[0]}' does not start with the header.");
        }));
        Assert.Empty(report.Failures);
        Assert.Equal(12, report.Accepted + report.Refused);
        Assert.True(report.Accepted >= 1 && report.Refused >= 1);
    }

    [Fact]
    public void A_crash_a_message_without_the_file_or_on_two_lines_and_a_refused_seed_are_failures()
    {
        Assert.Contains("NullReferenceException", Assert.Single(Run(Fake(_ => throw new NullReferenceException()), 1).Failures).Problem, StringComparison.Ordinal);
        Assert.Contains("does not name the file", Assert.Single(Run(Fake(_ => throw new IOException("bad input")), 1).Failures).Problem, StringComparison.Ordinal);
        Assert.Contains("not one line", Assert.Single(Run(Fake(p => throw new IOException(p[0] + ": bad\ninput")), 1).Failures).Problem, StringComparison.Ordinal);
        Assert.Contains("valid input was refused", Assert.Single(Run(Fake(p => throw new IOException(p[0] + ": bad")), 1).Failures).Problem, StringComparison.Ordinal);
        Assert.Contains("characters long", Assert.Single(Run(Fake(p => throw new IOException(p[0] + new string('a', 5000))), 1).Failures).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_result_or_one_that_throws_when_used_is_a_failure()
    {
        var wrong = Run(Fake(_ => "x", (_, _) => throw new FuzzCheckException("rows that are not in the file")), 1);
        Assert.Contains("result is wrong: rows that are not in the file", Assert.Single(wrong.Failures).Problem, StringComparison.Ordinal);
        var broken = Run(Fake(_ => "x", (_, _) => throw new IndexOutOfRangeException()), 1);
        Assert.Contains("using the result threw IndexOutOfRangeException", Assert.Single(broken.Failures).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hang_is_a_failure_and_stops_the_target()
    {
        using var never = new ManualResetEventSlim();
        try
        {
            var report = Run(Fake(_ =>
            {
                never.Wait();
                return "x";
            }));
            Assert.Contains("hang", Assert.Single(report.Failures).Problem, StringComparison.Ordinal);
            Assert.Equal(1, report.Cases);
        }
        finally
        {
            never.Set();
        }
    }

    [Fact]
    public void Allocating_far_more_than_the_input_is_a_failure()
    {
        var report = Run(Fake(_ =>
        {
            var chunks = new List<byte[]>();
            for (var i = 0; i < 12; i++)
            {
                chunks.Add(new byte[16 << 20]);
            }

            return chunks.Count;
        }), 1);
        Assert.Contains("allocated", Assert.Single(report.Failures).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_left_behind_is_a_failure()
    {
        var report = Run(Fake(p =>
        {
            File.WriteAllText(p[0] + ".tmp", "partial");
            return "x";
        }), 1);
        Assert.Contains("left files behind: tiny.txt.tmp", Assert.Single(report.Failures).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_based_reader_that_accepts_the_endless_line_fails()
    {
        var report = Run(Fake(p => new FileInfo(p[0]).Length, lineBased: true), 3);
        var failure = Assert.Single(report.Failures);
        Assert.Equal(2, failure.Case);
        Assert.Contains("accepted a line of megabytes", failure.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_reader_family_is_a_target_and_every_seed_is_valid()
    {
        string[] expected =
        [
            "word2vec-text", "fasttext-vec", "glove", "word2vec-binary", "word2vec-text-gz", "glove-gz", "word2vec-binary-gz",
            "native-esvec", "npy-words", "npy-words-mapped", "safetensors-words", "vectors-detect", "fasttext-bin", "fasttext-bin-gz",
            "npy", "safetensors", "npy-pipe", "safetensors-pipe", "sentencepiece", "wordpiece", "gpt2-bpe", "checkpoint", "classifier",
        ];
        Assert.Equal(expected, FuzzTargets.All.Select(t => t.Name));
        Assert.All(FuzzTargets.All, t => Assert.NotEmpty(t.Seeds));
        Assert.IsAssignableFrom<ITokenizer>(FuzzTargets.Get("wordpiece").Read([Path.Combine(AppContext.BaseDirectory, "data", "wordpiece_bpe", "wordpiece", "vocab.txt")]));
    }
}
