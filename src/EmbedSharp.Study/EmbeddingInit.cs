using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Study;

/// <summary>
/// One initialisation of the classifier's embedding table (shape (V, D), fan_in = D, fan_out = V) compared by the study:
/// either a fill by an <see cref="InitSpec"/> (<see cref="Scheme"/>) or the pretrained vectors aligned to the vocabulary,
/// frozen or fine-tuned. More than a scheme: "pretrained" is a source of values, not a scheme, and every arm has the
/// study's own <see cref="Name"/> (the command-line, file and results name, e.g. <c>normal-0.02</c>) and
/// <see cref="Label"/> (the torch call). The fourteen arms are the static members; <see cref="All"/> lists them.
/// </summary>
public sealed class EmbeddingInit
{
    private EmbeddingInit(string name, string label, InitSpec? scheme, bool frozen = false)
    {
        Name = name;
        Label = label;
        Scheme = scheme;
        IsFrozen = frozen;
    }

    /// <summary>The command-line and file name: <c>zeros</c>, <c>normal-0.02</c>, <c>pretrained-frozen</c>, ….</summary>
    public string Name { get; }

    /// <summary>The human label with its parameters, as PyTorch spells the call.</summary>
    public string Label { get; }

    /// <summary>The fill, or null when the values come from pretrained vectors.</summary>
    public InitSpec? Scheme { get; }

    /// <summary>Whether the table takes its values from pretrained vectors.</summary>
    public bool IsPretrained => Scheme is null;

    /// <summary>Whether the table is not trained (<c>from_pretrained(freeze=True)</c>).</summary>
    public bool IsFrozen { get; }

    /// <summary>All zeros. torch: <c>zeros_</c>.</summary>
    public static EmbeddingInit Zeros { get; } = new("zeros", "zeros_", InitSpec.Zeros);

    /// <summary>Every entry 0.01. torch: <c>constant_(w, 0.01)</c>.</summary>
    public static EmbeddingInit Constant { get; } = new("constant", "constant_(0.01)", InitSpec.Constant(0.01));

    /// <summary>U(−0.1, 0.1). torch: <c>uniform_(w, -0.1, 0.1)</c> (fastText uses U(−1/D, 1/D)).</summary>
    public static EmbeddingInit Uniform { get; } = new("uniform", "uniform_(-0.1, 0.1)", InitSpec.Uniform(-0.1, 0.1));

    /// <summary>N(0, 1): what <c>nn.Embedding</c> and <c>nn.EmbeddingBag</c> do by default. torch: <c>normal_(w)</c>.</summary>
    public static EmbeddingInit Normal { get; } = new("normal", "normal_(0, 1) (torch default)", InitSpec.Normal(0, 1));

    /// <summary>N(0, 0.02²), the BERT/GPT-2 choice. torch: <c>normal_(w, 0, 0.02)</c>.</summary>
    public static EmbeddingInit NormalSmall { get; } = new("normal-0.02", "normal_(0, 0.02) (BERT)", InitSpec.Normal(0, 0.02));

    /// <summary>N(0, 0.02²) truncated to [−0.04, 0.04] (±2σ). torch: <c>trunc_normal_(w, 0, 0.02, -0.04, 0.04)</c>.</summary>
    public static EmbeddingInit TruncNormal { get; } = new("trunc-normal", "trunc_normal_(0, 0.02, ±0.04)", InitSpec.TruncNormal(0, 0.02, -0.04, 0.04));

    /// <summary>U(−a, a), a = √(6/(V+D)). torch: <c>xavier_uniform_</c>.</summary>
    public static EmbeddingInit XavierUniform { get; } = new("xavier-uniform", "xavier_uniform_", InitSpec.XavierUniform());

    /// <summary>N(0, 2/(V+D)). torch: <c>xavier_normal_</c>.</summary>
    public static EmbeddingInit XavierNormal { get; } = new("xavier-normal", "xavier_normal_", InitSpec.XavierNormal());

    /// <summary>U(−b, b), b = √2·√(3/D) (fan_in, ReLU gain). torch: <c>kaiming_uniform_(w, nonlinearity='relu')</c>.</summary>
    public static EmbeddingInit KaimingUniform { get; } = new("kaiming-uniform", "kaiming_uniform_", InitSpec.KaimingUniform(nonlinearity: NonlinearityKind.Relu));

    /// <summary>N(0, 2/D) (fan_in, ReLU gain). torch: <c>kaiming_normal_(w, nonlinearity='relu')</c>.</summary>
    public static EmbeddingInit KaimingNormal { get; } = new("kaiming-normal", "kaiming_normal_", InitSpec.KaimingNormal(nonlinearity: NonlinearityKind.Relu));

    /// <summary>Orthonormal columns (V ≥ D), entries of size about 1/√V. torch: <c>orthogonal_</c>.</summary>
    public static EmbeddingInit Orthogonal { get; } = new("orthogonal", "orthogonal_", InitSpec.Orthogonal());

    /// <summary>N(0, 0.01²) with 90% of each column zeroed. torch: <c>sparse_(w, 0.9, 0.01)</c>.</summary>
    public static EmbeddingInit Sparse { get; } = new("sparse", "sparse_(0.9, 0.01)", InitSpec.Sparse(0.9, 0.01));

    /// <summary>Pretrained vectors aligned to the vocabulary, not trained (<c>from_pretrained(freeze=True)</c>).</summary>
    public static EmbeddingInit PretrainedFrozen { get; } = new("pretrained-frozen", "pretrained, frozen", null, frozen: true);

    /// <summary>Pretrained vectors aligned to the vocabulary, then trained (<c>from_pretrained(freeze=False)</c>).</summary>
    public static EmbeddingInit PretrainedFinetuned { get; } = new("pretrained-finetuned", "pretrained, fine-tuned", null);

    private static readonly EmbeddingInit[] AllSchemes =
    [
        Zeros, Constant, Uniform, Normal, NormalSmall, TruncNormal, XavierUniform, XavierNormal, KaimingUniform, KaimingNormal,
        Orthogonal, Sparse, PretrainedFrozen, PretrainedFinetuned,
    ];

    /// <summary>Every arm, in the order of the study (the fills, then the pretrained ones).</summary>
    public static IReadOnlyList<EmbeddingInit> All => AllSchemes;

    /// <summary>Parses a <see cref="Name"/> (case-insensitive; <c>_</c> accepted for <c>-</c>).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the valid ones.</exception>
    public static EmbeddingInit Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.Trim().Replace('_', '-');
        foreach (var scheme in AllSchemes)
        {
            if (string.Equals(scheme.Name, key, StringComparison.OrdinalIgnoreCase))
            {
                return scheme;
            }
        }

        throw new ArgumentException($"Unknown initialisation scheme '{name}'; expected one of {string.Join(", ", AllSchemes.Select(s => s.Name))}.", nameof(name));
    }

    /// <summary>Parses a comma-separated list of names; duplicates are kept once, in the order given.</summary>
    /// <exception cref="ArgumentException">An unknown name, an empty entry (<c>zeros,,sparse</c>) or an empty list.</exception>
    public static IReadOnlyList<EmbeddingInit> ParseList(string names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Trim().Length == 0)
        {
            throw new ArgumentException("The list of schemes is empty.", nameof(names));
        }

        var list = new List<EmbeddingInit>();
        foreach (var part in names.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.Length == 0)
            {
                throw new ArgumentException($"The list of schemes '{names}' has an empty entry; write e.g. zeros,normal.", nameof(names));
            }

            var scheme = Parse(part);
            if (!list.Contains(scheme))
            {
                list.Add(scheme);
            }
        }

        return list;
    }

    /// <summary>Fills an embedding table (V, D) with <see cref="Scheme"/>, drawing from <paramref name="generator"/> exactly
    /// as the torch.nn.init call of <see cref="Label"/>.</summary>
    /// <exception cref="ArgumentException">A pretrained arm (its values come from the aligner, not a fill).</exception>
    public void Fill(FloatTensor table, IRandomSource generator)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(generator);
        if (Scheme is null)
        {
            throw new ArgumentException($"'{Name}' takes its values from pretrained vectors, not from a fill.");
        }

        Scheme.Apply(table, generator);
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
