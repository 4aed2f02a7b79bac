using System.Text;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.Tiktoken;

namespace EmbedSharp.Tests.Tokenization.Tiktoken;

public sealed class TiktokenTokenizerTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "embedsharp-tiktoken-unit-" + Guid.NewGuid().ToString("N"));

    public TiktokenTokenizerTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static readonly TiktokenEncoding Plain = new("plain", TiktokenEncoding.R50kBase.Pattern, new Dictionary<string, int> { ["<|end|>"] = 300 });

    /// <summary>The 256 bytes (ranks 0–255) and then the given merged tokens, ranks 256, 257, …</summary>
    private static List<(byte[] Bytes, int Rank)> Ranks(params string[] merged)
    {
        var ranks = Enumerable.Range(0, 256).Select(b => (new[] { (byte)b }, b)).ToList();
        ranks.AddRange(merged.Select((t, k) => (Encoding.UTF8.GetBytes(t), 256 + k)));
        return ranks;
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Theory]
    [InlineData(@"a?+b", @"(?>a?)b")]
    [InlineData(@"[^\r\n\p{L}\p{N}]?+\p{L}++", @"(?>[^\r\n\p{L}\p{N}]?)(?>\p{L}+)")]
    [InlineData(@"\p{N}{1,3}+", @"(?>\p{N}{1,3})")]
    [InlineData(@" ?[^\s\p{L}\p{N}]++[\r\n]*+", @" ?(?>[^\s\p{L}\p{N}]+)(?>[\r\n]*)")]
    [InlineData(@"\s++$|\s*[\r\n]", @"(?>\s+)\z|\s*[\r\n]")]
    [InlineData(@"'(?i:[sdmt]|ll|ve|re)", @"'(?i:[sdmt]|ll|ve|re)")]
    [InlineData(@"a+?|(?:ab)++|[]a]", @"a+?|(?>(?:ab)+)|[]a]")]
    [InlineData(@"x{2}|\{", @"x{2}|\{")]
    public void Possessive_quantifiers_become_atomic_groups_and_dollar_the_end_of_text(string pattern, string expected)
        => Assert.Equal(expected, TiktokenPattern.Translate(pattern));

    private static string[] Pieces(TiktokenEncoding encoding, string text)
    {
        var pieces = new List<string>();
        foreach (var m in encoding.Regex.EnumerateMatches(text))
        {
            pieces.Add(text.Substring(m.Index, m.Length));
        }

        return [.. pieces];
    }

    [Fact]
    public void Pythons_possessive_cl100k_pattern_splits_as_the_npm_pattern_but_keeps_trailing_whitespace_whole()
    {
        // tiktoken (Python) 0.7+ writes cl100k_base's pattern with possessive quantifiers and \s++$.
        var python = new TiktokenEncoding("cl100k_python", @"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s",
            TiktokenEncoding.Cl100kBase.SpecialTokens);
        foreach (var text in new[] { "I'M here, you'RE 12345 x", "a  \n\n  b", "!!!\n\n x", "\t \n y", "don't  stop", "𝐀𝐁 12" })
        {
            Assert.Equal(Pieces(TiktokenEncoding.Cl100kBase, text), Pieces(python, text));
        }

        Assert.Equal(["x", "  \n", "  "], Pieces(TiktokenEncoding.Cl100kBase, "x  \n  "));
        Assert.Equal(["x", "  \n  "], Pieces(python, "x  \n  "));
        Assert.Equal(["x", " \n"], Pieces(python, "x \n")); // $ is the end of the text, never before a final \n only
    }

    [Fact]
    public void Digits_come_in_groups_of_one_to_three_and_contractions_match_in_any_case()
    {
        Assert.Equal(["123", "456", "7", " ", "89"], Pieces(TiktokenEncoding.Cl100kBase, "1234567 89"));
        Assert.Equal(["I", "'M", " you", "'RE", " it", "'s"], Pieces(TiktokenEncoding.Cl100kBase, "I'M you'RE it's"));
        Assert.Equal(["I", "'", "M", " you", "'", "RE"], Pieces(TiktokenEncoding.R50kBase, "I'M you'RE")); // GPT-2's are lower-case only
        Assert.Equal(["Hello's", " WORLD'S"], Pieces(TiktokenEncoding.O200kBase, "Hello's WORLD'S")); // o200k_base keeps them on the word
    }

    [Fact]
    public void The_lowest_ranked_pair_merges_first_and_a_whole_token_wins()
    {
        var tokenizer = new TiktokenTokenizer(Ranks("bc", "ab", "abc", "cd"), Plain);
        Assert.Equal([256, 97], tokenizer.EncodeToIds("bca"));
        // bc (256) beats ab (257) and cd (259); then a + bc is the token abc (258): any adjacent parts whose bytes
        // join to a token may merge, not only the pairs a merge list would name.
        Assert.Equal([258, 100], tokenizer.EncodeToIds("abcd"));
        Assert.Equal([258], tokenizer.EncodeToIds("abc"));             // the whole piece is a token
        Assert.Equal([300], tokenizer.EncodeToIds("<|end|>"));
        Assert.Equal([60, 124, 101, 110, 100, 124, 62], tokenizer.EncodeToIds("<|end|>", SpecialTokenPolicy.None));
        Assert.Equal("<|end|>", tokenizer.IdToToken(300));
        Assert.Equal(301, tokenizer.VocabSize);
        Assert.Equal("<|unused_260|>", tokenizer.IdToToken(260));
        Assert.Equal(260, tokenizer.TokenToId("<|unused_260|>"));
    }

    [Fact]
    public void Heap_merge_equals_scan_merge_on_random_vocabularies()
    {
        var random = new EmbedSharp.Randomness.Generator(11);
        for (var trial = 0; trial < 10; trial++)
        {
            var merged = new HashSet<string>(StringComparer.Ordinal);
            while (merged.Count < 200)
            {
                var length = 2 + (int)(random.Random() % 4);
                merged.Add(new string([.. Enumerable.Range(0, length).Select(_ => "abcd"[(int)(random.Random() % 4)])]));
            }

            var tokenizer = new TiktokenTokenizer(Ranks([.. merged]), new TiktokenEncoding("random", Plain.Pattern, new Dictionary<string, int>()));
            var text = new string([.. Enumerable.Range(0, 600).Select(_ => "abcd"[(int)(random.Random() % 4)])]);
            var scan = tokenizer.MergeForTest(text, useHeap: false);
            Assert.Equal(scan, tokenizer.MergeForTest(text, useHeap: true));
            Assert.Equal(text, tokenizer.Decode(scan));
        }
    }

    [Fact]
    public void A_lone_surrogate_is_encoded_as_the_replacement_character_as_npm_tiktoken_receives_it()
    {
        var cl100k = TiktokenData.Get("cl100k_base");
        // npm tiktoken 1.0.22 on this machine: encode("abc\ud800def", [], []) → 13997 5809 755.
        Assert.Equal([13997, 5809, 755], cl100k.EncodeToIds("abc\ud800def"));
        Assert.Equal("abc\uFFFDdef", cl100k.Decode([13997, 5809, 755]));
        Assert.Equal(new TokenSpan(3, 1), cl100k.Encode("abc\ud800def").Spans[1]);
    }

    [Fact]
    public void Decode_to_bytes_keeps_partial_characters_and_decode_replaces_them()
    {
        var cl100k = TiktokenData.Get("cl100k_base");
        var ids = cl100k.EncodeToIds("😀");
        Assert.Equal(2, ids.Length);
        Assert.Equal(Encoding.UTF8.GetBytes("😀"), cl100k.DecodeToBytes(ids));
        Assert.Equal(Encoding.UTF8.GetBytes("😀").AsSpan(0, cl100k.TokenBytes(ids[0]).Length).ToArray(), cl100k.DecodeToBytes(ids[..1]));
        Assert.Equal("\uFFFD", cl100k.Decode(ids[..1]));
    }

    [Fact]
    public void Save_and_load_round_trip_a_custom_encoding()
    {
        var tokenizer = new TiktokenTokenizer(Ranks("ab", "abab"), Plain);
        var path = Path.Combine(_directory, "custom.tiktoken");
        tokenizer.Save(path);
        Assert.StartsWith("AA== 0\nAQ== 1\n", File.ReadAllText(path), StringComparison.Ordinal);
        var loaded = TiktokenTokenizer.Load(path, Plain);
        Assert.Equal(tokenizer.Tokens(), loaded.Tokens());
        Assert.Equal([257, 256], loaded.EncodeToIds("ababab"));
    }

    [Theory]
    [InlineData("YQ==\n", "x.tiktoken:1: expected 'BASE64 RANK'")]
    [InlineData("YQ== 0 1\n", "x.tiktoken:1: expected 'BASE64 RANK'")]
    [InlineData("YQ== 0\n!!!! 1\n", "x.tiktoken:2: the token '!!!!' is not base64")]
    [InlineData("YQ== 0\nYg== 0\n", "x.tiktoken:2: the rank 0 is also on line 1")]
    [InlineData("YQ== 0\nYQ== 1\n", "x.tiktoken:2: the token 'YQ==' is also on line 1")]
    [InlineData("YQ== -1\n", "x.tiktoken:1: the rank '-1' is not a non-negative")]
    [InlineData("YQ== 99999999999\n", "x.tiktoken:1: the rank '99999999999' is not")]
    [InlineData("\n\n", "x.tiktoken: the file holds no tokens")]
    [InlineData("YQ== 2000000000\n", "is far beyond")]
    [InlineData("YQ== 0\n", "The single byte 0x00 is not a token")]
    public void Malformed_files_are_refused_naming_the_file_and_line(string content, string expected)
    {
        var path = Write("x.tiktoken", content);
        var error = Assert.Throws<TokenizerFormatException>(() => TiktokenTokenizer.Load(path, Plain));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_wrong_encoding_or_an_unknown_name_is_refused()
    {
        var path = Path.Combine(_directory, "r50k_base.tiktoken");
        new TiktokenTokenizer(Ranks("ab"), Plain).Save(path);
        var error = Assert.Throws<TokenizerFormatException>(() => TiktokenTokenizer.Load(path));
        Assert.Contains("257 tokens, but r50k_base has 50,256", error.Message, StringComparison.Ordinal);
        var other = Path.Combine(_directory, "mine.tiktoken");
        File.Copy(path, other);
        Assert.Contains("names no known encoding", Assert.Throws<TokenizerFormatException>(() => TiktokenTokenizer.Load(other)).Message, StringComparison.Ordinal);
        Assert.Equal(TokenizerType.Tiktoken, TokenizerFiles.InferType(other));
        Assert.Same(TiktokenEncoding.R50kBase, TiktokenEncoding.FromName("GPT2"));
        Assert.Null(TiktokenEncoding.FromName("cl200k"));
    }

    [Fact]
    public void Encoding_allocates_only_the_results_once_pieces_are_cached()
    {
        var cl100k = TiktokenData.Get("cl100k_base");
        const string text = "The quick brown fox jumps over the lazy dog, again and again: 12345.";
        var expected = cl100k.CountTokens(text);
        // The least of three rounds, after a warm-up: one-off costs (tiered JIT, a cache filled by another test) drop out.
        var perCall = long.MaxValue;
        var counts = 0L;
        for (var round = 0; round < 4; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 100; i++)
            {
                counts += cl100k.CountTokens(text);
            }

            perCall = round == 0 ? perCall : Math.Min(perCall, (GC.GetAllocatedBytesForCurrentThread() - before) / 100);
        }

        Assert.Equal(400L * expected, counts);

        // Per call: the id list (its header and an int array that may grow once), nothing per piece.
        Assert.InRange(perCall, 0, 64 + (16 * expected));
    }
}
