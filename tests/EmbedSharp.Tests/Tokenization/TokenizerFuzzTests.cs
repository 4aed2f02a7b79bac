using EmbedSharp.Randomness;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.Character;
using EmbedSharp.Tokenization.Word;

namespace EmbedSharp.Tests.Tokenization;

/// <summary>Random bytes and strings through every tokenizer: no exception, no hang, spans inside the text and in
/// order, ids in range, tokens that match their ids, and decoding that succeeds.</summary>
public class TokenizerFuzzTests
{
    public static TheoryData<string> Names => ["char", "grapheme", "word", "word-regex", "word-lower-case", "wordpiece", "bpe"];

    private static ITokenizer Make(string name)
    {
        string[] corpus = ["the cat sat on the mat", "naïve café 中文 😀 e\u0301", "a b c ! ?"];
        return name switch
        {
            "char" => new CharacterTokenizer(CharacterTokenizer.BuildVocabulary(corpus)),
            "grapheme" => new CharacterTokenizer(CharacterTokenizer.BuildVocabulary(corpus, CharacterUnit.Grapheme), CharacterUnit.Grapheme),
            "word" => new WordTokenizer(WordTokenizer.BuildVocabulary(corpus)),
            "word-regex" => new WordTokenizer(WordTokenizer.BuildVocabulary(corpus, WordSplitting.Regex), WordSplitting.Regex),
            "word-lower-case" => new WordTokenizer(WordTokenizer.BuildVocabulary(corpus, WordSplitting.LowerCaseAlphanumeric), WordSplitting.LowerCaseAlphanumeric),
            "wordpiece" => TokenizerFixtures.WordPiece,
            _ => TokenizerFixtures.Bpe,
        };
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Random_text_encodes_to_valid_tokens_and_spans(string name)
    {
        var tokenizer = Make(name);
        var g = new Generator(2024UL);
        for (var n = 0; n < 1000; n++)
        {
            var text = (n % 3) switch
            {
                0 => FuzzText.RandomValidText(g, 50),
                1 => FuzzText.RandomUtf16(g, 50),
                _ => FuzzText.RandomBytesAsUtf8(g, 80),
            };
            var e = tokenizer.Encode(text);
            Assert.Equal(e.Ids.Length, e.Tokens.Length);
            Assert.Equal(e.Ids.Length, e.Spans.Length);
            var previous = 0;
            for (var i = 0; i < e.Count; i++)
            {
                Assert.InRange(e.Ids[i], 0, tokenizer.VocabSize - 1);
                Assert.Equal(tokenizer.IdToToken(e.Ids[i]), e.Tokens[i]);
                Assert.True(e.Spans[i].Start >= previous && e.Spans[i].Length >= 0 && e.Spans[i].End <= text.Length,
                    $"{name}: span {i} {e.Spans[i]} of {text.Length} (previous start {previous}) in {Escape(text)}");
                previous = e.Spans[i].Start;
            }

            _ = tokenizer.Decode(e.Ids);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Ids_outside_the_vocabulary_are_rejected(string name)
    {
        var tokenizer = Make(name);
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([tokenizer.VocabSize]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.IdToToken(-1));
        Assert.Equal(-1, tokenizer.TokenToId("\u0001no such token\u0001"));
    }

    [Fact]
    public void Batch_encoding_equals_one_by_one_whatever_the_thread_count()
    {
        var g = new Generator(5UL);
        var texts = Enumerable.Range(0, 300).Select(_ => FuzzText.RandomValidText(g, 60)).ToList();
        foreach (var tokenizer in new ITokenizer[] { TokenizerFixtures.WordPiece, TokenizerFixtures.Bpe })
        {
            var one = tokenizer.EncodeBatch(texts, 1);
            var all = tokenizer.EncodeBatch(texts);
            for (var i = 0; i < texts.Count; i++)
            {
                Assert.Equal(tokenizer.Encode(texts[i]).Ids, one[i].Ids);
                Assert.Equal(one[i].Ids, all[i].Ids);
            }
        }
    }

    private static string Escape(string s) => string.Concat(s.Select(c => c is >= ' ' and < '\u007f' ? c.ToString() : $"\\u{(int)c:x4}"));
}
