using System.Diagnostics;
using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Study.Lm;

namespace EmbedSharp.Study.Claims;

/// <summary>The budget of the language-model experiments.</summary>
public sealed record LmStudySettings
{
    /// <summary>Embedding and residual width.</summary>
    public int DModel { get; init; } = 64;

    /// <summary>Attention heads.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Decoder blocks.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Feed-forward width.</summary>
    public int Ffn { get; init; } = 256;

    /// <summary>Tokens per training window.</summary>
    public int Context { get; init; } = 64;

    /// <summary>Optimiser steps per run.</summary>
    public int Steps { get; init; } = 500;

    /// <summary>Windows per step.</summary>
    public int Batch { get; init; } = 16;

    /// <summary>Peak learning rate (AdamW, warm-up then cosine to 10 %).</summary>
    public double Lr { get; init; } = 3e-3;

    /// <summary>Warm-up steps.</summary>
    public int WarmupSteps { get; init; } = 25;

    /// <summary>Steps between validation measurements.</summary>
    public int EvalEvery { get; init; } = 50;

    /// <summary>Validation windows (evenly spaced over the validation tokens).</summary>
    public int EvalWindows { get; init; } = 64;

    /// <summary>Vocabulary of the byte-level BPE tokenizer (and of the unigram one).</summary>
    public int SubwordVocab { get; init; } = 1024;

    /// <summary>Epochs of the skip-gram vectors of the pretrained arm.</summary>
    public int VectorEpochs { get; init; } = 5;

    /// <summary>Characters of each corpus used (every k-th document), 0 = all.</summary>
    public long MaxChars { get; init; }

    /// <summary>The seeds.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [0, 1, 2, 3, 4];

    /// <summary>Whether the initialisation experiment also runs on the second corpus (Moby Dick).</summary>
    public bool SecondCorpus { get; init; } = true;

    /// <summary>The quick preset: what <c>demo</c> runs, about a minute and a half of training on two cores: a third of the
    /// full preset's steps on half its context, so a higher peak learning rate (10⁻², the full preset's 3·10⁻³ leaves these
    /// short runs near the unigram loss and every positional encoding tied).</summary>
    public static LmStudySettings Quick { get; } = new()
    {
        Context = 32,
        Steps = 160,
        Lr = 1e-2,
        WarmupSteps = 16,
        EvalEvery = 20,
        EvalWindows = 64,
        SubwordVocab = 512,
        VectorEpochs = 1,
        MaxChars = 3_000_000,
        Seeds = [0, 1, 2],
        SecondCorpus = false,
    };

    /// <summary>The full preset.</summary>
    public static LmStudySettings Full { get; } = new();

    /// <summary>The model shape for a vocabulary and positional encoding.</summary>
    public TinyLmConfig Config(int vocab, PositionKind position, bool scaleEmbedding = false) =>
        new(vocab, DModel, Heads, Ffn, Layers, Context, position, scaleEmbedding);

    /// <summary>The training options.</summary>
    public LmTrainingOptions Training => new(Steps, Batch, Lr, WeightDecay: 0.1, WarmupSteps, ClipNorm: 1.0, EvalEvery, EvalWindows);

    /// <summary>One line for the experiments' setup.</summary>
    public string Describe(string positions) => FormattableString.Invariant(
        $"Decoder-only Transformer, {Layers} pre-norm blocks, width {DModel}, {Heads} heads, feed-forward {Ffn}, output tied to the token table, {positions}; ")
        + FormattableString.Invariant($"AdamW (β 0.9/0.95, weight decay 0.1), peak lr {Lr:G3} with {WarmupSteps} warm-up steps and cosine decay, clip 1.0, {Steps} steps of {Batch} windows × {Context} tokens.");

    internal void AddTo(StudyFingerprint f) => f.Add($"lm d={DModel} h={Heads} l={Layers} ffn={Ffn} ctx={Context} steps={Steps} batch={Batch} lr={Lr:R} warm={WarmupSteps} eval={EvalEvery}x{EvalWindows} vocab={SubwordVocab} vec={VectorEpochs} max={MaxChars}");
}

/// <summary>
/// The language-model experiments of the claims study (questions 1–3): every run trains a <see cref="TinyLm"/> with
/// <see cref="LmTraining"/> and records the validation loss curve. Randomness per seed s (each its own
/// <see cref="Generator"/>, seeded 1000·s + k): k = 10 the layers' initial weights (the same in every arm of an
/// experiment with the same shape), k = 11 the embedding scheme's draws, k = 12 the training windows (the same in every
/// arm). Runs are single-threaded functions of (arm, seed): the study trains two at a time.
/// </summary>
public static class LmExperiments
{
    /// <summary>The token-table schemes of question 1 (besides the pretrained arm).</summary>
    public static IReadOnlyList<(string Name, string Label, InitSpec Spec)> InitArms { get; } =
    [
        ("normal", "normal_(0, 1) (nn.Embedding default)", InitSpec.Normal(0, 1)),
        ("normal-0.02", "normal_(0, 0.02) (GPT-2, BERT)", InitSpec.Normal(0, 0.02)),
        ("uniform", "uniform_(-0.1, 0.1) (PyTorch LM tutorial)", InitSpec.Uniform(-0.1, 0.1)),
        ("xavier-uniform", "xavier_uniform_", InitSpec.XavierUniform()),
        ("kaiming-normal", "kaiming_normal_", InitSpec.KaimingNormal()),
        ("orthogonal", "orthogonal_", InitSpec.Orthogonal()),
        ("zeros", "zeros_", InitSpec.Zeros),
    ];

    /// <summary>Question 1: which initialisation of the token table? All arms share the model, data order and every other
    /// layer's initial weights; positions are rotary (inside attention), so the token table is the only embedding.</summary>
    /// <param name="corpus">The corpus.</param>
    /// <param name="tokens">The corpus in BPE tokens.</param>
    /// <param name="pretrained">The skip-gram vectors aligned to the BPE vocabulary (Vocab, DModel), or null to leave the arm out.</param>
    /// <param name="pretrainedDescription">Where the vectors came from.</param>
    /// <param name="settings">The budget.</param>
    public static PreparedExperiment Init(LmCorpus corpus, LmTokens tokens, FloatTensor? pretrained, string? pretrainedDescription, LmStudySettings settings)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(settings);
        var arms = InitArms.Select(a => new ArmSpec(a.Name, a.Label)).ToList();
        if (pretrained is not null)
        {
            arms.Add(new ArmSpec("pretrained", "skip-gram vectors, fine-tuned"));
        }

        var target = tokens.UnigramLoss();
        using var f = new StudyFingerprint("lm-init/1");
        settings.AddTo(f);
        f.Add(tokens.Description);
        f.Add<int>(tokens.Train);
        f.Add<int>(tokens.Validation);
        if (pretrained is not null)
        {
            f.Add<float>(pretrained.AsSpan());
        }

        var spec = new ExperimentSpec
        {
            Id = "lm-init-" + corpus.Name,
            Question = "Which initialisation of the token embedding?",
            Claim = "The initialisation of the embedding table changes how fast a Transformer language model converges and how good it ends.",
            Setup = settings.Describe("rotary positions (RoPE) so that the token table is the only embedding") + " "
                + $"Data: {corpus.Description}; {tokens.Description}."
                + (pretrainedDescription is null ? "" : $" Pretrained arm: {pretrainedDescription}."),
            EvaluatedOn = FormattableString.Invariant($"{settings.EvalWindows} validation windows of {settings.Context} tokens ({settings.EvalWindows * settings.Context:N0} predictions)"),
            Metric = "validation loss",
            Unit = "nats/token",
            LowerIsBetter = true,
            CurveY = "validation loss (nats/token)",
            Target = target,
            Arms = arms,
            Seeds = settings.Seeds,
            Fingerprint = f.Finish(),
        };
        return new PreparedExperiment(spec, (arm, seed) =>
        {
            var config = settings.Config(tokens.Vocab, PositionKind.Rotary);
            var scheme = InitArms.FirstOrDefault(a => a.Name == arm.Name).Spec;
            return Train(spec, arm, seed, config, scheme ?? InitSpec.Zeros, arm.Name == "pretrained" ? pretrained : null, null, tokens, settings, bitsPerChar: false);
        });
    }

    /// <summary>The arms of question 2: (name, label, position kind, scale the tokens by √d, learned table's init).</summary>
    public static IReadOnlyList<(string Name, string Label, PositionKind Kind, bool Scale, InitSpec? PositionInit)> PositionArms { get; } =
    [
        ("none", "none (causal mask only)", PositionKind.None, false, null),
        ("sinusoidal", "sinusoidal, added", PositionKind.Sinusoidal, false, null),
        ("sinusoidal-scaled", "sinusoidal, added to √d·tokens (PyTorch tutorial)", PositionKind.Sinusoidal, true, null),
        ("learned", "learned, normal_(0, 0.02) (GPT-2)", PositionKind.Learned, false, InitSpec.Normal(0, 0.02)),
        ("learned-default", "learned, nn.Embedding default N(0, 1)", PositionKind.Learned, false, null),
        ("rope", "rotary (RoPE, LLaMA)", PositionKind.Rotary, false, null),
    ];

    /// <summary>Question 2: which positional encoding? The token table starts as GPT-2's N(0, 0.02) in every arm.</summary>
    public static PreparedExperiment Position(LmCorpus corpus, LmTokens tokens, LmStudySettings settings)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(settings);
        using var f = new StudyFingerprint("lm-position/1");
        settings.AddTo(f);
        f.Add(tokens.Description);
        f.Add<int>(tokens.Train);
        f.Add<int>(tokens.Validation);
        var spec = new ExperimentSpec
        {
            Id = "lm-position",
            Question = "Which positional encoding?",
            Claim = "A Transformer needs positional information, and the kind of encoding (sinusoidal, learned, rotary) changes how good the model gets.",
            Setup = settings.Describe("the token table N(0, 0.02) in every arm") + $" Data: {corpus.Description}; {tokens.Description}.",
            EvaluatedOn = FormattableString.Invariant($"{settings.EvalWindows} validation windows of {settings.Context} tokens ({settings.EvalWindows * settings.Context:N0} predictions)"),
            Metric = "validation loss",
            Unit = "nats/token",
            LowerIsBetter = true,
            CurveY = "validation loss (nats/token)",
            Target = tokens.UnigramLoss(),
            Arms = [.. PositionArms.Select(a => new ArmSpec(a.Name, a.Label))],
            Seeds = settings.Seeds,
            Fingerprint = f.Finish(),
        };
        return new PreparedExperiment(spec, (arm, seed) =>
        {
            var a = PositionArms.First(p => p.Name == arm.Name);
            return Train(spec, arm, seed, settings.Config(tokens.Vocab, a.Kind, a.Scale), InitSpec.Normal(0, 0.02), null, a.PositionInit, tokens, settings, bitsPerChar: false);
        });
    }

    /// <summary>Question 3: which tokenisation? The same model and budget (windows of the same number of tokens) on each
    /// tokenizer's ids; compared in bits per character of the validation text, which does not depend on the vocabulary.</summary>
    public static PreparedExperiment Tokenization(LmCorpus corpus, IReadOnlyList<LmTokens> tokenizations, LmStudySettings settings)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(tokenizations);
        ArgumentNullException.ThrowIfNull(settings);
        using var f = new StudyFingerprint("lm-tokenization/1");
        settings.AddTo(f);
        foreach (var t in tokenizations)
        {
            f.Add(t.Description);
            f.Add<int>(t.Train);
            f.Add<int>(t.Validation);
        }

        var spec = new ExperimentSpec
        {
            Id = "lm-tokenization",
            Question = "Which tokenisation?",
            Claim = "Subword tokenisation (BPE, unigram) models text better than characters for the same model and budget; what a row of the table means changes with it.",
            Setup = settings.Describe("rotary positions, the token table N(0, 0.02)") + $" Data: {corpus.Description}. Tokenizers: "
                + string.Join("; ", tokenizations.Select(t => FormattableString.Invariant($"{t.Description} ({t.TokensPerChar:0.000} tokens per character)"))) + ".",
            EvaluatedOn = FormattableString.Invariant($"{settings.EvalWindows} validation windows of {settings.Context} tokens per tokenizer, in bits per character of the text they cover"),
            Metric = "validation bits per character",
            Unit = "bits/char",
            LowerIsBetter = true,
            CurveY = "validation bits per character",
            Arms = [.. tokenizations.Select(t => new ArmSpec(t.Tokenizer, t.Description))],
            Seeds = settings.Seeds,
            Fingerprint = f.Finish(),
        };
        return new PreparedExperiment(spec, (arm, seed) =>
        {
            var tokens = tokenizations.First(t => t.Tokenizer == arm.Name);
            return Train(spec, arm, seed, settings.Config(tokens.Vocab, PositionKind.Rotary), InitSpec.Normal(0, 0.02), null, null, tokens, settings, bitsPerChar: true);
        });
    }

    /// <summary>nats per token → bits per character of the text: loss × tokens per character / ln 2.</summary>
    public static double BitsPerChar(double natsPerToken, double tokensPerChar) => natsPerToken * tokensPerChar / Math.Log(2);

    private static ArmRun Train(ExperimentSpec spec, ArmSpec arm, int seed, TinyLmConfig config, InitSpec tokenInit, FloatTensor? pretrained,
        InitSpec? positionInit, LmTokens tokens, LmStudySettings settings, bool bitsPerChar)
    {
        var clock = Stopwatch.StartNew();
        var model = new TinyLm(config, tokenInit, Stream(seed, 10), pretrained, positionInit, Stream(seed, 11));
        var curve = LmTraining.Train(model, tokens.Train, tokens.Validation, settings.Training, Stream(seed, 12));
        double Y(double loss) => bitsPerChar ? BitsPerChar(loss, tokens.TokensPerChar) : loss;
        var points = curve.Select(p => new CurvePoint(p.Step, Y(p.ValidationLoss))).ToList();
        var last = curve[^1];
        var metric = double.IsFinite(last.ValidationLoss) ? Y(last.ValidationLoss) : double.NaN;
        var reached = spec.Target is { } t ? curve.FirstOrDefault(p => Y(p.ValidationLoss) <= t)?.Step : null;
        return new ArmRun
        {
            Experiment = spec.Id,
            Arm = arm.Name,
            Seed = seed,
            Fingerprint = spec.Fingerprint,
            Metric = metric,
            Curve = points,
            ReachedTargetAt = reached,
            WallSeconds = clock.Elapsed.TotalSeconds,
            Extra = new Dictionary<string, double>
            {
                ["first_validation"] = Y(curve[0].ValidationLoss),
                ["final_train_loss"] = last.TrainLoss,
                ["validation_nats_per_token"] = last.ValidationLoss,
                ["tokens_per_char"] = tokens.TokensPerChar,
            },
        };
    }

    /// <summary>The generator of stream <paramref name="stream"/> of seed <paramref name="seed"/>.</summary>
    internal static Generator Stream(int seed, int stream) => new(((ulong)seed * 1000UL) + (ulong)stream);
}
