using System.Text;
using System.Text.Json;
using EmbedSharp.FastText;

namespace EmbedSharp.Tests.FastText;

public class FastTextDictionaryTests
{
    private static string DataPath(string file) => Path.Combine(AppContext.BaseDirectory, "data", "fasttext_dict", file);

    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    [Fact]
    public void Hash_matches_fastText_including_sign_extended_bytes()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(DataPath("hashes.json")));
        var cases = doc.RootElement.GetProperty("cases");
        Assert.True(cases.GetArrayLength() > 5);
        foreach (var c in cases.EnumerateArray())
        {
            var word = Hex(c.GetProperty("word_hex").GetString()!);
            Assert.Equal(c.GetProperty("hash").GetUInt32(), FastTextHashing.Hash(word));
        }
    }

    [Theory]
    [InlineData("rows_3_6", 3, 6)]
    [InlineData("rows_1_2", 1, 2)]
    public void Subword_rows_match_fastText_order_and_values(string key, int minn, int maxn)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(DataPath("hashes.json")));
        var root = doc.RootElement;
        var suffix = key[4..];
        var nwords = root.GetProperty("nwords" + suffix).GetInt32();
        var bucket = root.GetProperty("bucket" + suffix).GetInt32();
        foreach (var c in root.GetProperty("cases").EnumerateArray())
        {
            var word = Hex(c.GetProperty("word_hex").GetString()!);
            var expected = c.GetProperty(key).EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var rows = new List<int>();
            FastTextHashing.AddSubwordRows(FastTextHashing.Wrap(word), minn, maxn, bucket, nwords, rows);
            Assert.True(expected.SequenceEqual(rows), $"word {Convert.ToHexString(word)}: expected [{string.Join(",", expected)}] got [{string.Join(",", rows)}]");
        }
    }

    [Fact]
    public void Maxn_zero_gives_no_subwords()
    {
        var rows = new List<int>();
        FastTextHashing.AddSubwordRows(FastTextHashing.Wrap("hello"u8), 0, 0, 100, 5, rows);
        Assert.Empty(rows);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Dictionary_matches_fastText_order_counts_and_types(int minCount)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(DataPath("dict.json")));
        var expected = doc.RootElement.GetProperty("dictionaries").EnumerateArray()
            .Single(d => d.GetProperty("min_count").GetInt32() == minCount).GetProperty("entries").EnumerateArray().ToArray();
        using var corpus = File.OpenRead(DataPath("corpus.txt"));
        var dict = FastTextDictionary.Build(corpus, minCount, 3, 6, 1000, 1e-4);
        Assert.Equal(expected.Length, dict.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            var word = Hex(expected[i].GetProperty("word_hex").GetString()!);
            Assert.True(word.AsSpan().SequenceEqual(dict.GetWordBytes(i)), $"entry {i}: expected {Encoding.UTF8.GetString(word)} got {dict.GetWord(i)}");
            Assert.Equal(expected[i].GetProperty("count").GetInt64(), dict.GetCount(i));
            var type = expected[i].GetProperty("type").GetString() == "label" ? FastTextEntryType.Label : FastTextEntryType.Word;
            Assert.Equal(type, dict.GetEntryType(i));
            Assert.Equal(i, dict.GetId(word));
        }

        if (minCount == 1)
        {
            Assert.Equal(Enumerable.Range(0, dict.Count).Sum(i => dict.GetCount(i)), dict.TokenCount);
        }
    }

    [Fact]
    public void Subsampling_keep_probability_is_fastTexts_formula()
    {
        var dict = FastTextDictionary.Build(new MemoryStream("a a a b\n"u8.ToArray()), 1, 3, 6, 10, 0.1);
        var f = 3f / 5f;
        Assert.Equal((float)(Math.Sqrt(0.1 / f) + (0.1 / f)), dict.GetKeepProbability(dict.GetId("a")));
    }

    [Fact]
    public void Word_rows_start_with_the_word_and_end_of_sentence_has_no_ngrams()
    {
        var dict = FastTextDictionary.Build(new MemoryStream("hello world\n"u8.ToArray()), 1, 3, 6, 50, 1e-4);
        var id = dict.GetId("hello");
        var rows = dict.GetSubwords(id);
        Assert.Equal(id, rows[0]);
        Assert.True(rows.Length > 1);
        Assert.All(rows[1..].ToArray(), r => Assert.InRange(r, dict.WordCount, dict.WordCount + 49));
        Assert.Equal(1, dict.GetSubwords(dict.GetId("</s>")).Length);
        var oov = new List<int>();
        dict.GetSubwords("unseen", oov);
        Assert.DoesNotContain(-1, oov);
        Assert.NotEmpty(oov);
    }

    [Fact]
    public void Empty_corpus_and_too_high_min_count_are_rejected_with_the_reason()
    {
        var empty = Assert.Throws<FastTextFormatException>(() => FastTextDictionary.Build(new MemoryStream([]), 1, 3, 6, 10, 1e-4));
        Assert.Contains("empty", empty.Message, StringComparison.Ordinal);
        var whitespace = Assert.Throws<FastTextFormatException>(() => FastTextDictionary.Build(new MemoryStream(" \t\r "u8.ToArray()), 1, 3, 6, 10, 1e-4));
        Assert.Contains("empty", whitespace.Message, StringComparison.Ordinal);
        var rare = Assert.Throws<FastTextFormatException>(() => FastTextDictionary.Build(new MemoryStream("a b c"u8.ToArray()), 5, 3, 6, 10, 1e-4));
        Assert.Contains("MinCount = 5", rare.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Vocabulary_pruning_keeps_frequent_words_when_the_table_fills()
    {
        var text = string.Join(' ', Enumerable.Range(0, 40).Select(i => "w" + i)) + " " + string.Join(' ', Enumerable.Repeat("common", 10));
        var dict = FastTextDictionary.Build(new MemoryStream(Encoding.UTF8.GetBytes(text)), 1, 3, 6, 10, 1e-4, maxVocabSize: 20);
        Assert.True(dict.Count <= 16);
        Assert.Equal("common", dict.GetWord(0));
    }
}
