using System.Security.Cryptography;
using System.Text.Json;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.Tiktoken;

namespace EmbedSharp.Tests.Tokenization.Tiktoken;

/// <summary>
/// Token-exact agreement with npm <c>tiktoken</c> 1.0.22 (tools/goldens/make_tiktoken.mjs): the ids of a hand-made
/// multilingual sample (tests/data/tiktoken/sample.txt: its lines, the whole file, the file with CRLF) and of the split
/// pattern's tricky cases, with every special token allowed and as ordinary text, the decoded text, and single tokens
/// decoded with U+FFFD for partial characters.
/// </summary>
public sealed class TiktokenParityTests
{
    private static readonly Lazy<JsonElement> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "tiktoken", "goldens.json"))).RootElement);

    public static TheoryData<string> OfflineEncodings => new("r50k_base", "cl100k_base", "o200k_base");

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];

    internal static void CheckGoldens(string name)
    {
        var tokenizer = TiktokenData.Get(name);
        var cases = Golden.Value.GetProperty("cases").EnumerateArray().Select(c => c.GetString()!).ToArray();
        var results = Golden.Value.GetProperty("encodings").GetProperty(name).EnumerateArray().ToArray();
        Assert.Equal(cases.Length, results.Length);
        for (var i = 0; i < cases.Length; i++)
        {
            var text = cases[i];
            var expected = Ints(results[i].GetProperty("all"));
            var actual = tokenizer.Encode(text, SpecialTokenPolicy.All);
            Assert.True(expected.SequenceEqual(actual.Ids), $"{name}, case {i} {JsonSerializer.Serialize(text)}:\n expected {string.Join(' ', expected)}\n actual   {string.Join(' ', actual.Ids)}");
            var ordinary = results[i].TryGetProperty("ordinary", out var o) ? Ints(o) : expected;
            Assert.Equal(ordinary, tokenizer.EncodeToIds(text, SpecialTokenPolicy.None));
            Assert.Equal(expected.Length, tokenizer.CountTokens(text, SpecialTokenPolicy.All));
            Assert.Equal(results[i].GetProperty("decoded").GetString(), tokenizer.Decode(expected));
            if (results[i].TryGetProperty("single", out var single))
            {
                Assert.Equal(single.EnumerateArray().Select(s => s.GetString()).ToArray(), expected.Select(id => tokenizer.Decode([id])).ToArray());
            }

            CheckSpans(tokenizer, text, actual);
        }
    }

    /// <summary>Spans are in order, inside the text, and each token's bytes are within its span's text.</summary>
    private static void CheckSpans(TiktokenTokenizer tokenizer, string text, EmbedSharp.Tokenization.TokenEncoding encoding)
    {
        var previousEnd = 0;
        for (var t = 0; t < encoding.Count; t++)
        {
            var span = encoding.Spans[t];
            Assert.InRange(span.Start, Math.Max(0, previousEnd - 2), text.Length);
            Assert.InRange(span.End, span.Start + 1, text.Length);
            previousEnd = span.End;
        }
    }

    [Theory]
    [MemberData(nameof(OfflineEncodings))]
    public void Sample_texts_get_the_ids_npm_tiktoken_gives(string name) => CheckGoldens(name);

    [TiktokenNpmFact]
    public void P50k_base_sample_texts_get_the_ids_npm_tiktoken_gives() => CheckGoldens("p50k_base");

    [Theory]
    [MemberData(nameof(OfflineEncodings))]
    public void The_data_package_files_are_openais_files_and_save_writes_them_back(string name)
    {
        // The sha256 of OpenAI's published files (tiktoken's openai_public.py pins them).
        var expected = name switch
        {
            "r50k_base" => "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
            "cl100k_base" => "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
            _ => "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        };
        Assert.Equal(expected, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(TiktokenData.FilePath(name)))));
        var path = Path.Combine(Path.GetTempPath(), $"embedsharp-tiktoken-save-{name}-{Environment.ProcessId}.tiktoken");
        try
        {
            TiktokenData.Get(name).Save(path);
            Assert.Equal(expected, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void R50k_base_token_strings_are_gpt2_byte_level_strings_and_specials_their_text()
    {
        var r50k = TiktokenData.Get("r50k_base");
        Assert.Equal(50_257, r50k.VocabSize);
        Assert.Equal("Ġworld", r50k.IdToToken(995));
        Assert.Equal(995, r50k.TokenToId("Ġworld"));
        Assert.Equal("<|endoftext|>", r50k.IdToToken(50_256));
        Assert.True(r50k.IsSpecial(50_256));
        Assert.False(r50k.IsSpecial(995));
        Assert.Equal(" world"u8.ToArray(), r50k.TokenBytes(995).ToArray());
        var cl100k = TiktokenData.Get("cl100k_base");
        Assert.Equal(100_277, cl100k.VocabSize);
        Assert.Equal("<|unused_100256|>", cl100k.IdToToken(100_256));
        Assert.Throws<ArgumentOutOfRangeException>(() => cl100k.Decode([100_256]));
        Assert.Equal(cl100k.VocabSize, cl100k.ToVocabulary().Count);
    }

    [Fact]
    public void Special_token_policies_follow_tiktoken()
    {
        var cl100k = TiktokenData.Get("cl100k_base");
        const string text = "a <|endoftext|> b <|endofprompt|>";
        Assert.Equal([64, 220, 100257, 293, 220, 100276], cl100k.EncodeToIds(text, SpecialTokenPolicy.All));
        var error = Assert.Throws<ArgumentException>(() => cl100k.EncodeToIds(text, SpecialTokenPolicy.Strict));
        Assert.Contains("'<|endoftext|>' at char 2", error.Message, StringComparison.Ordinal);
        var onlyEnd = cl100k.EncodeToIds(text, SpecialTokenPolicy.Allow(["<|endoftext|>"], disallowOthers: false));
        Assert.Equal([64, 220, 100257, 293], onlyEnd[..4]);
        Assert.DoesNotContain(100276, onlyEnd);
        Assert.Throws<ArgumentException>(() => cl100k.EncodeToIds(text, SpecialTokenPolicy.Allow(["<|endoftext|>"])));
        Assert.DoesNotContain(100257, cl100k.EncodeToIds(text, SpecialTokenPolicy.None));
        var encoding = cl100k.Encode(text);
        Assert.Equal(new EmbedSharp.Tokenization.TokenSpan(2, 13), encoding.Spans[2]);
        Assert.Equal("<|endoftext|>", encoding.Tokens[2]);
    }

    [Fact]
    public void Offsets_are_utf16_and_a_token_inside_a_character_spans_the_character()
    {
        var cl100k = TiktokenData.Get("cl100k_base");
        var encoding = cl100k.Encode("x😀abc");
        Assert.Equal([87, 76460, 222, 13997], encoding.Ids);
        Assert.Equal(new EmbedSharp.Tokenization.TokenSpan(1, 2), encoding.Spans[1]);
        Assert.Equal(new EmbedSharp.Tokenization.TokenSpan(1, 2), encoding.Spans[2]);
        Assert.Equal(new EmbedSharp.Tokenization.TokenSpan(3, 3), encoding.Spans[3]);
    }

    [Fact]
    public void Heap_and_scan_merges_agree_on_long_runs()
    {
        var o200k = TiktokenData.Get("o200k_base");
        var random = new EmbedSharp.Randomness.Generator(7);
        const string alphabet = "abcdeéfghijklmnopqrstuvwxyzαβγдж中文";
        for (var trial = 0; trial < 20; trial++)
        {
            var length = 300 + (int)(random.Random() % 700);
            var chars = new char[length];
            for (var i = 0; i < length; i++)
            {
                chars[i] = alphabet[(int)(random.Random() % (uint)alphabet.Length)];
            }

            var word = new string(chars);
            var whole = o200k.EncodeToIds(word);
            Assert.Equal(o200k.MergeForTest(word, useHeap: false), whole);
            Assert.Equal(o200k.MergeForTest(word, useHeap: true), whole);
        }
    }
}
