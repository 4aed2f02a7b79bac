using System.Text;
using EmbedSharp.Randomness;
using EmbedSharp.Tests.Tokenization.SentencePiece;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.Tiktoken;

namespace EmbedSharp.Tests.Tokenization;

/// <summary>The ids-only paths (<see cref="ITokenizer.EncodeIds"/> overrides that skip token strings and spans) give
/// exactly the ids of <see cref="ITokenizer.Encode"/>, appended after what the list already holds, on random text and
/// on ASCII text with runs of spaces, tabs and punctuation (the SentencePiece normaliser's pass-through path).</summary>
public class EncodeIdsTests
{
    public static TheoryData<string> Names =>
        ["wordpiece", "bpe", "tiktoken", "spm-unigram", "spm-bpe", "spm-unigram_bytes", "spm-unigram_identity", "spm-bpe_suffix"];

    private static ITokenizer Make(string name) => name switch
    {
        "wordpiece" => TokenizerFixtures.WordPiece,
        "bpe" => TokenizerFixtures.Bpe,
        "tiktoken" => new TiktokenTokenizer(
            [.. Enumerable.Range(0, 256).Select(b => (new[] { (byte)b }, b)),
             .. new[] { "th", "the", " the", "in", "ing", " a", "er" }.Select((t, k) => (Encoding.UTF8.GetBytes(t), 256 + k))],
            new TiktokenEncoding("plain", TiktokenEncoding.Cl100kBase.Pattern, new Dictionary<string, int> { ["<|end|>"] = 300 }),
            SpecialTokenPolicy.All),
        _ => SentencePieceParityTests.Open(name["spm-".Length..]),
    };

    private static IEnumerable<string> Texts()
    {
        yield return "";
        yield return " ";
        yield return "   leading, trailing   and  double  spaces   ";
        yield return "The President's message: $2,000,000 (in 1790)... \"quoted\"\ttab\r\nnew line <|end|> [MASK]";
        yield return "naïve café 中文 😀 e\u0301 Ångström ﬁ ① ＡＢＣ";
        var g = new Generator(18UL);
        for (var n = 0; n < 600; n++)
        {
            yield return (n % 4) switch
            {
                0 => FuzzText.RandomValidText(g, 80),
                1 => FuzzText.RandomUtf16(g, 60),
                2 => FuzzText.RandomBytesAsUtf8(g, 80),
                _ => RandomAscii(g, 120),
            };
        }
    }

    private static string RandomAscii(Generator g, int maxLength)
    {
        const string alphabet = "  \t\nabcdeTHE.,;'\"!?-0123456789$()[]\u007f\u0001";
        var length = (int)(g.NextDouble() * maxLength);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = alphabet[(int)(g.NextDouble() * alphabet.Length)];
        }

        return new string(chars);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void EncodeIds_appends_the_ids_of_Encode(string name)
    {
        var tokenizer = Make(name);
        var ids = new List<int>();
        foreach (var text in Texts())
        {
            ids.Clear();
            ids.Add(-7);
            tokenizer.EncodeIds(text, ids);
            var expected = tokenizer.Encode(text).Ids;
            Assert.True(ids[0] == -7 && ids.Skip(1).SequenceEqual(expected),
                $"{name}: {string.Join(' ', ids.Skip(1))} != {string.Join(' ', expected)} for \"{text}\"");
        }
    }

    [Fact]
    public void SentencePiece_EncodeIds_equals_EncodeToIds_on_long_ascii_text()
    {
        var g = new Generator(7UL);
        var text = string.Concat(Enumerable.Range(0, 200).Select(_ => RandomAscii(g, 60)));
        foreach (var model in new[] { "unigram", "bpe", "unigram_bytes", "unigram_identity", "bpe_suffix" })
        {
            var tokenizer = SentencePieceParityTests.Open(model);
            var ids = new List<int>();
            tokenizer.EncodeIds(text, ids);
            Assert.Equal(tokenizer.EncodeToIds(text), ids);
            Assert.Equal(tokenizer.Encode(text).Ids, ids);
        }
    }
}
