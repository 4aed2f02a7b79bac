using System.Text;
using EmbedSharp.Randomness;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.Word;

namespace EmbedSharp.Tests.Tokenization.Word;

/// <summary>The <see cref="WordSplitting"/> rules: each on its own, all on the same tricky inputs, and the string, span,
/// tokenizer and byte-stream forms against each other.</summary>
public sealed class WordSplittingTests
{
    private const WordSplitting Ws = WordSplitting.Whitespace;
    private const WordSplitting Rx = WordSplitting.Regex;
    private const WordSplitting Lc = WordSplitting.LowerCaseAlphanumeric;

    public static TheoryData<WordSplitting> Modes => [Ws, Rx, Lc];

    [Theory]
    [InlineData("Don't STOP me now!", new[] { "don't", "stop", "me", "now" })]
    [InlineData("'quoted' ''' rock'n'roll's", new[] { "quoted", "rock'n'roll's" })]
    [InlineData("It’s 2x faster: 100%, v2.0", new[] { "it's", "2x", "faster", "100", "v2", "0" })]
    [InlineData("e-mail foo@bar.com", new[] { "e", "mail", "foo", "bar", "com" })]
    [InlineData("Naïve CAFÉ Ünïcödé 日本語 Ελλάδα", new[] { "naïve", "café", "ünïcödé", "日本語", "ελλάδα" })]
    [InlineData("", new string[0])]
    [InlineData("  ...  '' -- ", new string[0])]
    public void Words_are_lower_case_runs_of_letters_digits_and_inner_apostrophes(string text, string[] expected) =>
        Assert.Equal(expected, WordTokenizer.Split(text, Lc));

    [Fact]
    public void Combining_marks_and_surrogate_pair_letters_stay_inside_words()
    {
        Assert.Equal(["cafe\u0301"], WordTokenizer.Split("Cafe\u0301!", Lc));
        Assert.Equal(["a𝒳b"], WordTokenizer.Split("a𝒳b 😀", Lc));
    }

    [Fact]
    public void Enumerate_gives_the_ranges_without_allocating()
    {
        var text = "Hello, world's end".AsSpan();
        var words = new List<string>();
        foreach (var r in WordTokenizer.EnumerateSpans(text, Lc))
        {
            words.Add(text[r].ToString());
        }

        Assert.Equal(["Hello", "world's", "end"], words);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var count = 0;
        foreach (var r in WordTokenizer.EnumerateSpans(text, Lc))
        {
            count += r.GetOffsetAndLength(text.Length).Length;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(15, count);
    }

    [Fact]
    public void Every_mode_enumerates_and_writes_words_without_allocating()
    {
        var text = "  One,\ttwo\u00A0 Don't\r\n𝒳yz 3.5 ".AsSpan();
        Span<char> word = stackalloc char[64];
        ReadOnlySpan<WordSplitting> modes = [Ws, Rx, Lc];
        foreach (var mode in modes)
        {
            _ = CountWords(text, mode, word); // warm up the regex (its runner is created once and cached)
            var before = GC.GetAllocatedBytesForCurrentThread();
            var count = CountWords(text, mode, word);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(WordTokenizer.Split(text.ToString(), mode).Count, count);
        }

        static int CountWords(ReadOnlySpan<char> text, WordSplitting mode, Span<char> word)
        {
            var count = 0;
            foreach (var r in WordTokenizer.EnumerateSpans(text, mode))
            {
                count += WordTokenizer.ToWord(text[r], word, mode) > 0 ? 1 : 0;
            }

            return count;
        }
    }

    /// <summary>The same tricky inputs under every rule. Whitespace: only space \t \n \v \f \r \0 separate (U+00A0 does
    /// not); Regex (<c>\w+|[^\w\s]+</c>): .NET's \w is per UTF-16 unit (a non-BMP letter is two "others"), \s has
    /// U+00A0 but not \0; LowerCaseAlphanumeric: letters, digits and marks by code point, lower-cased.</summary>
    public static TheoryData<string, string[], string[], string[]> Tricky => new()
    {
        { "", [], [], [] },
        { " \t\v\f\r\n\0 ", [], ["\0"], [] },
        { "a\tb\vc\fd\0e", ["a", "b", "c", "d", "e"], ["a", "b", "c", "d", "\0", "e"], ["a", "b", "c", "d", "e"] },
        { "One\r\nTwo \n\nthree\r", ["One", "Two", "three"], ["One", "Two", "three"], ["one", "two", "three"] },
        { "Cafe\u0301 NAI\u0308VE", ["Cafe\u0301", "NAI\u0308VE"], ["Cafe\u0301", "NAI\u0308VE"], ["cafe\u0301", "nai\u0308ve"] },
        { "v2.0, 100% 3rd", ["v2.0,", "100%", "3rd"], ["v2", ".", "0", ",", "100", "%", "3rd"], ["v2", "0", "100", "3rd"] },
        { "Don't—stop!!", ["Don't—stop!!"], ["Don", "'", "t", "—", "stop", "!!"], ["don't", "stop"] },
        { "It’s 'x'", ["It’s", "'x'"], ["It", "’", "s", "'", "x", "'"], ["it's", "x"] },
        { "a𝒳b 😀 𠀀", ["a𝒳b", "😀", "𠀀"], ["a", "𝒳", "b", "😀", "𠀀"], ["a𝒳b", "𠀀"] },
        { "a\u00A0b\u2003c", ["a\u00A0b\u2003c"], ["a", "b", "c"], ["a", "b", "c"] },
        { "ΣΑΣ Ελλάδα ÉCOLE", ["ΣΑΣ", "Ελλάδα", "ÉCOLE"], ["ΣΑΣ", "Ελλάδα", "ÉCOLE"], ["σασ", "ελλάδα", "école"] },
    };

    public static TheoryData<string> TrickyTexts => [.. Tricky.Select(row => (string)row[0])];

    [Theory]
    [MemberData(nameof(Tricky))]
    public void Every_mode_on_the_same_tricky_inputs(string text, string[] whitespace, string[] regex, string[] lowerCase)
    {
        Assert.Equal(whitespace, WordTokenizer.Split(text, Ws));
        Assert.Equal(regex, WordTokenizer.Split(text, Rx));
        Assert.Equal(lowerCase, WordTokenizer.Split(text, Lc));
        Assert.Equal(whitespace, WordTokenizer.Split(text)); // fastText's rule is the default
    }

    [Theory]
    [MemberData(nameof(Tricky))]
    public void The_span_list_and_tokenizer_forms_agree_with_the_string_form(string text, string[] whitespace, string[] regex, string[] lowerCase)
    {
        foreach (var (mode, expected) in new[] { (Ws, whitespace), (Rx, regex), (Lc, lowerCase) })
        {
            AssertFormsAgree(text, mode, expected);
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void The_forms_agree_on_random_text(WordSplitting mode)
    {
        var g = new Generator(13UL);
        for (var n = 0; n < 500; n++)
        {
            var text = n % 2 == 0 ? FuzzText.RandomValidText(g, 40) : FuzzText.RandomUtf16(g, 40);
            var words = WordTokenizer.Split(text, mode);
            if (Reference(text, mode) is { } reference)
            {
                Assert.Equal(reference, words);
            }

            AssertFormsAgree(text, mode, words);
        }
    }

    /// <summary>The words by a plain reading of the rule, where one exists: string.Split at fastText's separators, and
    /// the regex's non-empty matches over the string.</summary>
    private static List<string>? Reference(string text, WordSplitting mode) => mode switch
    {
        Ws => [.. text.Split([' ', '\n', '\r', '\t', '\v', '\f', '\0'], StringSplitOptions.RemoveEmptyEntries)],
        Rx => [.. WordTokenizer.DefaultPattern().Matches(text).Where(m => m.Length > 0).Select(m => m.Value)],
        _ => null,
    };

    [Fact]
    public void FastText_separates_words_at_seven_ASCII_characters_only()
    {
        for (var c = char.MinValue; c < char.MaxValue; c++)
        {
            Assert.Equal(c is ' ' or '\n' or '\r' or '\t' or '\v' or '\f' or '\0', WordTokenizer.IsFastTextSpace(c));
        }
    }

    [Fact]
    public void The_byte_stream_reader_follows_fastText_whitespace_and_end_of_sentence_rules()
    {
        var text = "a b\n\nc\td\v\fe\r\0f \n g"u8.ToArray();
        var reader = new WhitespaceTokenReader(new MemoryStream(text), bufferSize: 3);
        var tokens = new List<string>();
        while (reader.ReadToken(out var t))
        {
            tokens.Add(Encoding.UTF8.GetString(t));
        }

        Assert.Equal(["a", "b", "</s>", "</s>", "c", "d", "e", "f", "</s>", "g"], tokens);
        Assert.True(reader.AtEnd);
    }

    [Theory]
    [MemberData(nameof(TrickyTexts))]
    public void The_byte_stream_reader_agrees_with_the_whitespace_mode(string text) =>
        Assert.Equal(ExpectedStreamTokens(text), ReadStream(text, 3));

    [Fact]
    public void The_byte_stream_reader_agrees_with_the_whitespace_mode_on_random_text()
    {
        var g = new Generator(31UL);
        for (var n = 0; n < 500; n++)
        {
            var text = FuzzText.RandomValidText(g, 60); // valid UTF-16, so its UTF-8 decodes back to the same words
            Assert.Equal(ExpectedStreamTokens(text), ReadStream(text, 1 + (int)(g.Random() % 7)));
        }
    }

    [Fact]
    public void A_lower_case_tokenizer_looks_up_lower_case_words_and_keeps_the_spans_of_the_text()
    {
        var vocabulary = WordTokenizer.BuildVocabulary(["Don't stop, DON'T", "stop’s"], Lc);
        Assert.Equal([Vocabulary.Pad, Vocabulary.Unk, "don't", "stop", "stop's"], vocabulary.Tokens);
        var tokenizer = new WordTokenizer(vocabulary, Lc);
        var e = tokenizer.Encode("'DON’T' Stop now");
        Assert.Equal(["don't", "stop", Vocabulary.Unk], e.Tokens);
        Assert.Equal([new TokenSpan(1, 5), new TokenSpan(8, 4), new TokenSpan(13, 3)], e.Spans);
        Assert.Equal("don't stop <unk>", tokenizer.Decode(e.Ids));
    }

    [Fact]
    public void A_value_outside_the_enum_is_rejected()
    {
        var bad = (WordSplitting)42;
        Assert.Throws<ArgumentOutOfRangeException>(() => WordTokenizer.Split("a b", bad));
        Assert.Throws<ArgumentOutOfRangeException>(() => WordTokenizer.ToWord("a", bad));
        Assert.Throws<ArgumentOutOfRangeException>(() => WordTokenizer.BuildVocabulary(["a"], bad));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WordTokenizer(new Vocabulary([Vocabulary.Unk]), bad));
        Assert.Throws<ArgumentException>(() => WordTokenizer.ToWord("abc", new char[2], Lc));
    }

    /// <summary>Ranges (<see cref="WordTokenizer.EnumerateSpans"/>) with <see cref="WordTokenizer.ToWord(ReadOnlySpan{char}, WordSplitting)"/>
    /// and its span form, the list form, and a tokenizer's spans and tokens all give <paramref name="expected"/>.</summary>
    private static void AssertFormsAgree(string text, WordSplitting mode, IReadOnlyList<string> expected)
    {
        var ranges = new List<Range>();
        var words = new List<string>();
        var written = new List<string>();
        var buffer = new char[text.Length];
        foreach (var r in WordTokenizer.EnumerateSpans(text, mode))
        {
            ranges.Add(r);
            words.Add(WordTokenizer.ToWord(text.AsSpan()[r], mode));
            written.Add(new string(buffer, 0, WordTokenizer.ToWord(text.AsSpan()[r], buffer, mode)));
        }

        Assert.Equal(expected, words);
        Assert.Equal(expected, written);
        var appended = new List<string> { "before" };
        Assert.Equal(expected.Count, WordTokenizer.Split(text.AsSpan(), appended, mode));
        Assert.Equal(["before", .. expected], appended);

        var tokenizer = new WordTokenizer(Vocabulary.Build(expected), mode);
        var spans = tokenizer.SplitSpans(text);
        Assert.Equal(ranges.Select(r => new TokenSpan(r.Start.Value, r.End.Value - r.Start.Value)), spans);
        var encoding = tokenizer.Encode(text);
        Assert.Equal(expected, encoding.Tokens);
        Assert.Equal(spans, encoding.Spans);
    }

    /// <summary>What fastText's reader gives for <paramref name="text"/>: each line's whitespace-mode words, and
    /// <c>&lt;/s&gt;</c> for each newline.</summary>
    private static List<string> ExpectedStreamTokens(string text)
    {
        var lines = text.Split('\n');
        var tokens = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            tokens.AddRange(WordTokenizer.Split(lines[i], Ws));
            if (i < lines.Length - 1)
            {
                tokens.Add("</s>");
            }
        }

        return tokens;
    }

    private static List<string> ReadStream(string text, int bufferSize)
    {
        var reader = new WhitespaceTokenReader(new MemoryStream(Encoding.UTF8.GetBytes(text)), bufferSize);
        var tokens = new List<string>();
        while (reader.ReadToken(out var t))
        {
            tokens.Add(Encoding.UTF8.GetString(t));
        }

        return tokens;
    }
}
