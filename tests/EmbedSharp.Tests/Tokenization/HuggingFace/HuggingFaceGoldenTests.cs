using System.Text.Json;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.HuggingFace;

namespace EmbedSharp.Tests.Tokenization.HuggingFace;

/// <summary>
/// Token-for-token agreement with Hugging Face's <c>tokenizers</c> (npm 0.23.2; tools/goldens/make_huggingface.js) on
/// the small tokenizer.json fixtures of tests/data/huggingface (one per family of components): ids, tokens, UTF-16
/// offsets with and without special tokens, and decode with and without skip_special_tokens.
/// </summary>
public sealed class HuggingFaceGoldenTests
{
    private static readonly Lazy<JsonElement> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(DataPath("goldens.json"))).RootElement);

    internal static string DataPath(string file) => Path.Combine(AppContext.BaseDirectory, "data", "huggingface", file);

    public static TheoryData<string> Fixtures => new(
        "bpe_bytelevel", "bpe_split_regex", "bpe_byte_fallback", "bpe_prefix_suffix", "wordpiece", "wordpiece_uncased", "unigram", "unigram_unk", "wordlevel", "nfc_invert");

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Every_text_encodes_and_decodes_as_hugging_face_does(string fixture)
    {
        var tokenizer = HuggingFaceTokenizer.Load(DataPath(fixture + ".json"));
        var failures = new List<string>();
        foreach (var c in Golden.Value.GetProperty("fixtures").GetProperty(fixture).EnumerateArray())
        {
            var text = c.GetProperty("text").GetString()!;
            foreach (var (key, special) in new[] { ("with_special", true), ("without_special", false) })
            {
                var expected = c.GetProperty(key);
                var actual = tokenizer.Encode(text, special);
                var ids = expected.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
                var tokens = expected.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()!).ToArray();
                var offsets = expected.GetProperty("offsets").EnumerateArray().Select(e => (e[0].GetInt32(), e[1].GetInt32())).ToArray();
                var actualOffsets = actual.Spans.Select(s => (s.Start, s.End)).ToArray();
                if (!ids.SequenceEqual(actual.Ids) || !tokens.SequenceEqual(actual.Tokens) || !offsets.SequenceEqual(actualOffsets))
                {
                    failures.Add($"{key} {JsonSerializer.Serialize(text)}:\n  expected {Show(ids, tokens, offsets)}\n  actual   {Show(actual.Ids, actual.Tokens, actualOffsets)}");
                    continue;
                }

                var decoded = expected.GetProperty("decoded").GetString();
                var decodedSkip = expected.GetProperty("decoded_skip").GetString();
                if (decoded != tokenizer.Decode(ids) || decodedSkip != tokenizer.Decode(ids, skipSpecialTokens: true))
                {
                    failures.Add($"{key} decode {JsonSerializer.Serialize(text)}: expected {JsonSerializer.Serialize(decoded)} / {JsonSerializer.Serialize(decodedSkip)}, "
                        + $"actual {JsonSerializer.Serialize(tokenizer.Decode(ids))} / {JsonSerializer.Serialize(tokenizer.Decode(ids, skipSpecialTokens: true))}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{fixture}: {failures.Count} differences; first:\n" + string.Join("\n", failures.Take(4)));
    }

    [Fact]
    public void Encode_adds_special_tokens_by_default_as_hugging_face_encode_does()
    {
        var tokenizer = HuggingFaceTokenizer.Load(DataPath("wordpiece.json"));
        Assert.Equal(tokenizer.Encode("hello world", addSpecialTokens: true).Ids, tokenizer.Encode("hello world").Ids);
        Assert.Equal("[CLS]", tokenizer.Encode("hello").Tokens[0]);
        Assert.Equal(new TokenSpan(0, 0), tokenizer.Encode("hello").Spans[0]);
        Assert.DoesNotContain("[CLS]", tokenizer.Encode("hello", addSpecialTokens: false).Tokens);

        // WithoutSpecialTokens: the ITokenizer view without them; Encode(text, true) still adds them on request.
        Assert.True(tokenizer.AddsSpecialTokens);
        ITokenizer plain = tokenizer.WithoutSpecialTokens();
        Assert.Equal(tokenizer.Encode("hello world", addSpecialTokens: false).Ids, plain.Encode("hello world").Ids);
        Assert.Equal(tokenizer.Encode("hello world").Ids, ((HuggingFaceTokenizer)plain).Encode("hello world", addSpecialTokens: true).Ids);
        Assert.False(((HuggingFaceTokenizer)plain).AddsSpecialTokens);
        Assert.Same(plain, ((HuggingFaceTokenizer)plain).WithoutSpecialTokens());
        Assert.Equal(tokenizer.VocabSize, plain.VocabSize);
        Assert.Equal("[CLS]", plain.Decode([tokenizer.TokenToId("[CLS]")]));
    }

    [Fact]
    public void Truncation_is_honoured_and_padding_reported_not_applied()
    {
        var truncated = HuggingFaceTokenizer.Load(DataPath("bpe_split_regex.json"));
        Assert.Equal(8, truncated.TruncationMaxLength);
        Assert.Equal(8, truncated.Encode("the and the and the and the and the and the and").Count);
        Assert.Equal("<|begin_of_text|>", truncated.Encode("the and the and the and the and the and the and").Tokens[0]);
        Assert.Equal(8, truncated.Encode("the and the and the and the and the and the and", addSpecialTokens: false).Count);
        Assert.True(HuggingFaceTokenizer.Load(DataPath("bpe_prefix_suffix.json")).PaddingConfigured);
        Assert.Null(HuggingFaceTokenizer.Load(DataPath("wordpiece.json")).TruncationMaxLength);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Encode_ids_gives_the_ids_of_encode_from_many_threads_at_once(string fixture)
    {
        var tokenizer = HuggingFaceTokenizer.Load(DataPath(fixture + ".json"));
        var texts = Golden.Value.GetProperty("fixtures").GetProperty(fixture).EnumerateArray().Select(c => c.GetProperty("text").GetString()!).ToArray();
        foreach (var t in new[] { tokenizer, tokenizer.WithoutSpecialTokens() })
        {
            var expected = texts.Select(text => t.Encode(text).Ids).ToArray();
            Parallel.For(0, 8, _ =>
            {
                var ids = new List<int>();
                for (var i = 0; i < texts.Length; i++)
                {
                    ids.Clear();
                    ((ITokenizer)t).EncodeIds(texts[i], ids);
                    Assert.Equal(expected[i], ids);
                }
            });
        }
    }

    [Fact]
    public void Ids_map_to_tokens_and_back_including_added_tokens()
    {
        var tokenizer = HuggingFaceTokenizer.Load(DataPath("bpe_bytelevel.json"));
        var mask = tokenizer.TokenToId("<mask>");
        Assert.True(mask >= 0);
        Assert.Equal("<mask>", tokenizer.IdToToken(mask));
        Assert.Equal(-1, tokenizer.TokenToId("no such token"));
        Assert.Equal("BPE", tokenizer.ModelType);
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.IdToToken(tokenizer.VocabSize));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([tokenizer.VocabSize]));
    }

    [Fact]
    public void Tokenizer_files_infer_and_load_a_tokenizer_json()
    {
        var path = DataPath("unigram.json");
        Assert.Equal(TokenizerType.HuggingFace, TokenizerFiles.InferType(path));
        Assert.IsType<HuggingFaceTokenizer>(TokenizerFiles.Load(path, TokenizerType.HuggingFace));
    }

    private static string Show(IReadOnlyList<int> ids, IReadOnlyList<string> tokens, IReadOnlyList<(int, int)> offsets)
        => string.Join(' ', ids.Select((id, i) => $"{id}:{JsonSerializer.Serialize(tokens[i])}@{offsets[i].Item1}-{offsets[i].Item2}"));
}
