using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using EmbedSharp.FastText;
using EmbedSharp.Numerics;
using EmbedSharp.Study.Data;
using EmbedSharp.Tokenization.Bpe;
using EmbedSharp.Tokenization.Character;
using EmbedSharp.Tokenization.SentencePiece;
using EmbedSharp.Vectors.Alignment;

namespace EmbedSharp.Study.Claims;

/// <summary>Options of the claims study (<c>embedsharp demo</c>, <c>embedsharp study</c>).</summary>
public sealed record ClaimsStudyOptions
{
    /// <summary>Quick (what <c>demo</c> runs) or full (publication settings).</summary>
    public StudyPreset Preset { get; init; } = StudyPreset.Quick;

    /// <summary>Where run files, results.json and report.html go; a rerun resumes from the finished runs.</summary>
    public string OutputDirectory { get; init; } = "demo-study";

    /// <summary>Runs trained at the same time (default: the core count, at most 2 — each run is single-threaded).</summary>
    public int Parallelism { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 2);

    /// <summary>The language-model budget (default from the preset).</summary>
    public LmStudySettings? Lm { get; init; }

    /// <summary>The LM budget in effect.</summary>
    public LmStudySettings LmSettings => Lm ?? (Preset == StudyPreset.Full ? LmStudySettings.Full : LmStudySettings.Quick);

    /// <summary>Where <see cref="ClaimsStudy.Run"/> writes the report.</summary>
    public string ReportPath => Path.GetFullPath(Path.Combine(OutputDirectory, "report.html"));
}

/// <summary>
/// The study behind <c>embedsharp demo</c>: four questions the tutorials answer by assertion, each put to an experiment
/// with several seeds and answered with a recommendation whose uncertainty is stated (95 % intervals over seeds; a
/// difference whose interval holds 0 is a tie). 1. Which initialisation of the token table (a small Transformer LM on
/// SOTU, and Moby Dick in the full preset; the classifier as the contrast where it cannot matter)? 2. Which positional
/// encoding? 3. Which tokenisation (bits per character)? 4. When do pretrained vectors help, and should they be frozen
/// (a learning curve on SpamAssassin)?
/// </summary>
public static class ClaimsStudy
{
    /// <summary>Prepares the data (fetching on first use), runs or resumes every experiment, and writes results.json and
    /// report.html (<see cref="ClaimsReport"/>) into the output directory. Every step is reported through <paramref name="progress"/>.</summary>
    /// <exception cref="DatasetException">A data set could not be fetched or read.</exception>
    public static ClaimsResults Run(ClaimsStudyOptions options, DatasetCache? cache = null, IProgress<StudyProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Parallelism, 1);
        var clock = Stopwatch.StartNew();
        var store = cache ?? new DatasetCache();
        var messages = new MessageProgress(progress);
        var lm = options.LmSettings;
        Directory.CreateDirectory(options.OutputDirectory);

        var sotu = SotuCorpus.Fetch(store, messages, cancellationToken);
        var sotuCorpus = LmCorpus.FromDocuments("sotu", "State of the Union addresses", [.. sotu.ReadSpeeches().Select(s => s.Text)], lm.MaxChars);
        messages.Report(sotuCorpus.Description);
        var experiments = new List<PreparedExperiment>();
        var results = new List<ExperimentResult>();
        var tokenizations = Tokenizations(sotuCorpus, lm, messages, cancellationToken);
        var bpe = tokenizations.First(t => t.Tokenizer == "bpe");
        experiments.Add(InitExperiment(sotuCorpus, bpe, lm, messages, cancellationToken));
        if (lm.SecondCorpus)
        {
            var moby = MobyDickCorpus.Fetch(store, messages, cancellationToken);
            var mobyCorpus = LmCorpus.FromDocuments("moby-dick", "Moby Dick", moby.Chapters, lm.MaxChars);
            messages.Report(mobyCorpus.Description);
            var mobyBpe = Tokenizations(mobyCorpus, lm, messages, cancellationToken, onlyBpe: true)[0];
            experiments.Add(InitExperiment(mobyCorpus, mobyBpe, lm, messages, cancellationToken));
        }

        experiments.Add(LmExperiments.Position(sotuCorpus, bpe, lm));
        experiments.Add(LmExperiments.Tokenization(sotuCorpus, tokenizations, lm));

        // The classifier: claim 1's contrast and claim 4's learning curve, with skip-gram word vectors trained on SOTU
        // (cached in the output directory) as the pretrained ones.
        var full = options.Preset == StudyPreset.Full;
        var classifierOptions = (full ? InitStudyOptions.Full(options.OutputDirectory) : InitStudyOptions.Quick(options.OutputDirectory)) with { Schemes = [EmbeddingInit.PretrainedFinetuned] };
        var spam = SpamAssassinCorpus.Fetch(store, messages, cancellationToken);
        var spamCorpus = StudyCorpus.FromSpamAssassin(spam, classifierOptions, cancellationToken);
        messages.Report($"Data: {spamCorpus.Name}");
        var (wordVectors, wordVectorsDescription) = new InitStudy(classifierOptions).TrainSotuVectors(() => sotu, progress, cancellationToken);
        using (wordVectors)
        {
            experiments.Add(ClassifierExperiments.InitContrast(spamCorpus, wordVectors, wordVectorsDescription, full ? ClassifierContrastSettings.Full : ClassifierContrastSettings.Quick));
            experiments.Add(ClassifierExperiments.LearningCurve(spamCorpus, wordVectors, wordVectorsDescription, full ? ClassifierCurveSettings.Full : ClassifierCurveSettings.Quick));

            foreach (var experiment in experiments)
            {
                messages.Report($"Experiment {experiment.Spec.Id}: {experiment.Spec.Arms.Count} arms × {experiment.Spec.Seeds.Count} seeds");
                results.Add(experiment.Run(options.OutputDirectory, options.Parallelism, progress, cancellationToken));
            }
        }

        var claims = new ClaimsResults
        {
            Preset = options.Preset,
            Machine = Machine(),
            WallSeconds = clock.Elapsed.TotalSeconds,
            Questions = ClaimsAnswers.Compose(results),
            Experiments = results,
        };
        ClaimsResults.Write(Path.Combine(options.OutputDirectory, "results.json"), claims);
        ClaimsReport.Write(options.ReportPath, claims);
        return claims;
    }

    /// <summary>Reads <c>results.json</c> of an earlier run in <paramref name="outputDirectory"/>, composes the answers
    /// again from its experiments and rewrites results.json and report.html: for a report made by a newer build from
    /// the same runs, without training anything.</summary>
    /// <exception cref="InvalidDataException">results.json is missing or not a claims results file (names the path).</exception>
    public static ClaimsResults WriteReport(string outputDirectory)
    {
        var path = Path.Combine(outputDirectory, "results.json");
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path}: not found; run the study first.");
        }

        var results = ClaimsResults.Read(path);
        results = results with { Questions = ClaimsAnswers.Compose(results.Experiments) };
        ClaimsResults.Write(path, results);
        ClaimsReport.Write(Path.GetFullPath(Path.Combine(outputDirectory, "report.html")), results);
        return results;
    }

    /// <summary>The machine, for the report: cores, OS, .NET.</summary>
    public static string Machine() =>
        $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}";

    private static List<LmTokens> Tokenizations(LmCorpus corpus, LmStudySettings lm, IProgress<string> messages, CancellationToken cancellationToken, bool onlyBpe = false)
    {
        var list = new List<LmTokens>();
        if (!onlyBpe)
        {
            messages.Report($"{corpus.Name}: character vocabulary");
            var chars = new CharacterTokenizer(CharacterTokenizer.BuildVocabulary(corpus.Train.Select(d => d + "\n")));
            list.Add(LmTokens.Encode("char", $"characters ({chars.VocabSize} symbols)", chars, chars.VocabSize, corpus, cancellationToken));
        }

        messages.Report($"{corpus.Name}: training byte-level BPE ({lm.SubwordVocab} tokens)");
        var bpe = BpeTrainer.Train(corpus.Train.SelectMany(d => d.Split('\n')), lm.SubwordVocab, cancellationToken: cancellationToken);
        list.Add(LmTokens.Encode("bpe", FormattableString.Invariant($"byte-level BPE, {bpe.VocabSize} tokens (GPT-2 pre-tokenizer)"), bpe, bpe.VocabSize, corpus, cancellationToken));
        if (!onlyBpe)
        {
            messages.Report($"{corpus.Name}: training a SentencePiece unigram model ({lm.SubwordVocab} pieces)");
            var unigram = UnigramTrainer.Train(corpus.Train.SelectMany(d => d.Split('\n')), new UnigramTrainerOptions { VocabSize = lm.SubwordVocab, CharacterCoverage = 1.0 }, cancellationToken);
            list.Add(LmTokens.Encode("unigram", FormattableString.Invariant($"SentencePiece unigram, {unigram.VocabSize} pieces (character coverage 1.0)"), unigram, unigram.VocabSize, corpus, cancellationToken));
        }
        return list;
    }

    private static PreparedExperiment InitExperiment(LmCorpus corpus, LmTokens tokens, LmStudySettings lm, IProgress<string> messages, CancellationToken cancellationToken)
    {
        var (table, description) = PretrainedTable(tokens, lm, messages, cancellationToken);
        return LmExperiments.Init(corpus, tokens, table, description, lm);
    }

    /// <summary>Skip-gram vectors trained on the training tokens (the BPE tokens as words, one document per line, one
    /// thread so that they are a function of the data), aligned to the vocabulary; tokens too rare to get a vector start
    /// from N(mean, std) of the trained values (the aligner's policy).</summary>
    private static (FloatTensor Table, string Description) PretrainedTable(LmTokens tokens, LmStudySettings lm, IProgress<string> messages, CancellationToken cancellationToken)
    {
        messages.Report(FormattableString.Invariant($"Training skip-gram vectors on the {tokens.Train.Length:N0} training tokens ({lm.DModel} dimensions, {lm.VectorEpochs} epoch{(lm.VectorEpochs == 1 ? "" : "s")})"));
        var text = new StringBuilder();
        var line = 0;
        foreach (var id in tokens.Train)
        {
            var s = tokens.TokenStrings[id];
            text.Append(s);
            // One line per ~1000 tokens: skip-gram's window never crosses a line, and fastText cuts longer lines anyway.
            text.Append(++line % 1000 == 0 ? '\n' : ' ');
        }

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text.ToString()));
        var trained = new WordVectorTrainer(InitStudy.SkipGramOptions(lm.DModel, lm.VectorEpochs, minCount: 1)).Train(stream, null, cancellationToken);
        using var vectors = trained.ToFastTextModel().ToWordVectors();
        var aligned = VocabularyAligner.Align(tokens.TokenStrings, vectors, LmExperiments.Stream(0, 13), new AlignmentOptions { PaddingToken = null });
        var description = FormattableString.Invariant(
            $"skip-gram ({lm.DModel} dimensions, window 5, 5 negatives, {lm.VectorEpochs} epoch{(lm.VectorEpochs == 1 ? "" : "s")}) trained by EmbedSharp on the same training tokens, covering {aligned.Report.TypeCoverage * 100:0.0} % of the vocabulary");
        return (aligned.Weights, description);
    }

    /// <summary>Passes a text message on as a <see cref="StudyProgressKind.Preparing"/> report.</summary>
    private sealed class MessageProgress(IProgress<StudyProgress>? progress) : IProgress<string>
    {
        public void Report(string value) => progress?.Report(new StudyProgress(StudyProgressKind.Preparing, -1, 0, "", 0, 0, value));
    }
}
