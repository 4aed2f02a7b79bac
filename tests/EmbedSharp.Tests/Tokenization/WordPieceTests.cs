using EmbedSharp.Randomness;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.WordPiece;

namespace EmbedSharp.Tests.Tokenization;

public sealed class WordPieceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-wordpiece-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "aff", "hello", ",", "world", "!", "中", "cafe", "##s", "a", "##b"];

    private static List<string> Words(string text, bool lower = true) => [.. BertPreTokenizer.Split(text, lower).Select(w => w.Word)];

    [Fact]
    public void The_basic_tokenizer_lowercases_strips_accents_and_splits_punctuation_and_cjk()
    {
        Assert.Equal(["hello", ",", "world", "!"], Words("Hello,World!"));
        Assert.Equal(["cafe", "naive", "angstrom"], Words("Café  NAÏVE\tÅngström"));
        Assert.Equal(["中", "文", "ab", "日"], Words("中文ab日"));
        Assert.Equal(["ctrl", "chars", "x"], Words("ct\u0000rl\u0007 ch\u200bars\ufffd\u00a0x"));
        Assert.Equal(["$", "100", "—", "«", "a", "»"], Words("$100—«a»"));
        Assert.Equal(["Café", "NAÏVE"], Words("Café NAÏVE", lower: false));
        Assert.Equal(["i"], Words("İ"));
        Assert.Empty(Words(" \t\r\n "));

        // U+2028/U+2029 separate words (Python's str.split and HF's Rust BertNormalizer); U+0085 and \v are controls, dropped.
        Assert.Equal(["line", "separator", "and", "para"], Words("Line\u2028separator and\u2029para"));
        Assert.Equal(["ab", "cd"], Words("a\u0085b c\vd"));
    }

    [Fact]
    public void Basic_tokenizer_spans_point_into_the_original_text()
    {
        var text = "  Café,\u0007 中x";
        var words = BertPreTokenizer.Split(text);
        Assert.Equal([new TokenSpan(2, 4), new TokenSpan(6, 1), new TokenSpan(9, 1), new TokenSpan(10, 1)], words.Select(w => w.Span));
    }

    [Fact]
    public void Words_are_cut_greedily_longest_match_first()
    {
        var wp = new WordPieceTokenizer(Vocab);
        var e = wp.Encode("unaffable, Hello");
        Assert.Equal(["un", "##aff", "##able", ",", "hello"], e.Tokens);
        Assert.Equal([5, 6, 7, 10, 9], e.Ids);
        Assert.Equal([new TokenSpan(0, 2), new TokenSpan(2, 3), new TokenSpan(5, 4), new TokenSpan(9, 1), new TokenSpan(11, 5)], e.Spans);
    }

    [Fact]
    public void Special_tokens_in_the_text_stay_whole_as_in_hugging_face_bert_tokenizer()
    {
        var wp = new WordPieceTokenizer(Vocab);
        Assert.Equal(["[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"], wp.SpecialTokens);
        var e = wp.Encode("Hello [MASK], world[SEP]!");
        Assert.Equal(["hello", "[MASK]", ",", "world", "[SEP]", "!"], e.Tokens);
        Assert.Equal([9, 4, 10, 11, 3, 12], e.Ids);
        Assert.Equal([new TokenSpan(0, 5), new TokenSpan(6, 6), new TokenSpan(12, 1), new TokenSpan(14, 5), new TokenSpan(19, 5), new TokenSpan(24, 1)], e.Spans);

        // Case-sensitive and matched before lower-casing, as Hugging Face's added-token split: "[mask]" is ordinary text.
        Assert.Equal(["[UNK]", "[UNK]", "[UNK]"], wp.Encode("[mask]").Tokens);
        Assert.Equal([4, 4, 1], wp.Encode("[MASK][MASK][UNK]").Ids);
        Assert.Equal([2, 9, 3], wp.Encode("[CLS]HELLO[SEP]").Ids);
    }

    [Fact]
    public void Special_tokens_can_be_turned_off_or_chosen()
    {
        var plain = new WordPieceTokenizer(Vocab).WithSpecialTokens([]);
        Assert.Empty(plain.SpecialTokens);
        Assert.Equal(["[UNK]", "[UNK]", "[UNK]"], plain.Encode("[MASK]").Tokens); // "[", "mask", "]": not in this vocabulary

        var onlyHello = new WordPieceTokenizer(Vocab).WithSpecialTokens(["hello"]);
        Assert.Equal([9, 9], onlyHello.Encode("xhellohello").Ids[1..]);
        Assert.Throws<ArgumentException>(() => plain.WithSpecialTokens(["<mask>"]));
        Assert.Throws<ArgumentException>(() => plain.WithSpecialTokens([""]));
    }

    [Fact]
    public void A_vocabulary_without_some_bert_specials_keeps_only_those_it_has()
    {
        var wp = new WordPieceTokenizer(["[UNK]", "a", "[MASK]"]);
        Assert.Equal(["[UNK]", "[MASK]"], wp.SpecialTokens);
        Assert.Equal([1, 2, 1], wp.Encode("a[MASK]a").Ids);
    }

    [Fact]
    public void A_word_without_a_complete_cut_is_one_unknown()
    {
        var wp = new WordPieceTokenizer(Vocab);
        Assert.Equal(["[UNK]", "hello"], wp.Encode("unaffablex hello").Tokens);
        Assert.Equal(new TokenSpan(0, 10), wp.Encode("unaffablex hello").Spans[0]);
        Assert.Null(wp.CutWord("zzz"));
        Assert.Equal(["a", "##b", "##b"], wp.CutWord("abb")!);
    }

    [Fact]
    public void A_word_over_100_code_points_is_unknown()
    {
        var wp = new WordPieceTokenizer(Vocab);
        Assert.Equal(["a", .. Enumerable.Repeat("##b", 99)], wp.Encode("a" + new string('b', 99)).Tokens);
        Assert.Equal(["[UNK]"], wp.Encode("a" + new string('b', 100)).Tokens);
    }

    [Fact]
    public void Decode_gives_the_basic_tokenised_text()
    {
        var wp = TokenizerFixtures.WordPiece;
        var text = "The Congress, in its wisdom; has   DECIDED: Étre!";
        Assert.Equal(string.Join(' ', Words(text)), wp.Decode(wp.Encode(text).Ids));
    }

    [Fact]
    public void A_vocabulary_without_unk_is_rejected_naming_the_file()
    {
        var path = Path.Combine(_dir, "vocab.txt");
        File.WriteAllLines(path, ["[PAD]", "hello"]);
        var e = Assert.Throws<TokenizerFormatException>(() => WordPieceTokenizer.Load(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("[UNK]", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new WordPieceTokenizer(["a"]));
    }

    [Fact]
    public void A_repeated_token_maps_to_its_last_id_as_hugging_face_loads_it_and_bad_bytes_are_refused()
    {
        // transformers' load_vocab fills an OrderedDict line by line (vocab[token] = index) and tokenizers' WordPiece
        // inserts into a HashMap the same way: the last line of a token wins.
        var path = Path.Combine(_dir, "vocab.txt");
        File.WriteAllLines(path, ["[UNK]", "a", "b", "a", "##b", "b"]);
        var wp = WordPieceTokenizer.Load(path);
        Assert.Equal(6, wp.VocabSize); // every line keeps its id, as the model's embedding rows do
        Assert.Equal([1, 2], wp.ShadowedIds);
        Assert.Equal(3, wp.TokenToId("a"));
        Assert.Equal([3, 5, 3, 4], wp.Encode("a b ab").Ids);
        Assert.Equal("a", wp.IdToToken(1));
        Assert.Empty(new WordPieceTokenizer(["[UNK]", "a"]).ShadowedIds);
        File.WriteAllBytes(path, [0x5B, 0x55, 0x4E, 0x4B, 0x5D, 0x0A, 0xFF, 0x0A]);
        Assert.Contains("UTF-8", Assert.Throws<TokenizerFormatException>(() => WordPieceTokenizer.Load(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_trainer_writes_bert_specials_then_alphabet_then_merges()
    {
        string[] corpus = ["the theory of the thing", "then there were three", "The end."];
        var wp = WordPieceTrainer.Train(corpus, 40, minPairCount: 2);
        var tokens = wp.Tokens();
        Assert.Equal(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], tokens.Take(5));
        Assert.Contains("##h", tokens);
        Assert.Contains("th", tokens);
        Assert.True(tokens.Length <= 40);
        Assert.Equal(tokens, WordPieceTrainer.Train(corpus, 40, minPairCount: 2).Tokens());
        foreach (var line in corpus)
        {
            Assert.DoesNotContain("[UNK]", wp.Encode(line).Tokens);
        }

        var path = Path.Combine(_dir, "vocab.txt");
        wp.Save(path);
        Assert.Equal(tokens, WordPieceTokenizer.Load(path).Tokens());
    }

    [Fact]
    public void Uncased_off_keeps_case_and_accents()
    {
        var wp = new WordPieceTokenizer(["[UNK]", "Café", "cafe"], lowerCase: false);
        Assert.Equal(["Café", "[UNK]"], wp.Encode("Café cafÉ").Tokens);
        Assert.True(new WordPieceTokenizer(["[UNK]"], lowerCase: true, stripAccents: false) is { LowerCase: true, StripAccents: false });
    }

    [Fact]
    public void Every_decomposable_code_point_loses_its_marks()
    {
        var g = new Generator(3UL);
        for (var n = 0; n < 200; n++)
        {
            var text = FuzzText.RandomValidText(g, 30);
            foreach (var (word, _) in BertPreTokenizer.Split(text))
            {
                Assert.DoesNotContain(word.EnumerateRunes(), r => System.Text.Rune.GetUnicodeCategory(r) == System.Globalization.UnicodeCategory.NonSpacingMark);
            }
        }
    }
}
