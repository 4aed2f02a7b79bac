using System.Text;
using EmbedSharp.Study.Data;

namespace EmbedSharp.Tests.Study.Data;

public sealed class SotuCorpusTests
{
    private static readonly string Sample = Path.Combine(AppContext.BaseDirectory, "data", "datasets", "sotu");

    [Fact]
    public void Entries_come_from_the_file_names_in_year_order()
    {
        var corpus = SotuCorpus.Open(Sample);

        Assert.Equal(3, corpus.Count);
        Assert.Equal([1790, 1801, 2009], corpus.Entries.Select(e => e.Year));
        Assert.Equal(["George Washington", "Thomas Jefferson", "Barack Obama"], corpus.Entries.Select(e => e.President));
        Assert.Equal([SotuParty.None, SotuParty.DemocraticRepublican, SotuParty.Democratic], corpus.Entries.Select(e => e.Party));
    }

    [Fact]
    public void Speeches_are_read_one_record_at_a_time_with_their_metadata()
    {
        var corpus = SotuCorpus.Open(Sample);

        var speeches = corpus.ReadSpeeches().ToList();

        Assert.Equal(new SotuSpeech(1801, "Thomas Jefferson", SotuParty.DemocraticRepublican,
            "It is a circumstance of sincere gratification — peace with all nations, naïve hopes kept."), speeches[1]);
        Assert.Equal(speeches[2], corpus.Read(corpus.Entries[2]));
    }

    [Fact]
    public void Lines_split_at_line_breaks_trim_and_skip_blanks_and_tokens_split_at_whitespace()
    {
        var corpus = SotuCorpus.Open(Sample);

        var lines = corpus.ReadLines().ToList();
        var tokens = corpus.ReadTokens().ToList();

        Assert.Equal(4, lines.Count);
        Assert.Equal("Madam Speaker, Mr. Vice President.", lines[2]);
        Assert.Equal("I know that for many Americans\twatching right now, times are hard.", lines[3]);
        Assert.Equal(["Fellow-Citizens", "of", "the", "Senate:"], tokens.Take(4));
        Assert.Equal("affairs", tokens[12]); // the run of three spaces is one separator
        Assert.Equal("hard.", tokens[^1]);
        Assert.Equal(corpus.ReadSpeeches().Sum(s => s.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length), tokens.Count);
    }

    [Fact]
    public void Write_text_puts_one_line_per_line_of_each_speech_in_utf8_without_bom()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "sotu.txt");

        var written = SotuCorpus.Open(Sample).WriteText(path);

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(4, written);
        Assert.NotEqual(0xEF, bytes[0]);
        Assert.DoesNotContain((byte)'\r', bytes);
        var text = Encoding.UTF8.GetString(bytes);
        Assert.EndsWith("times are hard.\n", text, StringComparison.Ordinal);
        Assert.Equal(4, text.Count(c => c == '\n'));
        Assert.Contains("naïve", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("notes.json", "{}", "does not follow")]
    [InlineData("1800_john_adams_zz.json", "{}", "unknown party code 'zz'")]
    public void Bad_file_names_are_refused_when_opening(string fileName, string content, string expected)
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(temp.Path, "data"));
        File.WriteAllText(Path.Combine(temp.Path, "data", fileName), content);

        var e = Assert.Throws<DatasetFormatException>(() => SotuCorpus.Open(temp.Path));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains(fileName, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"year\":1800,\"name\":\"John Adams\",\"party\":\"Federalist\"", "not valid JSON")]
    [InlineData("{\"year\":1800,\"name\":\"John Adams\",\"party\":\"Federalist\"}", "not an object with")]
    [InlineData("[1800]", "not an object with")]
    [InlineData("{\"year\":\"1800\",\"name\":\"John Adams\",\"party\":\"Federalist\",\"text\":\"x\"}", "not an object with")]
    [InlineData("{\"year\":1800,\"name\":\"John Adams\",\"party\":\"Tory\",\"text\":\"x\"}", "unknown party 'Tory'")]
    [InlineData("{\"year\":1801,\"name\":\"John Adams\",\"party\":\"Federalist\",\"text\":\"x\"}", "says 1801, Federalist but its file name says 1800, Federalist")]
    public void Bad_records_are_refused_when_read(string content, string expected)
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(temp.Path, "data"));
        File.WriteAllText(Path.Combine(temp.Path, "data", "1800_john_adams_f.json"), content);
        var corpus = SotuCorpus.Open(temp.Path);

        var e = Assert.Throws<DatasetFormatException>(() => corpus.ReadSpeeches().ToList());

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("1800_john_adams_f.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_data_is_refused()
    {
        using var temp = new TempDirectory();
        var e = Assert.Throws<DirectoryNotFoundException>(() => SotuCorpus.Open(temp.Path));
        Assert.Contains(temp.Path, e.Message, StringComparison.Ordinal);
    }
}
