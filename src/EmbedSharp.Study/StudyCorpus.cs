using EmbedSharp.FastText;
using EmbedSharp.Randomness;
using EmbedSharp.Study.Data;
using EmbedSharp.Tokenization.Word;

namespace EmbedSharp.Study;

/// <summary>The labelled texts a study trains and tests on.</summary>
/// <param name="Name">A short description for the report (e.g. "SpamAssassin, 6,046 e-mails").</param>
/// <param name="LabelNames">Class names; <see cref="LabeledText.Label"/> indexes them.</param>
/// <param name="Examples">The examples (texts already prepared; the study splits them per seed).</param>
public sealed record StudyCorpus(string Name, IReadOnlyList<string> LabelNames, IReadOnlyList<LabeledText> Examples)
{
    /// <summary>Seed of the stratified subset taken when <see cref="InitStudyOptions.MaxDocuments"/> is set (fixed, so
    /// every seed and every run of the study sees the same e-mails).</summary>
    public const ulong SubsetSeed = 20_021;

    /// <summary>
    /// The SpamAssassin corpus as a study corpus: each mail through <see cref="MailText.ToClassifierText"/> (subject,
    /// sender domain, body without HTML), tokenised with <see cref="WordSplitting.LowerCaseAlphanumeric"/>, cut to the first
    /// <see cref="InitStudyOptions.MaxTokensPerDocument"/> words; labels as <see cref="SpamAssassinTexts.LabelNames"/> (ham 0, spam 1). With
    /// <see cref="InitStudyOptions.MaxDocuments"/> a stratified subset of that size is kept (seed <see cref="SubsetSeed"/>).
    /// </summary>
    public static StudyCorpus FromSpamAssassin(SpamAssassinCorpus corpus, InitStudyOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(options);
        var entries = corpus.Entries;
        if (options.MaxDocuments > 0 && options.MaxDocuments < entries.Count)
        {
            var split = DataSplit.Stratified(entries, e => e.Label, 1.0 - ((double)options.MaxDocuments / entries.Count), new Generator(SubsetSeed));
            entries = split.Train;
        }

        var examples = new List<LabeledText>(entries.Count);
        var tokens = new List<string>();
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var mail = corpus.Read(entry);
            tokens.Clear();
            WordTokenizer.Split(MailText.ToClassifierText(mail.Text), tokens, WordSplitting.LowerCaseAlphanumeric);
            var keep = options.MaxTokensPerDocument > 0 ? Math.Min(tokens.Count, options.MaxTokensPerDocument) : tokens.Count;
            examples.Add(new LabeledText(string.Join(' ', tokens.Take(keep)), (int)entry.Label));
        }

        var spam = examples.Count(e => e.Label == 1);
        var name = FormattableString.Invariant($"SpamAssassin, {examples.Count:N0} e-mails ({spam:N0} spam)");
        if (options.MaxTokensPerDocument > 0)
        {
            name += FormattableString.Invariant($", first {options.MaxTokensPerDocument} words each");
        }

        return new StudyCorpus(name, SpamAssassinTexts.LabelNames, examples);
    }
}
