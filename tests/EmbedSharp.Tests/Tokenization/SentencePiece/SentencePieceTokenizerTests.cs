using System.Text;
using EmbedSharp.Randomness;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.SentencePiece;

namespace EmbedSharp.Tests.Tokenization.SentencePiece;

public sealed class SentencePieceTokenizerTests
{
    private static readonly Lazy<SentencePieceTokenizer> Unigram = new(() => SentencePieceParityTests.Open("unigram"));
    private static readonly Lazy<SentencePieceTokenizer> Bpe = new(() => SentencePieceParityTests.Open("bpe"));
    private static readonly Lazy<SentencePieceTokenizer> Bytes = new(() => SentencePieceParityTests.Open("unigram_bytes"));

    private static string[] Surfaces(string text, TokenEncoding e) => [.. e.Spans.Select(s => text.Substring(s.Start, s.Length))];

    [Fact]
    public void The_model_file_is_read_with_its_specs()
    {
        var t = Unigram.Value;
        Assert.Equal(8000, t.VocabSize);
        Assert.Equal(SentencePieceAlgorithm.Unigram, t.Algorithm);
        Assert.Equal(SentencePieceAlgorithm.Bpe, Bpe.Value.Algorithm);
        Assert.Equal((0, 1, 2, -1), (t.UnkId, t.BosId, t.EosId, t.PadId));
        Assert.Equal("nmt_nfkc", t.Model.NormalizerSpec.Name);
        Assert.True(t.Model.NormalizerSpec.AddDummyPrefix);
        Assert.True(Bytes.Value.Model.TrainerSpec.ByteFallback);
        Assert.Equal(SentencePieceType.Control, t.PieceType(1));
        Assert.Equal(SentencePieceType.Byte, Bytes.Value.PieceType(3));
        Assert.Equal(SentencePieceType.UserDefined, Bpe.Value.PieceType(Bpe.Value.TokenToId("<sep>")));
        for (var id = 0; id < t.VocabSize; id += 97)
        {
            Assert.Equal(id, t.TokenToId(t.IdToToken(id)));
        }

        Assert.Equal(-1, t.TokenToId("no such piece"));
    }

    [Fact]
    public void Empty_and_blank_texts_give_no_tokens()
    {
        foreach (var t in new[] { Unigram.Value, Bpe.Value, Bytes.Value })
        {
            Assert.Equal(0, t.Encode("").Count);
            Assert.Equal(0, t.Encode("   \t ").Count);
            Assert.Empty(t.EncodeUtf8([]));
            Assert.Equal("", t.Decode([]));
        }
    }

    [Fact]
    public void Spans_point_at_the_original_characters_of_each_token()
    {
        var text = "  Hello   world  ";
        var e = Unigram.Value.Encode(text);
        Assert.Equal(["▁He", "ll", "o", "▁world"], e.Tokens);
        Assert.Equal(["He", "ll", "o", "   world"], Surfaces(text, e));

        // Full-width letters normalise to ASCII; the spans still cover the full-width originals.
        var wide = "ＡＢＣ x";
        var w = Unigram.Value.Encode(wide);
        Assert.Equal(wide, string.Concat(Surfaces(wide, w)));
        Assert.All(w.Spans, s => Assert.InRange(s.End, s.Start, wide.Length));
    }

    [Fact]
    public void A_run_of_unknown_characters_is_one_unk_covering_the_run()
    {
        var text = "a 日本語 b";
        var e = Unigram.Value.Encode(text);
        var unk = Array.IndexOf(e.Ids, Unigram.Value.UnkId);
        Assert.Equal("日本語", text.Substring(e.Spans[unk].Start, e.Spans[unk].Length));
        Assert.Single(e.Ids, Unigram.Value.UnkId);
    }

    [Fact]
    public void Byte_fallback_gives_the_character_span_to_the_last_byte_piece()
    {
        var text = "x😀";
        var e = Bytes.Value.Encode(text);
        var bytes = e.Tokens.Select((t, i) => (t, i)).Where(p => p.t.StartsWith("<0x", StringComparison.Ordinal)).Select(p => p.i).ToArray();
        Assert.Equal(["<0xF0>", "<0x9F>", "<0x98>", "<0x80>"], bytes.Select(i => e.Tokens[i]));
        Assert.Equal(new TokenSpan(1, 2), e.Spans[bytes[^1]]);
        Assert.All(bytes[..^1], i => Assert.Equal(new TokenSpan(1, 0), e.Spans[i]));
        Assert.Equal(text, Bytes.Value.Decode(e.Ids));
    }

    [Fact]
    public void Normalize_applies_nfkc_whitespace_rules_and_the_dummy_prefix()
    {
        Assert.Equal("▁ABC▁x▁ﬁ", Unigram.Value.Normalize("  ＡＢＣ \t x  ﬁ ")[..7] + "ﬁ");
        Assert.Equal("▁ABC▁x▁fi", Unigram.Value.Normalize("  ＡＢＣ \t x  ﬁ "));
        Assert.Equal("", Unigram.Value.Normalize("  "));
    }

    [Fact]
    public void Decode_drops_control_symbols_and_shows_unk_as_its_surface()
    {
        var t = Unigram.Value;
        var ids = t.EncodeToIds("Hello world");
        Assert.Equal("Hello world", t.Decode([t.BosId, .. ids, t.EosId]));
        Assert.Equal(" ⁇  Hello world", t.Decode([t.UnkId, .. ids]));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Decode([8000]));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Decode([-1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.IdToToken(8000));
    }

    [Fact]
    public void A_lone_surrogate_is_encoded_as_the_replacement_character()
    {
        var t = Bytes.Value;
        Assert.Equal(t.EncodeUtf8(Encoding.UTF8.GetBytes("a\uFFFDb")), t.EncodeToIds("a\uD800b"));
    }

    [Fact]
    public void Batch_encoding_equals_one_by_one_encoding()
    {
        var texts = Enumerable.Range(0, 64).Select(i => $"Line {i}: the Congress of the United States, {i * 37} dollars; 日本 {i}").ToArray();
        foreach (var t in new[] { Unigram.Value, Bpe.Value })
        {
            var batch = t.EncodeBatch(texts);
            for (var i = 0; i < texts.Length; i++)
            {
                Assert.Equal(t.Encode(texts[i]).Ids, batch[i].Ids);
                Assert.Equal(t.Encode(texts[i]).Spans, batch[i].Spans);
            }
        }
    }

    [Fact]
    public void Encoding_utf8_into_a_list_allocates_nothing_once_warm()
    {
        var utf8 = Encoding.UTF8.GetBytes("The President of the United States shall from time to time give to the Congress Information.");
        var destination = new List<int>(1024);
        foreach (var t in new[] { Unigram.Value, Bpe.Value })
        {
            t.EncodeUtf8(utf8, destination);
            destination.Clear();
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 10; i++)
            {
                t.EncodeUtf8(utf8, destination);
                destination.Clear();
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    [Fact]
    public void Sampling_draws_valid_segmentations_reproducibly_from_the_generator()
    {
        var t = Unigram.Value;
        var text = "The unconstitutional reorganization of departments";
        var best = t.Encode(text);
        var seen = new HashSet<string>();
        for (var i = 0; i < 30; i++)
        {
            var sample = t.EncodeSample(text, 0.1f, new Generator(i));
            Assert.Equal(t.Decode(best.Ids), t.Decode(sample.Ids));
            Assert.Equal(sample.Ids, t.EncodeSample(text, 0.1f, new Generator(i)).Ids);
            Assert.Equal(text.Length, sample.Spans[^1].End);
            seen.Add(string.Join(' ', sample.Ids));
        }

        Assert.True(seen.Count > 5, $"only {seen.Count} distinct segmentations in 30 draws");
    }

    [Fact]
    public void A_large_alpha_samples_the_best_segmentation()
    {
        var t = Unigram.Value;
        var text = "The President of the United States";
        Assert.Equal(t.Encode(text).Ids, t.EncodeSample(text, 1000f, new Generator(1)).Ids);
    }
}
