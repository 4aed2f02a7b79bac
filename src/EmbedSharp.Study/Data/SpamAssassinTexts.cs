using EmbedSharp.FastText;
using EmbedSharp.Randomness;

namespace EmbedSharp.Study.Data;

/// <summary>
/// The SpamAssassin corpus as classification examples: each raw mail through <see cref="MailText.ToClassifierText"/>,
/// label 0 = ham, 1 = spam (<see cref="MailLabel"/>), and the seeded stratified split every tool shares.
/// </summary>
public static class SpamAssassinTexts
{
    /// <summary>The label names, index = <see cref="MailLabel"/> value.</summary>
    public static IReadOnlyList<string> LabelNames { get; } = ["ham", "spam"];

    /// <summary>Every mail of <paramref name="corpus"/> as a <see cref="LabeledText"/>, in corpus order.</summary>
    public static List<LabeledText> Read(SpamAssassinCorpus corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        return [.. corpus.ReadMails().Select(m => new LabeledText(MailText.ToClassifierText(m.Text), (int)m.Label))];
    }

    /// <summary>The mails split with <see cref="DataSplit.Stratified{T, TLabel}"/> by label (e.g. 0.2 and <c>new Generator(0)</c>).</summary>
    public static DataSplit<LabeledText> Split(SpamAssassinCorpus corpus, double testFraction, Generator generator) =>
        DataSplit.Stratified(Read(corpus), e => e.Label, testFraction, generator);
}
