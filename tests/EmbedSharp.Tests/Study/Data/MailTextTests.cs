using EmbedSharp.Study.Data;
using EmbedSharp.Tokenization.Word;

namespace EmbedSharp.Tests.Study.Data;

public sealed class MailTextTests
{
    private const string Mail =
        "From someone@example.com  Mon Aug 26 15:31:02 2002\r\n" +
        "Received: from mail.spamhost.net (1.2.3.4)\r\n" +
        "From: \"Big Deals\" <offers@Deals.Example.org>\r\n" +
        "Subject: Cheap meds,\r\n" +
        "\tno prescription\r\n" +
        "Message-Id: <abc@spamhost.net>\r\n" +
        "\r\n" +
        "<html><head><style>p { color: red }</style></head><body><!-- hidden --><p>Buy <b>now</b>!</p>\r\n" +
        "Subject: not a header</body></html>";

    [Fact]
    public void Keeps_subject_and_from_domain_and_drops_other_headers()
    {
        var text = MailText.ToClassifierText(Mail);
        var lines = text.Split('\n');
        Assert.Equal("Cheap meds, no prescription", lines[0]);
        Assert.Equal("Deals.Example.org", lines[1]);
        Assert.DoesNotContain("spamhost", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Received", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Mon Aug", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Body_loses_tags_comments_style_and_script_but_keeps_its_text()
    {
        var words = WordTokenizer.Split(MailText.ToClassifierText(Mail), WordSplitting.LowerCaseAlphanumeric);
        Assert.Equal(["cheap", "meds", "no", "prescription", "deals", "example", "org", "buy", "now", "subject", "not", "a", "header"], words);
        Assert.Equal("a   b", MailText.StripHtml("a <script type=x>var x = 1 < 2;</script> b"));
        Assert.Equal("1 < 2 and 3 > 2", MailText.StripHtml("1 < 2 and 3 > 2"));
    }

    [Fact]
    public void A_message_without_a_blank_line_is_all_headers()
    {
        Assert.Equal("hi\n\n", MailText.ToClassifierText("Subject: hi\nX-Foo: bar"));
        Assert.Equal("\n\nbody only", MailText.ToClassifierText("\nbody only"));
        Assert.Equal("", MailText.FromDomain("no address"));
    }
}
