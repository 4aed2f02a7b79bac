using System.Text.RegularExpressions;
using EmbedSharp.Study.Data;
using EmbedSharp.Tests.Tokenization.SentencePiece;
using EmbedSharp.Tokenization.SentencePiece;

namespace EmbedSharp.Tests.Tokenization;

/// <summary>A fact that needs the cached SOTU corpus and <c>/usr/bin/spm_encode</c>.</summary>
public sealed class SotuSpmEncodeFactAttribute : FactAttribute
{
    public SotuSpmEncodeFactAttribute()
    {
        Skip = new SotuFactAttribute().Skip
            ?? (SpmEncode.Available ? null : "/usr/bin/spm_encode is missing (apt-get install sentencepiece); the comparison with SentencePiece is skipped.");
    }
}

/// <summary>
/// <see cref="UnigramTrainer"/> on real English text: the first State of the Union addresses (public domain, the
/// SOTU package the study already uses), cut into sentences as tools/goldens/make_sentencepiece.py cuts them.
/// tools/goldens/compare_unigram.py compares the trainer with spm_train on the whole corpus.
/// </summary>
public sealed partial class UnigramTrainerTests
{
    private static readonly Lazy<string[]> Sentences = new(() =>
    {
        var sentences = new List<string>();
        var chars = 0;
        foreach (var line in SotuCorpus.Fetch(new DatasetCache()).ReadLines())
        {
            foreach (var sentence in SentenceEnd().Split(line))
            {
                if (sentence.Length > 0 && chars < 60_000)
                {
                    sentences.Add(sentence);
                    chars += sentence.Length + 1;
                }
            }
        }

        return [.. sentences];
    });

    private static readonly UnigramTrainerOptions Options = new() { VocabSize = 600, CharacterCoverage = 1.0 };

    private static readonly Lazy<SentencePieceTokenizer> Trained = new(() => UnigramTrainer.Train(Sentences.Value, Options));

    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(" +")]
    private static partial Regex Spaces();

    [SotuFact]
    public void The_model_has_exactly_vocab_size_pieces_after_sentencepieces_specials()
    {
        var t = Trained.Value;
        Assert.Equal(600, t.VocabSize);
        Assert.Equal(600, t.Model.TrainerSpec.VocabSize);
        Assert.Equal(SentencePieceAlgorithm.Unigram, t.Algorithm);
        Assert.Equal((0, 1, 2, -1), (t.UnkId, t.BosId, t.EosId, t.PadId));
        Assert.Equal(["<unk>", "<s>", "</s>"], [t.IdToToken(0), t.IdToToken(1), t.IdToToken(2)]);
        Assert.Equal(SentencePieceType.Control, t.PieceType(1));
        Assert.Equal("identity", t.Model.NormalizerSpec.Name);
        for (var id = 3; id < t.VocabSize; id++)
        {
            Assert.Equal(SentencePieceType.Normal, t.PieceType(id));
            Assert.True(t.Score(id) < 0, $"piece {id} '{t.IdToToken(id)}' has the score {t.Score(id)}; scores are log probabilities");
            Assert.True(id == 3 || t.Score(id) <= t.Score(id - 1), "pieces are sorted by score, best first");
            var piece = t.IdToToken(id);
            Assert.True(piece.Length <= 2 * Options.MaxPieceLength && piece.IndexOf('\u2581', 1) < 0, $"'{piece}': ▁ only starts a piece");
        }

        // Coverage 1: every character of the corpus is a piece.
        foreach (var c in Sentences.Value.SelectMany(s => s.EnumerateRunes()).Where(r => r.Value != ' ').Distinct())
        {
            Assert.True(t.TokenToId(c.ToString()) >= 3, $"the character '{c}' is not a piece");
        }

        Assert.True(t.TokenToId("\u2581the") >= 3, "'▁the' should be learnt from English text");
    }

    [SotuFact]
    public void Every_training_line_round_trips_through_encode_and_decode()
    {
        var t = Trained.Value;
        foreach (var line in Sentences.Value)
        {
            var ids = t.Encode(line).Ids;
            Assert.DoesNotContain(t.UnkId, ids);
            Assert.Equal(Spaces().Replace(line, " ").Trim(' '), t.Decode(ids));   // remove_extra_whitespaces collapses spaces
        }
    }

    [SotuFact]
    public void Training_is_deterministic()
    {
        var again = UnigramTrainer.Train(Sentences.Value, Options);
        Assert.Equal(Trained.Value.Model.ToBytes(), again.Model.ToBytes());
    }

    [SotuFact]
    public void The_saved_model_parses_back_to_the_same_model()
    {
        var path = Path.Combine(Path.GetTempPath(), $"embedsharp-unigram-{Guid.NewGuid():N}.model");
        try
        {
            Trained.Value.Model.Save(path);
            SentencePieceModelWriterTests.AssertSameModel(Trained.Value.Model, SentencePieceTokenizer.Load(path).Model);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [SotuSpmEncodeFact]
    public void Spm_encode_gives_the_same_ids_on_the_saved_model()
    {
        // The training lines, later addresses (unseen text) and characters the model has never seen, with and without byte fallback.
        var unseen = SotuCorpus.Fetch(new DatasetCache()).ReadLines().Skip(150).Take(3).SelectMany(l => SentenceEnd().Split(l)).Where(s => s.Length > 0).Take(300);
        string[] lines = [.. Sentences.Value, .. unseen, "Zürich — 日本語 naïve ☃ 😀", "  spaced   out\ttab  "];
        var bytes = UnigramTrainer.Train(Sentences.Value, Options with { VocabSize = 900, ByteFallback = true, CharacterCoverage = 0.9995 });
        Assert.Equal(SentencePieceType.Byte, bytes.PieceType(3));
        Assert.Equal("<0xFF>", bytes.IdToToken(258));
        foreach (var t in new[] { Trained.Value, bytes })
        {
            var path = Path.Combine(Path.GetTempPath(), $"embedsharp-unigram-{Guid.NewGuid():N}.model");
            try
            {
                t.Model.Save(path);
                var spm = SpmEncode.Ids(path, lines);
                for (var i = 0; i < lines.Length; i++)
                {
                    Assert.True(spm[i].SequenceEqual(t.EncodeToIds(lines[i])), $"line {i}: '{lines[i]}'");
                }
            }
            finally
            {
                File.Delete(path);
            }
        }
    }

    public static TheoryData<string, UnigramTrainerOptions> BadOptions => new()
    {
        { "VocabSize", new UnigramTrainerOptions { VocabSize = 3 } },
        { "VocabSize", new UnigramTrainerOptions { VocabSize = (1 << 24) + 1 } },
        { "VocabSize must exceed the 259 special pieces", new UnigramTrainerOptions { VocabSize = 259, ByteFallback = true } },
        { "MaxPieceLength", new UnigramTrainerOptions { MaxPieceLength = 0 } },
        { "MaxPieceLength", new UnigramTrainerOptions { MaxPieceLength = 513 } },
        { "CharacterCoverage", new UnigramTrainerOptions { CharacterCoverage = 0.5 } },
        { "CharacterCoverage", new UnigramTrainerOptions { CharacterCoverage = double.NaN } },
        { "CharacterCoverage", new UnigramTrainerOptions { CharacterCoverage = 1.01 } },
        { "ShrinkingFactor", new UnigramTrainerOptions { ShrinkingFactor = 0.99 } },
        { "ShrinkingFactor", new UnigramTrainerOptions { ShrinkingFactor = 0 } },
        { "NumSubIterations", new UnigramTrainerOptions { NumSubIterations = 0 } },
        { "NumSubIterations", new UnigramTrainerOptions { NumSubIterations = 11 } },
        { "SeedSentencePieceSize", new UnigramTrainerOptions { SeedSentencePieceSize = 0 } },
        { "NormalizationRuleName", new UnigramTrainerOptions { NormalizationRuleName = "nmt_nfkc" } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_throw_naming_the_option(string named, UnigramTrainerOptions options)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => UnigramTrainer.Train(["some text"], options));
        Assert.StartsWith(named, e.Message, StringComparison.Ordinal);
        Assert.Equal("options", e.ParamName);
    }

    [Fact]
    public void An_empty_corpus_throws_a_clear_argument_exception()
    {
        var e = Assert.Throws<ArgumentException>(() => UnigramTrainer.Train([], new UnigramTrainerOptions()));
        Assert.StartsWith("The corpus is empty", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => UnigramTrainer.Train(["", "   ", ""], new UnigramTrainerOptions()));
        Assert.StartsWith("The corpus holds no text: all 3 lines are empty or only whitespace.", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => UnigramTrainer.Train(["text", null!], new UnigramTrainerOptions()));
        Assert.StartsWith("Line 2 of the corpus is null.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corpus_too_small_for_the_vocabulary_throws_saying_how_small()
    {
        string[] text = ["We the People of the United States, in Order to form a more perfect Union"];
        var e = Assert.Throws<ArgumentException>(() => UnigramTrainer.Train(text, new UnigramTrainerOptions { VocabSize = 5000 }));
        Assert.Contains("lower VocabSize to at most", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => UnigramTrainer.Train(text, new UnigramTrainerOptions { VocabSize = 10, CharacterCoverage = 1 }));
        Assert.StartsWith("VocabSize 10 is too small: the corpus needs", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cancelled_token_stops_training()
    {
        using var source = new CancellationTokenSource();
        source.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => UnigramTrainer.Train(Enumerable.Repeat("the quick brown fox", 5000), new UnigramTrainerOptions { VocabSize = 30 }, source.Token));
    }

    [Fact]
    public void Digamma_matches_known_values()
    {
        Assert.Equal(-0.5772156649015329, UnigramTrainer.Digamma(1), 1e-9);   // −γ
        Assert.Equal(1.9467574842460866, UnigramTrainer.Digamma(7.5), 1e-9);   // −γ − 2 ln 2 + Σₖ₌₁⁷ 2/(2k − 1)
        Assert.Equal(13.81551005796419, UnigramTrainer.Digamma(1e6), 1e-9);   // ln x − 1/(2x) − 1/(12x²)
    }
}
