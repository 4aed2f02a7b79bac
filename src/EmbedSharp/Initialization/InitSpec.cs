using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using Activation = EmbedSharp.Initialization.Nonlinearity;

namespace EmbedSharp.Initialization;

/// <summary>
/// One initialisation as a value: a <see cref="InitScheme"/> and the parameters it takes, named after PyTorch's
/// arguments; a parameter left null means PyTorch's default. <see cref="Apply"/> fills a tensor with the matching
/// <see cref="Init"/> call (so a <see cref="Generator"/> gives PyTorch's bits); <see cref="ToString"/> prints the
/// canonical text and <see cref="Parse"/> reads it back, e.g. <c>normal</c>, <c>normal(std=0.02)</c>,
/// <c>uniform(a=-0.1,b=0.1)</c>, <c>kaiming-uniform(a=2.23606797749979,mode=fan-out,nonlinearity=leaky-relu)</c>.
/// </summary>
/// <remarks>
/// <para>Text: the scheme's name in kebab case (snake_case as PyTorch writes it, e.g. <c>xavier_uniform_</c>, is read
/// too), then optionally <c>(name=value,…)</c> with the parameters the scheme takes. Numbers use the invariant culture
/// and print in their shortest round-trip form; enum values are kebab case (<c>fan-in</c>, <c>leaky-relu</c>,
/// <c>truncated-normal</c>). Parsing is strict: an unknown scheme or parameter, a parameter given twice, a value that
/// is not a number, or a missing required parameter (<c>constant</c> needs <c>value</c>, <c>sparse</c> needs
/// <c>sparsity</c>) is a <see cref="FormatException"/> whose one-line message lists the valid names.
/// <c>Parse(x.ToString()) == x</c> for every spec.</para>
/// <para>Equality is by value over the scheme and every parameter as given: <c>Normal()</c> and <c>Normal(0, 1)</c>
/// draw the same numbers but are different specs (the second prints its parameters). Ranges (std ≥ 0, a &lt; b, …)
/// are checked by the <see cref="Init"/> call when the spec is applied, before anything is drawn.</para>
/// <para><see cref="InitScheme.FastText"/> (fastText's own start) depends on the trainer's thread count and seed, not
/// on a random source: <see cref="EmbedSharp.FastText.WordVectorTrainer"/> applies it and <see cref="Apply"/> refuses it.</para>
/// </remarks>
public sealed partial record InitSpec
{
    private static readonly InitScheme[] AllSchemes = Enum.GetValues<InitScheme>();
    private static readonly string[] SchemeNameTable = [.. AllSchemes.Select(s => s == InitScheme.FastText ? "fasttext" : KebabOf(s))];

    private InitSpec(InitScheme scheme) => Scheme = scheme;

    /// <summary>Which scheme.</summary>
    public InitScheme Scheme { get; private init; }

    /// <summary>The scheme's text name (<see cref="NameOf"/>): <c>xavier-uniform</c>, <c>trunc-normal</c>, ….</summary>
    public string Name => NameOf(Scheme);

    /// <summary>torch <c>gain</c> (xavier-uniform, xavier-normal, orthogonal, identity); default 1.</summary>
    public double? Gain { get; private init; }

    /// <summary>torch <c>a</c>: the lower bound (uniform default 0, trunc-normal default −2) or the leaky-ReLU negative
    /// slope (kaiming-*, default 0).</summary>
    public double? A { get; private init; }

    /// <summary>torch <c>b</c>: the upper bound (uniform default 1, trunc-normal default 2).</summary>
    public double? B { get; private init; }

    /// <summary>torch <c>mean</c> (normal, trunc-normal); default 0.</summary>
    public double? Mean { get; private init; }

    /// <summary>torch <c>std</c> (normal and trunc-normal default 1, sparse default 0.01).</summary>
    public double? Std { get; private init; }

    /// <summary>torch/Keras <c>mode</c> (kaiming-*: fan-in or fan-out; variance-scaling also fan-avg); default fan-in.</summary>
    public FanMode? Mode { get; private init; }

    /// <summary>torch <c>nonlinearity</c> (kaiming-*); default leaky-relu (with slope <see cref="A"/>).</summary>
    public NonlinearityKind? Nonlinearity { get; private init; }

    /// <summary>torch <c>sparsity</c>: the fraction of each column set to zero (sparse; required).</summary>
    public double? Sparsity { get; private init; }

    /// <summary>torch <c>val</c>: the fill value (constant; required), rounded to float32 when applied.</summary>
    public double? Value { get; private init; }

    /// <summary>torch <c>groups</c> (dirac); default 1.</summary>
    public int? Groups { get; private init; }

    /// <summary>Keras <c>scale</c> (variance-scaling); default 1.</summary>
    public double? Scale { get; private init; }

    /// <summary>Keras <c>distribution</c> (variance-scaling); default truncated-normal.</summary>
    public VarianceScalingDistribution? Distribution { get; private init; }

    /// <summary>The text name of every scheme, in <see cref="InitScheme"/> order.</summary>
    public static IReadOnlyList<string> SchemeNames => SchemeNameTable;

    /// <summary>U(a, b). torch: <c>uniform_(tensor, a=0, b=1)</c>.</summary>
    public static InitSpec Uniform(double? a = null, double? b = null) => new(InitScheme.Uniform) { A = a, B = b };

    /// <summary>N(mean, std²). torch: <c>normal_(tensor, mean=0, std=1)</c>.</summary>
    public static InitSpec Normal(double? mean = null, double? std = null) => new(InitScheme.Normal) { Mean = mean, Std = std };

    /// <summary>N(mean, std²) truncated to [a, b]. torch: <c>trunc_normal_(tensor, mean=0, std=1, a=-2, b=2)</c>.</summary>
    public static InitSpec TruncNormal(double? mean = null, double? std = null, double? a = null, double? b = null) =>
        new(InitScheme.TruncNormal) { Mean = mean, Std = std, A = a, B = b };

    /// <summary>Every value <paramref name="value"/> (rounded to float32). torch: <c>constant_(tensor, val)</c>.</summary>
    public static InitSpec Constant(double value) => new(InitScheme.Constant) { Value = value };

    /// <summary>Every value 1. torch: <c>ones_</c>.</summary>
    public static InitSpec Ones { get; } = new(InitScheme.Ones);

    /// <summary>Every value 0. torch: <c>zeros_</c>.</summary>
    public static InitSpec Zeros { get; } = new(InitScheme.Zeros);

    /// <summary>The 2-D identity. torch: <c>eye_</c>.</summary>
    public static InitSpec Eye { get; } = new(InitScheme.Eye);

    /// <summary>The Dirac delta for convolution weights. torch: <c>dirac_(tensor, groups=1)</c>.</summary>
    public static InitSpec Dirac(int? groups = null) => new(InitScheme.Dirac) { Groups = groups };

    /// <summary>U(−a, a), a = gain·√(6/(fan_in + fan_out)). torch: <c>xavier_uniform_(tensor, gain=1)</c>.</summary>
    public static InitSpec XavierUniform(double? gain = null) => new(InitScheme.XavierUniform) { Gain = gain };

    /// <summary>N(0, σ²), σ = gain·√(2/(fan_in + fan_out)). torch: <c>xavier_normal_(tensor, gain=1)</c>.</summary>
    public static InitSpec XavierNormal(double? gain = null) => new(InitScheme.XavierNormal) { Gain = gain };

    /// <summary>U(−b, b), b = gain·√(3/fan), gain of <paramref name="nonlinearity"/> with negative slope <paramref name="a"/>.
    /// torch: <c>kaiming_uniform_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu')</c>.</summary>
    public static InitSpec KaimingUniform(double? a = null, FanMode? mode = null, NonlinearityKind? nonlinearity = null) =>
        new(InitScheme.KaimingUniform) { A = a, Mode = mode, Nonlinearity = nonlinearity };

    /// <summary>N(0, σ²), σ = gain/√fan, gain of <paramref name="nonlinearity"/> with negative slope <paramref name="a"/>.
    /// torch: <c>kaiming_normal_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu')</c>.</summary>
    public static InitSpec KaimingNormal(double? a = null, FanMode? mode = null, NonlinearityKind? nonlinearity = null) =>
        new(InitScheme.KaimingNormal) { A = a, Mode = mode, Nonlinearity = nonlinearity };

    /// <summary>A (semi-)orthogonal matrix times gain. torch: <c>orthogonal_(tensor, gain=1)</c>.</summary>
    public static InitSpec Orthogonal(double? gain = null) => new(InitScheme.Orthogonal) { Gain = gain };

    /// <summary>N(0, std²) with ⌈sparsity·rows⌉ zeros per column. torch: <c>sparse_(tensor, sparsity, std=0.01)</c>.</summary>
    public static InitSpec Sparse(double sparsity, double? std = null) => new(InitScheme.Sparse) { Sparsity = sparsity, Std = std };

    /// <summary>U(−l, l), l = √(3/fan_in). Keras/Flax: <c>lecun_uniform</c>.</summary>
    public static InitSpec LecunUniform { get; } = new(InitScheme.LecunUniform);

    /// <summary>Truncated normal with σ = √(1/fan_in)/0.8796… cut at ±2σ. Keras/Flax: <c>lecun_normal</c>.</summary>
    public static InitSpec LecunNormal { get; } = new(InitScheme.LecunNormal);

    /// <summary>Keras/Flax <c>variance_scaling(scale=1, mode='fan_in', distribution='truncated_normal')</c>.</summary>
    public static InitSpec VarianceScaling(double? scale = null, FanMode? mode = null, VarianceScalingDistribution? distribution = null) =>
        new(InitScheme.VarianceScaling) { Scale = scale, Mode = mode, Distribution = distribution };

    /// <summary>gain times the 2-D identity. Keras: <c>Identity(gain=1)</c>.</summary>
    public static InitSpec Identity(double? gain = null) => new(InitScheme.Identity) { Gain = gain };

    /// <summary>fastText 0.9.2's own input-matrix start (see <see cref="InitScheme.FastText"/>); applied by
    /// <see cref="EmbedSharp.FastText.WordVectorTrainer"/> only.</summary>
    public static InitSpec FastText { get; } = new(InitScheme.FastText);

    /// <summary>Any scheme with any of its parameters (null = PyTorch's default).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An undefined scheme or enum value.</exception>
    /// <exception cref="ArgumentException">A parameter the scheme does not take, or a required one missing.</exception>
    public static InitSpec Create(InitScheme scheme, double? gain = null, double? a = null, double? b = null, double? mean = null,
        double? std = null, FanMode? mode = null, NonlinearityKind? nonlinearity = null, double? sparsity = null, double? value = null,
        int? groups = null, double? scale = null, VarianceScalingDistribution? distribution = null)
    {
        if (!Enum.IsDefined(scheme))
        {
            throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Unknown initialisation scheme.");
        }

        CheckDefined(mode, nameof(mode));
        CheckDefined(nonlinearity, nameof(nonlinearity));
        CheckDefined(distribution, nameof(distribution));
        var spec = new InitSpec(scheme)
        {
            Gain = gain,
            A = a,
            B = b,
            Mean = mean,
            Std = std,
            Mode = mode,
            Nonlinearity = nonlinearity,
            Sparsity = sparsity,
            Value = value,
            Groups = groups,
            Scale = scale,
            Distribution = distribution,
        };
        var takes = Parameters(scheme);
        foreach (var p in AllParameters)
        {
            if (spec.IsSet(p) && Array.IndexOf(takes, p) < 0)
            {
                throw new ArgumentException(Invariant($"{NameOf(scheme)} takes no parameter '{ParameterName(p)}'; {Expected(scheme)}"), ParameterName(p));
            }
        }

        foreach (var p in Required(scheme))
        {
            if (!spec.IsSet(p))
            {
                throw new ArgumentException(MissingMessage(scheme, p), ParameterName(p));
            }
        }

        return spec;
    }

    /// <summary>The text name of <paramref name="scheme"/>: PyTorch's function name in kebab case (<c>xavier-uniform</c>),
    /// <c>fasttext</c> for <see cref="InitScheme.FastText"/>.</summary>
    public static string NameOf(InitScheme scheme) =>
        Enum.IsDefined(scheme) ? SchemeNameTable[(int)scheme] : throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Unknown initialisation scheme.");

    /// <summary>The parameters <paramref name="scheme"/> takes, by their text names, in printing order
    /// (<c>kaiming-uniform</c>: <c>a</c>, <c>mode</c>, <c>nonlinearity</c>).</summary>
    public static IReadOnlyList<string> ParameterNames(InitScheme scheme) => [.. Parameters(Checked(scheme)).Select(ParameterName)];

    /// <summary>The parameters <paramref name="scheme"/> cannot do without (<c>constant</c>: <c>value</c>; <c>sparse</c>: <c>sparsity</c>).</summary>
    internal static IReadOnlyList<string> RequiredParameterNames(InitScheme scheme) => [.. Required(Checked(scheme)).Select(ParameterName)];

    /// <summary>Fills <paramref name="tensor"/> in place with the matching <see cref="Init"/> call, PyTorch's defaults for
    /// null parameters (with a <see cref="Generator"/>: PyTorch's bits for the same seed), and returns it.</summary>
    /// <exception cref="ArgumentException">A parameter out of range, or a shape the scheme does not support (from <see cref="Init"/>).</exception>
    /// <exception cref="NotSupportedException">The scheme is <see cref="InitScheme.FastText"/>.</exception>
    public FloatTensor Apply(FloatTensor tensor, IRandomSource source)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(source);
        return Scheme switch
        {
            InitScheme.Uniform => Init.Uniform(tensor, source, A ?? 0, B ?? 1),
            InitScheme.Normal => Init.Normal(tensor, source, Mean ?? 0, Std ?? 1),
            InitScheme.TruncNormal => Init.TruncNormal(tensor, source, Mean ?? 0, Std ?? 1, A ?? -2, B ?? 2),
            InitScheme.Constant => Init.Constant(tensor, (float)(Value ?? throw new ArgumentException(MissingMessage(Scheme, Parameter.Value)))),
            InitScheme.Ones => Init.Ones(tensor),
            InitScheme.Zeros => Init.Zeros(tensor),
            InitScheme.Eye => Init.Eye(tensor),
            InitScheme.Dirac => Init.Dirac(tensor, Groups ?? 1),
            InitScheme.XavierUniform => Init.XavierUniform(tensor, source, Gain ?? 1),
            InitScheme.XavierNormal => Init.XavierNormal(tensor, source, Gain ?? 1),
            InitScheme.KaimingUniform => Init.KaimingUniform(tensor, source, Mode ?? FanMode.FanIn, KaimingNonlinearity()),
            InitScheme.KaimingNormal => Init.KaimingNormal(tensor, source, Mode ?? FanMode.FanIn, KaimingNonlinearity()),
            InitScheme.Orthogonal => Init.Orthogonal(tensor, source, Gain ?? 1),
            InitScheme.Sparse => Init.Sparse(tensor, source, Sparsity ?? throw new ArgumentException(MissingMessage(Scheme, Parameter.Sparsity)), Std ?? 0.01),
            InitScheme.LecunUniform => Init.LecunUniform(tensor, source),
            InitScheme.LecunNormal => Init.LecunNormal(tensor, source),
            InitScheme.VarianceScaling => Init.VarianceScaling(tensor, source, Scale ?? 1, Mode ?? FanMode.FanIn, Distribution ?? VarianceScalingDistribution.TruncatedNormal),
            InitScheme.Identity => Init.Identity(tensor, Gain ?? 1),
            InitScheme.FastText => throw new NotSupportedException(
                "fasttext (fastText's DenseMatrix::uniform) depends on the trainer's thread count and seed, not on a random source: WordVectorTrainer applies it."),
            _ => throw new InvalidOperationException($"Unknown initialisation scheme {Scheme}."),
        };
    }

    private Activation KaimingNonlinearity() => Activation.Of(Nonlinearity ?? NonlinearityKind.LeakyRelu, A ?? 0);
}
