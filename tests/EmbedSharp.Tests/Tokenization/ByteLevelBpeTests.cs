using System.Text;
using EmbedSharp.Randomness;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.Bpe;

namespace EmbedSharp.Tests.Tokenization;

public sealed class ByteLevelBpeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-bpe-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Corpus =
    [
        "the cat sat on the mat", "the dog sat on the log", "a cat and a dog", "Hello, world! Hello again.",
        "naïve café 中文 😀", "it's what they're doing, isn't it?",
    ];

    [Fact]
    public void The_byte_table_is_gpt2s_reversible_map()
    {
        var chars = new HashSet<char>();
        for (var b = 0; b < 256; b++)
        {
            var c = ByteLevel.ToChar((byte)b);
            Assert.True(chars.Add(c));
            Assert.Equal(b, ByteLevel.ToByte(c));
        }

        Assert.Equal('!', ByteLevel.ToChar(33));
        Assert.Equal('\u0100', ByteLevel.ToChar(0));
        Assert.Equal('\u0120', ByteLevel.ToChar(32)); // 'Ġ': the space
        Assert.Equal('\u0143', ByteLevel.ToChar(173));
        Assert.Equal(-1, ByteLevel.ToByte('\u0144'));
        Assert.Equal(256, ByteLevel.BytesInVocabularyOrder.Distinct().Count());
    }

    [Fact]
    public void The_scanner_cuts_like_the_source_generated_regex_on_bmp_text()
    {
        var alphabet = "aZé中 \t\n\r\u00a0\u3000'smtdrevl1٣½!,.-😀\u0301\u200b".EnumerateRunes().Select(r => r.ToString()).ToArray();
        var g = new Generator(7UL);
        for (var n = 0; n < 3000; n++)
        {
            var sb = new StringBuilder();
            var length = (int)(g.Random() % 24);
            for (var i = 0; i < length; i++)
            {
                sb.Append(alphabet[g.Random() % (uint)alphabet.Length]);
            }

            var text = sb.ToString();
            var expected = Gpt2PreTokenizer.Pattern().Matches(text).Select(m => new TokenSpan(m.Index, m.Length)).ToList();
            Assert.Equal(expected, Gpt2PreTokenizer.Split(text));
        }
    }

    [Fact]
    public void A_letter_outside_the_bmp_is_a_letter()
    {
        // 𝒳 (U+1D4B3) is \p{L}: Python's regex and RE2 keep " 𝒳𝒴" as one piece; .NET's Regex would see surrogates.
        Assert.Equal([new TokenSpan(0, 1), new TokenSpan(1, 5)], Gpt2PreTokenizer.Split("a 𝒳𝒴"));
    }

    [Fact]
    public void Contractions_and_spaces_are_cut_as_gpt2_cuts_them()
    {
        var text = "I'm  here's\t\tx  ";
        var pieces = Gpt2PreTokenizer.Split(text).Select(s => text.Substring(s.Start, s.Length));
        Assert.Equal(["I", "'m", " ", " here", "'s", "\t", "\t", "x", "  "], pieces);
    }

    [Fact]
    public void Decode_inverts_encode_for_any_valid_text()
    {
        var bpe = TokenizerFixtures.Bpe;
        var g = new Generator(11UL);
        for (var n = 0; n < 500; n++)
        {
            var text = FuzzText.RandomValidText(g, 40);
            Assert.Equal(text, bpe.Decode(bpe.Encode(text).Ids));
        }
    }

    [Fact]
    public void An_unpaired_surrogate_is_encoded_as_the_replacement_character()
    {
        var bpe = TokenizerFixtures.Bpe;
        var encoding = bpe.Encode("a\ud800b");
        Assert.Equal("a\ufffdb", bpe.Decode(encoding.Ids));
        Assert.Equal(bpe.Encode("a\ufffdb").Ids, encoding.Ids);
    }

    [Fact]
    public void Spans_point_at_the_characters_each_token_came_from()
    {
        var bpe = TokenizerFixtures.Bpe;
        var text = "The President said 😀 hello";
        var encoding = bpe.Encode(text);
        Assert.Equal(0, encoding.Spans[0].Start);
        Assert.Equal(text.Length, encoding.Spans[^1].End);
        for (var i = 0; i < encoding.Count; i++)
        {
            var piece = bpe.Decode([encoding.Ids[i]]);
            var covered = text.Substring(encoding.Spans[i].Start, encoding.Spans[i].Length);
            Assert.True(piece.Contains('\ufffd') || covered == piece, $"token {i} '{encoding.Tokens[i]}' decodes to '{piece}' but spans '{covered}'");
        }
    }

    [Fact]
    public void The_trainer_is_deterministic_and_its_files_read_back()
    {
        var a = BpeTrainer.Train(Corpus, 300);
        var b = BpeTrainer.Train(Corpus, 300);
        Assert.Equal(a.Tokens(), b.Tokens());
        Assert.Equal(a.Merges, b.Merges);
        a.Save(_dir);
        var loaded = ByteLevelBpeTokenizer.Load(Path.Combine(_dir, ByteLevelBpeTokenizer.EncoderFileName));
        Assert.Equal(a.Tokens(), loaded.Tokens());
        foreach (var line in Corpus)
        {
            Assert.Equal(a.Encode(line).Ids, loaded.Encode(line).Ids);
            Assert.Equal(line, loaded.Decode(loaded.Encode(line).Ids));
        }

        Assert.Equal(["Ġthe", "Ġcat"], a.Encode(" the cat").Tokens);
    }

    [Fact]
    public void Ties_go_to_the_ordinally_smaller_pair()
    {
        var bpe = BpeTrainer.Train(["ab cd"], 257, minPairCount: 1);
        Assert.Equal(("a", "b"), bpe.Merges[0]); // "a b", "c d", "Ġ c" all occur once; "a" < "c" < "Ġ"
    }

    [Fact]
    public void A_malformed_merge_line_is_reported_with_file_and_line()
    {
        BpeTrainer.Train(Corpus, 270).Save(_dir);
        var merges = Path.Combine(_dir, ByteLevelBpeTokenizer.MergesFileName);
        var lines = File.ReadAllLines(merges);
        lines[2] = "onlyonetoken";
        File.WriteAllLines(merges, lines);
        var e = Assert.Throws<TokenizerFormatException>(() => ByteLevelBpeTokenizer.Load(_dir));
        Assert.Equal(merges, e.FilePath);
        Assert.Equal(3, e.Line);
        Assert.Contains("vocab.bpe:3:", e.Message, StringComparison.Ordinal);

        lines[2] = "a b c";
        File.WriteAllLines(merges, lines);
        Assert.Equal(3, Assert.Throws<TokenizerFormatException>(() => ByteLevelBpeTokenizer.Load(_dir)).Line);

        lines[2] = "zz qq";
        File.WriteAllLines(merges, lines);
        Assert.Contains("'zz qq' needs", Assert.Throws<TokenizerFormatException>(() => ByteLevelBpeTokenizer.Load(_dir)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("{\"a\": 0, \"b\": 0}")]
    [InlineData("{\"a\": 5}")]
    [InlineData("{\"a\": ")]
    [InlineData("{\"a\": 0}")]
    public void A_bad_encoder_json_is_reported_with_its_file(string json)
    {
        File.WriteAllText(Path.Combine(_dir, ByteLevelBpeTokenizer.EncoderFileName), json);
        File.WriteAllText(Path.Combine(_dir, ByteLevelBpeTokenizer.MergesFileName), "#version: 0.2\n");
        var e = Assert.Throws<TokenizerFormatException>(() => ByteLevelBpeTokenizer.Load(_dir));
        Assert.EndsWith(ByteLevelBpeTokenizer.EncoderFileName, e.FilePath, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_vocab_bpe_is_a_file_not_found()
    {
        BpeTrainer.Train(Corpus, 260).Save(_dir);
        File.Delete(Path.Combine(_dir, ByteLevelBpeTokenizer.MergesFileName));
        Assert.Throws<FileNotFoundException>(() => ByteLevelBpeTokenizer.Load(_dir));
    }
}
