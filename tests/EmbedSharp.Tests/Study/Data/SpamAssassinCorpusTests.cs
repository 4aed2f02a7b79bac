using System.Text;
using EmbedSharp.Study.Data;

namespace EmbedSharp.Tests.Study.Data;

public sealed class SpamAssassinCorpusTests
{
    private static readonly string Sample = Path.Combine(AppContext.BaseDirectory, "data", "datasets", "spam-assassin");

    [Fact]
    public void Entries_follow_the_file_list_with_fine_groups_and_binary_labels()
    {
        var corpus = SpamAssassinCorpus.Open(Sample);

        Assert.Equal(4, corpus.Count);
        Assert.Equal([SpamGroup.EasyHam1, SpamGroup.HardHam1, SpamGroup.Spam1, SpamGroup.Spam2], corpus.Entries.Select(e => e.Group));
        Assert.Equal([MailLabel.Ham, MailLabel.Ham, MailLabel.Spam, MailLabel.Spam], corpus.Entries.Select(e => e.Label));
        Assert.Equal(["00001", "00002", "00003", "00004"], corpus.Entries.Select(e => e.Id));
        Assert.Equal("e51f3bb6ffc96cd39b7d4e838d4f5e49", corpus.Entries[0].NameChecksum);
        Assert.All(corpus.Entries, e => Assert.True(File.Exists(e.Path)));
        Assert.Equal("hard-ham-1", SpamAssassinCorpus.FolderOf(SpamGroup.HardHam1));
        Assert.Equal(0, (int)MailLabel.Ham);
        Assert.Equal(1, (int)MailLabel.Spam);
    }

    [Fact]
    public void Utf8_mails_decode_as_utf8_and_keep_their_raw_bytes()
    {
        var corpus = SpamAssassinCorpus.Open(Sample);

        var mail = corpus.Read(corpus.Entries[1]);

        Assert.True(mail.IsValidUtf8);
        Assert.Contains("Subject: Your weekly newsletter — café", mail.Text, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(corpus.Entries[1].Path), mail.Raw.ToArray());
        Assert.Equal(MailLabel.Ham, mail.Label);
        Assert.Equal(SpamGroup.HardHam1, mail.Group);
    }

    [Fact]
    public void Latin1_mails_fall_back_to_latin1_losslessly_or_to_replacement_characters_on_request()
    {
        var corpus = SpamAssassinCorpus.Open(Sample);
        var entry = corpus.Entries[2];

        var latin = corpus.Read(entry);
        var replaced = corpus.Read(entry, MailDecoding.Utf8WithReplacement);

        Assert.False(latin.IsValidUtf8);
        Assert.Contains("Subject: Gagnez un prix à l'été!\r\n", latin.Text, StringComparison.Ordinal);
        Assert.Equal(latin.Raw.ToArray(), Encoding.Latin1.GetBytes(latin.Text));
        Assert.Contains("Gagnez un prix \uFFFD l'\uFFFDt\uFFFD!", replaced.Text, StringComparison.Ordinal);
        // The package's own JSON twin holds the replacement decoding.
        var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.ChangeExtension(entry.Path, ".json")));
        Assert.Equal(json.RootElement.GetProperty("text").GetString(), replaced.Text);
    }

    [Fact]
    public void Read_mails_streams_every_message_in_list_order()
    {
        var corpus = SpamAssassinCorpus.Open(Sample);

        var mails = corpus.ReadMails().ToList();

        Assert.Equal(corpus.Entries, mails.Select(m => m.Entry));
        Assert.Equal([true, true, false, true], mails.Select(m => m.IsValidUtf8));
        Assert.StartsWith("From deals@example.biz", mails[3].Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[\"../../etc/passwd\"]", "is not '<group>/<id>.<md5>.txt'")]
    [InlineData("[\"easy-ham-1/../../x/00001.e51f3bb6ffc96cd39b7d4e838d4f5e49.txt\"]", "is not '<group>/<id>.<md5>.txt'")]
    [InlineData("[\"ham-3/00001.e51f3bb6ffc96cd39b7d4e838d4f5e49.txt\"]", "unknown group 'ham-3'")]
    [InlineData("[null]", "Entry 0 of the file list")]
    [InlineData("{\"a\":1}", "not a JSON array of strings")]
    [InlineData("null", "file list is null")]
    public void Bad_file_lists_are_refused(string list, string expected)
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(temp.Path, "data"));
        File.WriteAllText(Path.Combine(temp.Path, "data", "file_list.json"), list);

        var e = Assert.Throws<DatasetFormatException>(() => SpamAssassinCorpus.Open(temp.Path));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("file_list.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_list_or_an_unknown_decoding_is_refused()
    {
        using var temp = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => SpamAssassinCorpus.Open(temp.Path));
        var corpus = SpamAssassinCorpus.Open(Sample);
        Assert.Throws<ArgumentOutOfRangeException>(() => corpus.ReadMails((MailDecoding)7));
        Assert.Throws<ArgumentOutOfRangeException>(() => SpamAssassinCorpus.Decode([0x41], (MailDecoding)7, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => SpamAssassinCorpus.LabelOf((SpamGroup)9));
    }
}
