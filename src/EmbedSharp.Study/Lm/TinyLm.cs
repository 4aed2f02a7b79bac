using EmbedSharp.Autograd;
using EmbedSharp.Initialization;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Nn.Positional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Study.Lm;

/// <summary>How the language model tells positions apart (issue 16, claim 2).</summary>
public enum PositionKind
{
    /// <summary>No positional signal: only the causal mask orders the tokens.</summary>
    None,

    /// <summary>The fixed sinusoidal table added to the token embedding, as the tutorials show.</summary>
    Sinusoidal,

    /// <summary>A learned table of positions added to the token embedding (GPT-2).</summary>
    Learned,

    /// <summary>Rotary position embedding inside every attention layer: queries and keys rotated by their position
    /// (RoFormer, LLaMA); nothing is added to the token embedding.</summary>
    Rotary,
}

/// <summary>The shape of a <see cref="TinyLm"/>.</summary>
/// <param name="Vocab">Token ids are in [0, Vocab).</param>
/// <param name="DModel">Embedding and residual width.</param>
/// <param name="Heads">Attention heads (must divide DModel).</param>
/// <param name="Ffn">Feed-forward width.</param>
/// <param name="Layers">Decoder blocks.</param>
/// <param name="Context">Longest sequence.</param>
/// <param name="Position">The positional encoding.</param>
/// <param name="ScaleEmbedding">Multiply the token embedding by √DModel before the positions are added, as the original
/// Transformer and PyTorch's "Language Modeling with nn.Transformer" tutorial do (<c>self.encoder(src) *
/// math.sqrt(self.d_model)</c>), so that small token rows are not drowned by the positions.</param>
public sealed record TinyLmConfig(int Vocab, int DModel = 64, int Heads = 4, int Ffn = 256, int Layers = 2, int Context = 64,
    PositionKind Position = PositionKind.Sinusoidal, bool ScaleEmbedding = false);

/// <summary>
/// The small decoder-only language model of the study: token embedding (initialised by the scheme under test) plus the
/// positional encoding, pre-norm <see cref="DecoderOnlyBlock"/>s with a causal mask, a final layer norm and the output
/// projection tied to the token table (one parameter used twice, as GPT-2 and the tutorials tie them). The other layers
/// keep PyTorch's default initialisation, so that only the embedding's scheme varies between arms.
/// </summary>
public sealed class TinyLm : Module
{
    private readonly SinusoidalPositionalEncoding? _sinusoidal;

    /// <summary>Builds the model; the token table is filled by <paramref name="tokenInit"/> from <paramref name="g"/>, or
    /// taken from <paramref name="pretrained"/> (shape (Vocab, DModel)) when given. A learned position table is drawn as
    /// <c>nn.Embedding</c> does (N(0, 1)) and then, when <paramref name="positionInit"/> is given, refilled by it. The
    /// draws of <paramref name="tokenInit"/> and <paramref name="positionInit"/> come from
    /// <paramref name="embeddingGenerator"/> when given (then every other layer's initial weights do not depend on
    /// the embedding schemes: arms that differ only in them share the rest of the model), otherwise from
    /// <paramref name="g"/>.</summary>
    /// <exception cref="ArgumentException">The pretrained table's shape does not fit the config.</exception>
    public TinyLm(TinyLmConfig config, InitSpec tokenInit, Generator g, FloatTensor? pretrained = null, InitSpec? positionInit = null,
        Generator? embeddingGenerator = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokenInit);
        ArgumentNullException.ThrowIfNull(g);
        Config = config;
        Tok = RegisterModule("tok", new Embedding(config.Vocab, config.DModel, g));
        if (pretrained is not null)
        {
            if (!pretrained.Shape.SequenceEqual([config.Vocab, config.DModel]))
            {
                throw new ArgumentException($"The pretrained table has shape {FloatTensor.FormatShape(pretrained.Shape)}; the model needs ({config.Vocab}, {config.DModel}).", nameof(pretrained));
            }

            pretrained.AsSpan().CopyTo(Tok.Weight.Data.AsSpan());
        }
        else
        {
            tokenInit.Apply(Tok.Weight.Data, embeddingGenerator ?? g);
        }

        if (config.Position == PositionKind.Learned)
        {
            Pos = RegisterModule("pos", new LearnedPositionalEmbedding(config.Context, config.DModel, g));
            positionInit?.Apply(Pos.Weight.Data, embeddingGenerator ?? g);
        }
        else if (config.Position == PositionKind.Sinusoidal)
        {
            _sinusoidal = new SinusoidalPositionalEncoding(config.Context, config.DModel);
        }

        Blocks = RegisterModule("blocks", new ModuleList<DecoderOnlyBlock>(Enumerable.Range(0, config.Layers)
            .Select(_ => new DecoderOnlyBlock(config.DModel, config.Heads, config.Ffn, g))));
        Lnf = RegisterModule("lnf", new LayerNorm(config.DModel));
        if (config.Position == PositionKind.Rotary)
        {
            // One table per model, filled for every position now, so concurrent models never share a growing cache.
            var rope = new RotaryEmbedding(config.DModel / config.Heads);
            rope.EnsureCapacity(config.Context);
            foreach (var block in Blocks)
            {
                block.Attn.Rotary = rope;
            }
        }
    }

    /// <summary>The model's shape.</summary>
    public TinyLmConfig Config { get; }

    /// <summary>The token table, also the output projection.</summary>
    public Embedding Tok { get; }

    /// <summary>The learned position table, or null.</summary>
    public LearnedPositionalEmbedding? Pos { get; }

    /// <summary>The decoder blocks.</summary>
    public ModuleList<DecoderOnlyBlock> Blocks { get; }

    /// <summary>The final layer norm.</summary>
    public LayerNorm Lnf { get; }

    /// <summary>Logits (B, L, Vocab) for token ids (B, L).</summary>
    public Variable Forward(IndexTensor ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var h = Tok.Forward(ids);
        if (Config.ScaleEmbedding)
        {
            h = Ops.Mul(h, (float)Math.Sqrt(Config.DModel));
        }

        h = Pos?.Forward(h) ?? _sinusoidal?.Forward(h) ?? h;
        foreach (var block in Blocks)
        {
            h = block.Forward(h);
        }

        return F.Linear(Lnf.Forward(h), Tok.Weight);
    }

    /// <summary>Mean cross-entropy (nats per token) of predicting each next token of <paramref name="ids"/> (B, L + 1).</summary>
    public Variable Loss(IndexTensor ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var (inputs, targets) = Shift(ids);
        return F.CrossEntropy(Ops.Reshape(Forward(inputs), -1, Config.Vocab), targets);
    }

    /// <summary>The inputs (B, L) and the flattened next-token targets (B·L) of windows (B, L + 1).</summary>
    internal static (IndexTensor Inputs, IndexTensor Targets) Shift(IndexTensor windows)
    {
        if (windows.Rank != 2 || windows.Shape[1] < 2)
        {
            throw new ArgumentException($"Windows must be (batch, length + 1) with length ≥ 1; got {FloatTensor.FormatShape(windows.Shape)}.", nameof(windows));
        }

        var (b, l) = ((int)windows.Shape[0], (int)windows.Shape[1] - 1);
        var w = windows.AsSpan();
        var inputs = new long[b * l];
        var targets = new long[b * l];
        for (var i = 0; i < b; i++)
        {
            w.Slice(i * (l + 1), l).CopyTo(inputs.AsSpan(i * l));
            w.Slice((i * (l + 1)) + 1, l).CopyTo(targets.AsSpan(i * l));
        }

        return (new IndexTensor(inputs, b, l), new IndexTensor(targets, b * l));
    }
}
