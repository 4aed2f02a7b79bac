using EmbedSharp.Study.Data;
using WordVectorSet = EmbedSharp.Vectors.WordVectors;

namespace EmbedSharp.Study;

/// <summary>
/// The initialisation study end to end, as <c>embedsharp study init</c> and <c>embedsharp demo</c> run it, in two steps
/// so that a front end can show preparation and training differently: <see cref="Prepare"/> reads the pretrained
/// vectors file first (a bad file fails before anything is fetched or trained), then fetches SpamAssassin into the
/// cache, builds the corpus and, when a pretrained scheme is selected without a vectors file, trains the SOTU
/// skip-gram vectors; <see cref="Run"/> trains every (scheme, seed) and writes the results. Nothing is printed: every
/// step is reported as a <see cref="StudyProgressKind.Preparing"/> message through the progress sink.
/// </summary>
public sealed class InitStudyRunner
{
    private InitStudyRunner(InitStudy study, StudyCorpus corpus, WordVectorSet? vectors, string? vectorsDescription)
    {
        Study = study;
        Corpus = corpus;
        Vectors = vectors;
        VectorsDescription = vectorsDescription;
    }

    /// <summary>The study (options validated).</summary>
    public InitStudy Study { get; }

    /// <summary>The corpus the runs train and test on.</summary>
    public StudyCorpus Corpus { get; }

    /// <summary>The pretrained vectors (the file's, or the SOTU vectors trained here); null when no scheme needs them.</summary>
    public WordVectorSet? Vectors { get; }

    /// <summary>Where <see cref="Vectors"/> came from, for the results (null without vectors).</summary>
    public string? VectorsDescription { get; }

    /// <summary>
    /// Validates <paramref name="options"/>, reads the vectors file, fetches the data and trains the SOTU vectors if
    /// needed, reporting each step (data fetch messages, <c>Data: …</c>, vector training) as a
    /// <see cref="StudyProgressKind.Preparing"/> message.
    /// </summary>
    /// <param name="options">The study's options.</param>
    /// <param name="cache">The dataset cache; null uses the default (<see cref="DatasetCache.DefaultRoot"/>), created only after the vectors file was read.</param>
    /// <param name="progress">Receives the preparation messages, on the calling thread.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="Vectors.Formats.VectorFormatException">The vectors file is not one the readers accept.</exception>
    /// <exception cref="DatasetException">The data could not be fetched or read.</exception>
    public static InitStudyRunner Prepare(InitStudyOptions options, DatasetCache? cache = null, IProgress<StudyProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var study = new InitStudy(options); // validates
        var vectors = study.ReadVectorsFile(); // the reader's error, before any fetching or training
        var description = vectors is null ? null : FormattableString.Invariant($"{options.VectorsPath} ({vectors.Count:N0} words × {vectors.Dimension})");
        var store = cache ?? new DatasetCache();
        var messages = new MessageProgress(progress);
        cancellationToken.ThrowIfCancellationRequested();
        var spam = SpamAssassinCorpus.Fetch(store, messages);
        var corpus = StudyCorpus.FromSpamAssassin(spam, options, cancellationToken);
        messages.Report($"Data: {corpus.Name}");
        if (study.NeedsVectors && vectors is null)
        {
            (vectors, description) = study.TrainSotuVectors(() => SotuCorpus.Fetch(store, messages), progress, cancellationToken);
        }

        return new InitStudyRunner(study, corpus, vectors, description);
    }

    /// <summary>Runs every (scheme, seed) of the prepared study (<see cref="InitStudy.Run"/>: resumes from finished run
    /// files) and writes results.json, results.csv and report.html.</summary>
    public StudyResults Run(IProgress<StudyProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Study.Run(Corpus, Vectors, VectorsDescription, progress, cancellationToken);

    /// <summary>Where <see cref="Run"/> writes the report.</summary>
    public string ReportPath => Study.ReportPath;

    /// <summary>Passes a text message on as a <see cref="StudyProgressKind.Preparing"/> report, on the calling thread.</summary>
    private sealed class MessageProgress(IProgress<StudyProgress>? progress) : IProgress<string>
    {
        public void Report(string value) => progress?.Report(new StudyProgress(StudyProgressKind.Preparing, -1, 0, "", 0, 0, value));
    }
}
