using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Study;

/// <summary>The initialisations of the classifier's embedding table compared by the study (shape (V, D), fan_in = D, fan_out = V).</summary>
public enum EmbeddingInit
{
    /// <summary>All zeros. torch: <c>zeros_</c>.</summary>
    Zeros,

    /// <summary>Every entry 0.01. torch: <c>constant_(w, 0.01)</c>.</summary>
    Constant,

    /// <summary>U(−0.1, 0.1). torch: <c>uniform_(w, -0.1, 0.1)</c> (fastText uses U(−1/D, 1/D)).</summary>
    Uniform,

    /// <summary>N(0, 1): what <c>nn.Embedding</c> and <c>nn.EmbeddingBag</c> do by default. torch: <c>normal_(w)</c>.</summary>
    Normal,

    /// <summary>N(0, 0.02²), the BERT/GPT-2 choice. torch: <c>normal_(w, 0, 0.02)</c>.</summary>
    NormalSmall,

    /// <summary>N(0, 0.02²) truncated to [−0.04, 0.04] (±2σ). torch: <c>trunc_normal_(w, 0, 0.02, -0.04, 0.04)</c>.</summary>
    TruncNormal,

    /// <summary>U(−a, a), a = √(6/(V+D)). torch: <c>xavier_uniform_</c>.</summary>
    XavierUniform,

    /// <summary>N(0, 2/(V+D)). torch: <c>xavier_normal_</c>.</summary>
    XavierNormal,

    /// <summary>U(−b, b), b = √2·√(3/D) (fan_in, ReLU gain). torch: <c>kaiming_uniform_</c>.</summary>
    KaimingUniform,

    /// <summary>N(0, 2/D) (fan_in, ReLU gain). torch: <c>kaiming_normal_</c>.</summary>
    KaimingNormal,

    /// <summary>Orthonormal columns (V ≥ D), entries of size about 1/√V. torch: <c>orthogonal_</c>.</summary>
    Orthogonal,

    /// <summary>N(0, 0.01²) with 90% of each column zeroed. torch: <c>sparse_(w, 0.9, 0.01)</c>.</summary>
    Sparse,

    /// <summary>Pretrained vectors aligned to the vocabulary, not trained (<c>from_pretrained(freeze=True)</c>).</summary>
    PretrainedFrozen,

    /// <summary>Pretrained vectors aligned to the vocabulary, then trained (<c>from_pretrained(freeze=False)</c>).</summary>
    PretrainedFinetuned,
}

/// <summary>Names, labels and the fill of each <see cref="EmbeddingInit"/>.</summary>
public static class EmbeddingInits
{
    private static readonly EmbeddingInit[] AllSchemes = Enum.GetValues<EmbeddingInit>();

    /// <summary>Every scheme, in the order of the enum.</summary>
    public static IReadOnlyList<EmbeddingInit> All => AllSchemes;

    /// <summary>Whether the scheme takes its values from pretrained vectors.</summary>
    public static bool IsPretrained(EmbeddingInit scheme) => scheme is EmbeddingInit.PretrainedFrozen or EmbeddingInit.PretrainedFinetuned;

    /// <summary>The command-line and file name: <c>zeros</c>, <c>normal-0.02</c>, <c>pretrained-frozen</c>, ….</summary>
    public static string Name(EmbeddingInit scheme) => scheme switch
    {
        EmbeddingInit.Zeros => "zeros",
        EmbeddingInit.Constant => "constant",
        EmbeddingInit.Uniform => "uniform",
        EmbeddingInit.Normal => "normal",
        EmbeddingInit.NormalSmall => "normal-0.02",
        EmbeddingInit.TruncNormal => "trunc-normal",
        EmbeddingInit.XavierUniform => "xavier-uniform",
        EmbeddingInit.XavierNormal => "xavier-normal",
        EmbeddingInit.KaimingUniform => "kaiming-uniform",
        EmbeddingInit.KaimingNormal => "kaiming-normal",
        EmbeddingInit.Orthogonal => "orthogonal",
        EmbeddingInit.Sparse => "sparse",
        EmbeddingInit.PretrainedFrozen => "pretrained-frozen",
        EmbeddingInit.PretrainedFinetuned => "pretrained-finetuned",
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Unknown scheme."),
    };

    /// <summary>The human label with its parameters, as PyTorch spells the call.</summary>
    public static string Label(EmbeddingInit scheme) => scheme switch
    {
        EmbeddingInit.Zeros => "zeros_",
        EmbeddingInit.Constant => "constant_(0.01)",
        EmbeddingInit.Uniform => "uniform_(-0.1, 0.1)",
        EmbeddingInit.Normal => "normal_(0, 1) (torch default)",
        EmbeddingInit.NormalSmall => "normal_(0, 0.02) (BERT)",
        EmbeddingInit.TruncNormal => "trunc_normal_(0, 0.02, ±0.04)",
        EmbeddingInit.XavierUniform => "xavier_uniform_",
        EmbeddingInit.XavierNormal => "xavier_normal_",
        EmbeddingInit.KaimingUniform => "kaiming_uniform_",
        EmbeddingInit.KaimingNormal => "kaiming_normal_",
        EmbeddingInit.Orthogonal => "orthogonal_",
        EmbeddingInit.Sparse => "sparse_(0.9, 0.01)",
        EmbeddingInit.PretrainedFrozen => "pretrained, frozen",
        EmbeddingInit.PretrainedFinetuned => "pretrained, fine-tuned",
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Unknown scheme."),
    };

    /// <summary>Parses a <see cref="Name"/> (case-insensitive; <c>_</c> accepted for <c>-</c>).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the valid ones.</exception>
    public static EmbeddingInit Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.Trim().Replace('_', '-');
        foreach (var scheme in AllSchemes)
        {
            if (string.Equals(Name(scheme), key, StringComparison.OrdinalIgnoreCase))
            {
                return scheme;
            }
        }

        throw new ArgumentException($"Unknown initialisation scheme '{name}'; expected one of {string.Join(", ", AllSchemes.Select(Name))}.", nameof(name));
    }

    /// <summary>Parses a comma-separated list of names; duplicates are kept once, in the order given.</summary>
    public static IReadOnlyList<EmbeddingInit> ParseList(string names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var list = new List<EmbeddingInit>();
        foreach (var part in names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var scheme = Parse(part);
            if (!list.Contains(scheme))
            {
                list.Add(scheme);
            }
        }

        return list.Count > 0 ? list : throw new ArgumentException("The list of schemes is empty.", nameof(names));
    }

    /// <summary>Fills an embedding table (V, D) with a non-pretrained scheme, drawing from <paramref name="generator"/>
    /// exactly as the torch.nn.init call of <see cref="Label"/>.</summary>
    /// <exception cref="ArgumentException">A pretrained scheme (its values come from the aligner, not a fill).</exception>
    public static void Fill(EmbeddingInit scheme, FloatTensor table, IRandomSource generator)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(generator);
        switch (scheme)
        {
            case EmbeddingInit.Zeros: Init.Zeros(table); break;
            case EmbeddingInit.Constant: Init.Constant(table, 0.01f); break;
            case EmbeddingInit.Uniform: Init.Uniform(table, generator, -0.1, 0.1); break;
            case EmbeddingInit.Normal: Init.Normal(table, generator, 0, 1); break;
            case EmbeddingInit.NormalSmall: Init.Normal(table, generator, 0, 0.02); break;
            case EmbeddingInit.TruncNormal: Init.TruncNormal(table, generator, 0, 0.02, -0.04, 0.04); break;
            case EmbeddingInit.XavierUniform: Init.XavierUniform(table, generator); break;
            case EmbeddingInit.XavierNormal: Init.XavierNormal(table, generator); break;
            case EmbeddingInit.KaimingUniform: Init.KaimingUniform(table, generator, FanMode.FanIn, Nonlinearity.Relu); break;
            case EmbeddingInit.KaimingNormal: Init.KaimingNormal(table, generator, FanMode.FanIn, Nonlinearity.Relu); break;
            case EmbeddingInit.Orthogonal: Init.Orthogonal(table, generator); break;
            case EmbeddingInit.Sparse: Init.Sparse(table, generator, 0.9, 0.01); break;
            default:
                throw new ArgumentException($"'{Name(scheme)}' takes its values from pretrained vectors, not from a fill.", nameof(scheme));
        }
    }
}
