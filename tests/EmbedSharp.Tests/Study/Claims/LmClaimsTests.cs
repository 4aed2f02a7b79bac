using EmbedSharp.Study.Claims;
using EmbedSharp.Study.Data;
using EmbedSharp.Tokenization.Character;

namespace EmbedSharp.Tests.Study.Claims;

/// <summary>The language-model side of the claims study: corpus split, tokens, bits per character, Moby Dick's
/// chapters, and one tiny experiment end to end (deterministic, paired across arms, resumable).</summary>
public sealed class LmClaimsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "embedsharp-lmclaims-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static readonly string[] Documents = [.. Enumerable.Range(0, 30).Select(i =>
        $"Document {i}: the quick brown fox jumps over the lazy dog, and the dog sleeps while the fox runs {i % 3} times around the yard.")];

    [Fact]
    public void Every_tenth_document_is_held_out_and_a_cap_keeps_every_kth()
    {
        var corpus = LmCorpus.FromDocuments("toy", "Toy", Documents);
        Assert.Equal(27, corpus.Train.Count);
        Assert.Equal([Documents[9], Documents[19], Documents[29]], corpus.Validation);
        Assert.Equal(corpus.Validation.Sum(d => d.Length + 1), corpus.ValidationChars);
        var total = Documents.Sum(d => (long)d.Length);
        var capped = LmCorpus.FromDocuments("toy", "Toy", Documents, (total / 3) + 30);
        Assert.Equal(10, capped.Train.Count + capped.Validation.Count); // every third document
        Assert.Contains(Documents[27], capped.Train.Concat(capped.Validation));
        Assert.Throws<ArgumentException>(() => LmCorpus.FromDocuments("toy", "Toy", ["only one", " "]));
    }

    [Fact]
    public void Bits_per_character_convert_nats_per_token_by_the_token_rate()
    {
        Assert.Equal(1.0, LmExperiments.BitsPerChar(Math.Log(2), 1), 12);
        Assert.Equal(0.5, LmExperiments.BitsPerChar(Math.Log(2), 0.5), 12);
        var corpus = LmCorpus.FromDocuments("toy", "Toy", Documents);
        var chars = new CharacterTokenizer(CharacterTokenizer.BuildVocabulary(corpus.Train));
        var tokens = LmTokens.Encode("char", "chars", chars, chars.VocabSize, corpus);
        Assert.Equal(1.0, tokens.TokensPerChar, 12); // one token per character, newline included
        Assert.True(tokens.UnigramLoss() < Math.Log(chars.VocabSize));
    }

    [Fact]
    public void Moby_dick_text_is_split_into_chapters_of_unwrapped_paragraphs()
    {
        var text = "Front matter\nline two\n\nCHAPTER 1. Loomings.\n\nCall me Ishmael. Some years\nago.\n\nSecond paragraph.\n\nCHAPTER 2. The Carpet-Bag.\n\nI stuffed a shirt\n";
        var chapters = MobyDickCorpus.Split(text);
        Assert.Equal(["Front matter line two", "CHAPTER 1. Loomings.\nCall me Ishmael. Some years ago.\nSecond paragraph.", "CHAPTER 2. The Carpet-Bag.\nI stuffed a shirt"], chapters);
    }

    [Theory]
    [InlineData(null, "not found")]
    [InlineData(new byte[] { 0x43, 0xff, 0x41 }, "not valid UTF-8 at byte 1")]
    [InlineData(new byte[] { 0x4e, 0x6f, 0x20, 0x63, 0x68, 0x61, 0x70, 0x74, 0x65, 0x72, 0x73, 0x0a }, "holds no line starting with 'CHAPTER '")]
    public void A_bad_moby_dick_package_fails_with_one_line_naming_the_file(byte[]? content, string message)
    {
        var data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(data);
        if (content is not null)
        {
            File.WriteAllBytes(Path.Combine(data, "data.txt"), content);
        }

        var e = Assert.Throws<DatasetFormatException>(() => MobyDickCorpus.Open(_dir));
        Assert.Contains(Path.Combine(data, "data.txt"), e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_tiny_position_experiment_is_deterministic_paired_and_resumable()
    {
        var corpus = LmCorpus.FromDocuments("toy", "Toy", Documents);
        var chars = new CharacterTokenizer(CharacterTokenizer.BuildVocabulary(corpus.Train));
        var tokens = LmTokens.Encode("char", "chars", chars, chars.VocabSize, corpus);
        var settings = new LmStudySettings { DModel = 16, Heads = 2, Layers = 1, Ffn = 32, Context = 16, Steps = 20, Batch = 4, WarmupSteps = 2, EvalEvery = 10, EvalWindows = 4, Seeds = [0, 1] };
        var experiment = LmExperiments.Position(corpus, tokens, settings);
        Assert.Equal(6, experiment.Spec.Arms.Count);
        var first = experiment.Run(_dir, parallelism: 2);
        Assert.Equal(12, first.Runs.Count);
        Assert.All(first.Runs, r => Assert.Equal([10.0, 20.0], r.Curve.Select(p => p.X)));
        Assert.All(first.Runs, r => Assert.True(double.IsFinite(r.Metric)));
        var again = LmExperiments.Position(corpus, tokens, settings).Train(experiment.Spec.Arm("rope"), 1);
        Assert.Equal(first.Runs.Single(r => r.Arm == "rope" && r.Seed == 1).Metric, again.Metric);
        Assert.Equal(experiment.Spec.Fingerprint, LmExperiments.Position(corpus, tokens, settings).Spec.Fingerprint);
        Assert.NotEqual(experiment.Spec.Fingerprint, LmExperiments.Position(corpus, tokens, settings with { Steps = 21 }).Spec.Fingerprint);

        // Resumed: nothing is trained again.
        var resumed = new PreparedExperiment(experiment.Spec, (_, _) => throw new InvalidOperationException("retrained")).Run(_dir);
        Assert.Equal(first.Runs.Select(r => r.Metric), resumed.Runs.Select(r => r.Metric));
    }
}
