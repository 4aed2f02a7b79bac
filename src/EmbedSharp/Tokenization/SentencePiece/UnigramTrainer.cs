using System.Globalization;

namespace EmbedSharp.Tokenization.SentencePiece;

/// <summary>
/// Trains a SentencePiece unigram model, following <c>spm_train --model_type=unigram</c> (Kudo 2018, SentencePiece's
/// <c>unigram_model_trainer.cc</c>):
/// <list type="number">
/// <item>Each line is normalised (identity rules, extra spaces removed, a dummy prefix space, spaces as <c>▁</c>);
/// empty lines are dropped. With <see cref="UnigramTrainerOptions.SplitByWhitespace"/> the lines are cut into words
/// that start at <c>▁</c> and EM runs over the distinct words with their counts.</item>
/// <item>Required characters: the most frequent characters until <see cref="UnigramTrainerOptions.CharacterCoverage"/>
/// of all character occurrences is covered (<c>--character_coverage</c>); the others become unknown.</item>
/// <item>Seed pieces (<c>--seed_sentencepiece_size</c>): every required character, scored by its count, then the
/// substrings of 2 to <see cref="UnigramTrainerOptions.MaxPieceLength"/> characters with the highest count × length.
/// spm_train takes the internal nodes of a suffix array over the corpus, that is the substrings seen at least twice
/// that are followed by two different characters; this trainer gets the same set from a bounded hash count of the
/// substrings inside each distinct word (or line) instead, keeping a substring when two of its occurrences are
/// followed by different characters (the end of a word counts as <c>▁</c>, the end of a line as a separate boundary).
/// A substring must be a valid piece: no unknown character, no tab, <c>▁</c> only first, one Unicode script (see
/// <see cref="UnigramTrainerOptions.SplitByUnicodeScript"/>; scripts are approximated from Unicode blocks, exact for
/// Latin, Greek, Cyrillic, Hebrew, Arabic, Han/kana, Hangul and the Common punctuation, digits and symbols), and not
/// the text of a special piece. The count table holds at most max(2 × seed size, 2²⁰) substrings: when it is full,
/// the rarer half is dropped (a substring seen again later counts from zero), so memory stays bounded on a large
/// corpus and the seeds are exactly spm_train's only while the table does not fill. Seed scores are log(value / sum).</item>
/// <item>EM (<c>--num_sub_iterations</c> rounds between prunings): the E step sums, over every word, the expected count
/// of each piece under the current model (forward-backward over the lattice of pieces; a position no one-character
/// piece covers gets an unknown node scored min score − 10, as SentencePiece); the M step drops pieces expected less
/// than 0.5 times and scores the rest with the Bayesian (Dirichlet-process) update digamma(count) − digamma(total),
/// as spm_train.</item>
/// <item>Pruning (<c>--shrinking_factor</c>): for each piece, the best segmentation of its own text without it; a
/// piece whose own best segmentation is already split, or that no Viterbi path uses, is dropped; the others are
/// ranked by the loss of likelihood when their uses are replaced by that alternative segmentation, and the
/// shrinking factor × size pieces with the largest loss are kept (never fewer than 1.1 × vocab size). EM and pruning
/// repeat until at most 1.1 × <see cref="UnigramTrainerOptions.VocabSize"/> pieces remain.</item>
/// <item>Final vocabulary: the required characters (a character EM dropped gets min score + 0.0001 × rank), then the
/// best-scored pieces until the vocabulary size is reached, sorted by score (then piece, in code-point order),
/// after <c>&lt;unk&gt;</c> = 0, <c>&lt;s&gt;</c> = 1, <c>&lt;/s&gt;</c> = 2 and, with byte fallback, the 256 byte
/// pieces. Scores are the log probabilities of the last M step.</item>
/// </list>
/// Deterministic: the result depends only on the lines and the options (every tie is broken by count, then ordinal
/// order). Single-threaded; no global state, so separate calls may run in parallel. Memory: the distinct words (or
/// lines with <c>SplitByWhitespace = false</c>) and the bounded substring table. Cancellable between steps.
/// Differences from spm_train 0.1.97 besides the seed count above: lines are never sampled or skipped for length
/// (<c>--input_sentence_size</c>, <c>--max_sentence_length</c>), lines holding U+2585 are kept, and the arithmetic is
/// in double precision, so the vocabulary is close to spm_train's but not identical (docs/tokenizers.md has the
/// measured overlap).
/// </summary>
public static partial class UnigramTrainer
{
    /// <summary>The specials every trained model starts with, in id order.</summary>
    private static readonly SentencePieceEntry[] Specials =
    [
        new("<unk>", 0, SentencePieceType.Unknown),
        new("<s>", 0, SentencePieceType.Control),
        new("</s>", 0, SentencePieceType.Control),
    ];

    private const char Whitespace = '\u2581';
    private const int MaxVocabSize = 1 << 24;

    /// <summary>
    /// Trains a unigram model on <paramref name="lines"/> (each line one sentence, as <c>spm_train --input</c> reads
    /// a file) and returns it as a tokenizer; <c>tokenizer.Model.Save(path)</c> writes a <c>.model</c> file that
    /// <c>spm_encode</c> reads. The vocabulary has exactly <see cref="UnigramTrainerOptions.VocabSize"/> pieces.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside the range its documentation gives (the
    /// message names it).</exception>
    /// <exception cref="ArgumentException">A line is null, the corpus holds no text, or it cannot fill the vocabulary
    /// (too few distinct pieces, or more required characters than the vocabulary size allows).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static SentencePieceTokenizer Train(IEnumerable<string> lines, UnigramTrainerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        Validate(options);
        var metaCount = Specials.Length + (options.ByteFallback ? 256 : 0);
        if (options.VocabSize <= metaCount)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.VocabSize, Invariant($"VocabSize must exceed the {metaCount} special pieces{(options.ByteFallback ? " (3 specials and 256 byte pieces)" : "")}; got {options.VocabSize}."));
        }

        var corpus = TrainingCorpus.Load(lines, options, metaCount, cancellationToken);
        var seeds = SeedPieces(corpus, options, MetaTexts(options), cancellationToken);
        var room = options.VocabSize - metaCount;
        if (seeds.Count < room)
        {
            throw new ArgumentException(Invariant($"The corpus yields only {seeds.Count} candidate pieces, fewer than the {room} the vocabulary needs besides its {metaCount} special pieces; lower VocabSize to at most {seeds.Count + metaCount} or train on more text."), nameof(lines));
        }

        var model = new PieceModel(corpus, seeds);
        var desired = (int)(options.VocabSize * 1.1);
        while (true)
        {
            for (var i = 0; i < options.NumSubIterations; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var expected = model.ExpectedCounts(cancellationToken);
                model.Reestimate(expected);
            }

            if (model.Count <= desired)
            {
                break;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var before = model.Count;
            model.Prune(Math.Max(desired, (int)(options.ShrinkingFactor * model.Count)), cancellationToken);
            if (model.Count >= before)
            {
                break;   // nothing left that pruning may remove; spm_train would loop forever here
            }
        }

        var final = Finalize(corpus, model, room);
        if (final.Count < room)
        {
            throw new ArgumentException(Invariant($"The corpus yields only {final.Count} pieces after EM, fewer than the {room} the vocabulary needs besides its {metaCount} special pieces; lower VocabSize to at most {final.Count + metaCount} or train on more text."), nameof(lines));
        }

        var pieces = new List<SentencePieceEntry>(options.VocabSize);
        pieces.AddRange(Specials);
        if (options.ByteFallback)
        {
            for (var b = 0; b < 256; b++)
            {
                pieces.Add(new SentencePieceEntry(BytePiece(b), 0, SentencePieceType.Byte));
            }
        }

        foreach (var (piece, score) in final)
        {
            pieces.Add(new SentencePieceEntry(piece, (float)score, SentencePieceType.Normal));
        }

        var trainerSpec = new SentencePieceTrainerSpec
        {
            Algorithm = SentencePieceAlgorithm.Unigram,
            VocabSize = options.VocabSize,
            ByteFallback = options.ByteFallback,
            UnkId = 0,
            BosId = 1,
            EosId = 2,
            PadId = -1,
        };
        return SentencePieceTokenizer.FromModel(new SentencePieceModel(pieces, trainerSpec, NormalizerSpec));
    }

    /// <summary>The normaliser of every trained model: identity, extra spaces removed, dummy prefix, <c>▁</c>.</summary>
    internal static SentencePieceNormalizerSpec NormalizerSpec { get; } = new()
    {
        Name = UnigramTrainerOptions.IdentityNormalization,
        AddDummyPrefix = true,
        RemoveExtraWhitespaces = true,
        EscapeWhitespaces = true,
    };

    private static void Validate(UnigramTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Check(options.VocabSize, 4, MaxVocabSize, nameof(options.VocabSize));
        Check(options.MaxPieceLength, 1, 512, nameof(options.MaxPieceLength));
        Check(options.NumSubIterations, 1, 10, nameof(options.NumSubIterations));
        Check(options.SeedSentencePieceSize, 1, 10_000_000, nameof(options.SeedSentencePieceSize));
        if (!(options.CharacterCoverage is >= 0.98 and <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.CharacterCoverage, Invariant($"CharacterCoverage must be from 0.98 to 1 (spm_train's --character_coverage range); got {options.CharacterCoverage}."));
        }

        if (!(options.ShrinkingFactor is >= 0.5 and <= 0.95))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ShrinkingFactor, Invariant($"ShrinkingFactor must be from 0.5 to 0.95 (spm_train's --shrinking_factor range); got {options.ShrinkingFactor}."));
        }

        if (options.NormalizationRuleName != UnigramTrainerOptions.IdentityNormalization)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.NormalizationRuleName, $"NormalizationRuleName must be \"identity\" (the only normaliser this trainer builds); got \"{options.NormalizationRuleName}\".");
        }

        static void Check(int value, int least, int most, string name)
        {
            if (value < least || value > most)
            {
                throw new ArgumentOutOfRangeException(nameof(options), value, Invariant($"{name} must be from {least:N0} to {most:N0}; got {value:N0}."));
            }
        }
    }

    /// <summary>The texts of the special pieces, which a trained piece must not repeat.</summary>
    private static HashSet<string> MetaTexts(UnigramTrainerOptions options)
    {
        var texts = new HashSet<string>(Specials.Select(s => s.Piece), StringComparer.Ordinal);
        if (options.ByteFallback)
        {
            for (var b = 0; b < 256; b++)
            {
                texts.Add(BytePiece(b));
            }
        }

        return texts;
    }

    private static string BytePiece(int b) => string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>");

    /// <summary>The final pieces (text, score), best first: spm_train's FinalizeSentencePieces.</summary>
    private static List<(string Piece, double Score)> Finalize(TrainingCorpus corpus, PieceModel model, int room)
    {
        var chosen = new Dictionary<string, double>(room, StringComparer.Ordinal);
        var penalty = 0.0;
        for (var id = 0; id < corpus.CharCount; id++)
        {
            var key = TrainingCorpus.CharKey(id);
            if (model.TryGetScore(key, out var score))
            {
                chosen[key] = score;
            }
            else
            {
                chosen[key] = model.MinScore + penalty;   // frequent characters get the smaller penalties
                penalty += 0.0001;
            }
        }

        var order = Enumerable.Range(0, model.Count)
            .Select(i => (Key: model.Key(i), Text: corpus.Decode(model.Key(i)), Score: model.Score(i)))
            .OrderByDescending(p => p.Score)
            .ThenBy(p => p.Text, CodePointComparer.Instance);
        foreach (var (key, _, score) in order)
        {
            if (chosen.Count >= room)
            {
                break;
            }

            chosen.TryAdd(key, score);
        }

        return [.. chosen
            .Select(kv => (Piece: corpus.Decode(kv.Key), Score: kv.Value))
            .OrderByDescending(p => p.Score)
            .ThenBy(p => p.Piece, CodePointComparer.Instance)];
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>Orders strings by Unicode code point (as UTF-8 bytes compare, which is how SentencePiece breaks
    /// ties), not by UTF-16 unit.</summary>
    internal sealed class CodePointComparer : IComparer<string>
    {
        public static readonly CodePointComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            if (x is null || y is null)
            {
                return x is null ? (y is null ? 0 : -1) : 1;
            }

            var n = Math.Min(x.Length, y.Length);
            for (var i = 0; i < n; i++)
            {
                if (x[i] != y[i])
                {
                    return Fix(x[i]).CompareTo(Fix(y[i]));
                }
            }

            return x.Length.CompareTo(y.Length);

            // Surrogates (supplementary code points) sort after U+E000..U+FFFF.
            static int Fix(char c) => c >= 0xD800 ? (c >= 0xE000 ? c - 0x800 : c + 0x2000) : c;
        }
    }
}
