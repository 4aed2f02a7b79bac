using System.Text.RegularExpressions;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.Character;
using EmbedSharp.Tokenization.Word;

namespace EmbedSharp.Tests.Tokenization;

public class CharacterAndWordTests
{
    [Fact]
    public void Characters_are_code_points_with_unknowns_as_unk()
    {
        var vocab = CharacterTokenizer.BuildVocabulary(["abca", "😀"]);
        Assert.Equal([Vocabulary.Pad, Vocabulary.Unk, "a", "b", "c", "😀"], vocab.Tokens);
        var chars = new CharacterTokenizer(vocab);
        var e = chars.Encode("a😀z");
        Assert.Equal(["a", "😀", "<unk>"], e.Tokens);
        Assert.Equal([new TokenSpan(0, 1), new TokenSpan(1, 2), new TokenSpan(3, 1)], e.Spans);
        Assert.Equal("abc😀", chars.Decode(chars.Encode("abc😀").Ids));
    }

    [Fact]
    public void Grapheme_clusters_keep_combining_marks_and_emoji_sequences_whole()
    {
        var text = "e\u0301👨‍👩‍👧x";
        Assert.Equal(["e\u0301", "👨‍👩‍👧", "x"], CharacterTokenizer.Split(text, CharacterUnit.Grapheme));
        Assert.Equal(8, CharacterTokenizer.Split(text).Count());
        var vocab = CharacterTokenizer.BuildVocabulary([text], CharacterUnit.Grapheme);
        Assert.Equal(text, new CharacterTokenizer(vocab, CharacterUnit.Grapheme).Decode(new CharacterTokenizer(vocab, CharacterUnit.Grapheme).Encode(text).Ids));
    }

    [Fact]
    public void Words_split_on_fasttext_whitespace_or_a_regex()
    {
        var vocab = WordTokenizer.BuildVocabulary(["the cat, the\tdog\vsat"], maxSize: 10);
        var words = new WordTokenizer(vocab);
        Assert.Equal(["the", "cat,", "the", "dog", "<unk>"], words.Encode("the cat,  the\u0000dog fish").Tokens);
        Assert.Equal("the cat, the", words.Decode(words.Encode(" the\r\ncat, the ").Ids));
        var regex = new WordTokenizer(WordTokenizer.BuildVocabulary(["the cat, the dog"], WordSplitting.Regex), WordSplitting.Regex);
        Assert.Equal(["the", "cat", ",", "<unk>"], regex.Encode("the cat, bird").Tokens);
        var digits = new WordTokenizer(new Vocabulary([Vocabulary.Unk, "12"]), WordSplitting.Regex, new Regex("[0-9]+"));
        Assert.Equal([new TokenSpan(1, 2), new TokenSpan(4, 1)], digits.Encode("a12b3").Spans);
    }

    [Fact]
    public void A_vocabulary_without_unk_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new CharacterTokenizer(new Vocabulary(["a"])));
        Assert.Throws<ArgumentException>(() => new WordTokenizer(new Vocabulary(["a"])));
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, ["a", "b"]);
            var e = Assert.Throws<TokenizerFormatException>(() => TokenizerFiles.Load(path, TokenizerType.Word));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Types_are_inferred_from_the_path()
    {
        Assert.Equal(TokenizerType.Bpe, TokenizerFiles.InferType("x/encoder.json"));
        Assert.Equal(TokenizerType.SentencePiece, TokenizerFiles.InferType("m.model"));
        Assert.Equal(TokenizerType.WordPiece, TokenizerFiles.InferType("vocab.txt"));
        Assert.Equal(TokenizerType.Bpe, TokenizerFiles.InferType(AppContext.BaseDirectory));
    }
}
