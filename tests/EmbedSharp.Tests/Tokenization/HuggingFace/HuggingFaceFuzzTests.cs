using System.Text;
using EmbedSharp.Randomness;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.HuggingFace;

namespace EmbedSharp.Tests.Tokenization.HuggingFace;

/// <summary>Bad tokenizer.json files give one-line <see cref="TokenizerFormatException"/>s naming the file and the JSON
/// path; random texts through every fixture give spans inside the text and ids that decode.</summary>
public sealed class HuggingFaceFuzzTests
{
    private static string Fixture(string name) => File.ReadAllText(HuggingFaceGoldenTests.DataPath(name + ".json"));

    private static TokenizerFormatException Refused(string json)
    {
        var e = Assert.Throws<TokenizerFormatException>(() => HuggingFaceTokenizer.FromJson(Encoding.UTF8.GetBytes(json), "bad.json"));
        Assert.StartsWith("bad.json", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[1, 2]")]
    [InlineData("null")]
    [InlineData("{\"model\": 3}")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": [], \"merges\": []}}")]
    [InlineData("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": -1}}}")]
    [InlineData("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\"]]}}")]
    [InlineData("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", \"x\"]]}}")]
    [InlineData("{\"model\": {\"type\": \"WordLevel\", \"vocab\": {\"a\": 2147483647}}}")]
    public void Malformed_json_and_wrong_types_are_refused_in_one_line(string json) => Refused(json);

    [Fact]
    public void A_merge_naming_a_missing_token_is_refused_with_its_json_path()
    {
        var e = Refused("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\", \"a c\"]}}");
        Assert.Contains("model.merges[1]", e.Message, StringComparison.Ordinal);
        Assert.Contains("\"c\"", e.Message, StringComparison.Ordinal);
        e = Refused("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [[\"a\", \"b\"]]}}");
        Assert.Contains("model.merges[0]", e.Message, StringComparison.Ordinal);
        e = Refused("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a\"]}}");
        Assert.Contains("model.merges[0]", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("normalizer", "{\"type\": \"Frobnicate\"}", "Frobnicate")]
    [InlineData("pre_tokenizer", "{\"type\": \"UnicodeScripts2\"}", "UnicodeScripts2")]
    [InlineData("post_processor", "{\"type\": \"Nope\"}", "Nope")]
    [InlineData("decoder", "{\"type\": \"Nope2\"}", "Nope2")]
    [InlineData("pre_tokenizer", "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"[[:alpha:]]\"}, \"behavior\": \"Isolated\"}", "pre_tokenizer.pattern")]
    [InlineData("pre_tokenizer", "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"a\"}, \"behavior\": \"Sideways\"}", "pre_tokenizer.behavior")]
    [InlineData("normalizer", "{\"type\": \"Precompiled\", \"precompiled_charsmap\": \"AAAA\"}", "normalizer.precompiled_charsmap")]
    [InlineData("normalizer", "{\"type\": \"Precompiled\", \"precompiled_charsmap\": \"***\"}", "normalizer.precompiled_charsmap")]
    public void Unknown_or_broken_components_are_named(string field, string value, string expected)
    {
        var json = "{\"" + field + "\": " + value + ", \"model\": {\"type\": \"WordLevel\", \"vocab\": {\"<unk>\": 0}, \"unk_token\": \"<unk>\"}}";
        Assert.Contains(expected, Refused(json).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deeply_nested_sequence_is_refused_not_a_stack_overflow()
    {
        var nested = new StringBuilder();
        for (var i = 0; i < 5000; i++)
        {
            nested.Append("{\"type\": \"Sequence\", \"normalizers\": [");
        }

        nested.Append("{\"type\": \"Lowercase\"}");
        for (var i = 0; i < 5000; i++)
        {
            nested.Append("]}");
        }

        Refused("{\"normalizer\": " + nested + ", \"model\": {\"type\": \"WordLevel\", \"vocab\": {\"a\": 0}}}");
    }

    [Fact]
    public void A_sequence_within_the_depth_limit_loads()
    {
        var nested = "{\"type\": \"Lowercase\"}";
        for (var i = 0; i < 10; i++)
        {
            nested = "{\"type\": \"Sequence\", \"normalizers\": [" + nested + "]}";
        }

        var tokenizer = HuggingFaceTokenizer.FromJson(Encoding.UTF8.GetBytes("{\"normalizer\": " + nested
            + ", \"model\": {\"type\": \"WordLevel\", \"vocab\": {\"<unk>\": 0, \"abc\": 1}, \"unk_token\": \"<unk>\"}}"));
        Assert.Equal([1], tokenizer.Encode("ABC").Ids);
    }

    [Fact]
    public void A_missing_file_and_a_huge_array_are_handled()
    {
        Assert.ThrowsAny<IOException>(() => HuggingFaceTokenizer.Load(Path.Combine(Path.GetTempPath(), "no-such-dir-hf", "tokenizer.json")));
        var vocab = string.Join(", ", Enumerable.Range(0, 50_000).Select(i => $"[\"p{i}\", -1.5]"));
        var tokenizer = HuggingFaceTokenizer.FromJson(Encoding.UTF8.GetBytes("{\"model\": {\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": [" + vocab + "]}}"));
        Assert.Equal(50_000, tokenizer.VocabSize);
    }

    public static TheoryData<string> Fixtures => HuggingFaceGoldenTests.Fixtures;

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Mutated_files_load_or_are_refused_cleanly(string fixture)
    {
        var original = Encoding.UTF8.GetBytes(Fixture(fixture));
        var g = new Generator((ulong)fixture.Length * 7919UL);
        for (var trial = 0; trial < 40; trial++)
        {
            var bytes = (byte[])original.Clone();
            for (var k = 0; k < 1 + (g.Random() % 4); k++)
            {
                bytes[g.Random() % (uint)bytes.Length] = (byte)" {}[]\":,0a-\\"[(int)(g.Random() % 12)];
            }

            try
            {
                var tokenizer = HuggingFaceTokenizer.FromJson(bytes, "mutated.json");
                var text = FuzzText.RandomValidText(g, 40);
                try
                {
                    var encoding = tokenizer.Encode(text);
                    Assert.All(encoding.Ids, id => Assert.InRange(id, 0, tokenizer.VocabSize - 1));
                }
                catch (InvalidOperationException)
                {
                    // A model without an unknown token meets text it cannot cover (Hugging Face fails the same way).
                }
            }
            catch (TokenizerFormatException)
            {
            }
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Random_text_gives_spans_inside_the_text_and_ids_that_decode(string fixture)
    {
        var tokenizer = HuggingFaceTokenizer.Load(HuggingFaceGoldenTests.DataPath(fixture + ".json"));
        var g = new Generator(42);
        for (var trial = 0; trial < 200; trial++)
        {
            var text = trial % 2 == 0 ? FuzzText.RandomValidText(g, 60) : FuzzText.RandomUtf16(g, 60);
            TokenEncoding encoding;
            try
            {
                encoding = tokenizer.Encode(text);
            }
            catch (InvalidOperationException) when (fixture == "wordlevel" || fixture.StartsWith("unigram", StringComparison.Ordinal))
            {
                continue;
            }

            Assert.Equal(encoding.Ids.Length, encoding.Tokens.Length);
            Assert.All(encoding.Spans, s => Assert.True(s.Start >= 0 && s.End <= text.Length && s.Length >= 0, $"{s} in {text.Length}"));
            Assert.All(encoding.Ids, id => Assert.InRange(id, 0, tokenizer.VocabSize - 1));
            _ = tokenizer.Decode(encoding.Ids, skipSpecialTokens: true);
        }
    }
}
