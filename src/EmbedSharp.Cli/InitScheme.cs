using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Cli;

/// <summary>The initialisation schemes by their command-line names (PyTorch's names in kebab case).</summary>
internal enum InitScheme
{
    Uniform,
    Normal,
    TruncNormal,
    Constant,
    Ones,
    Zeros,
    Eye,
    Dirac,
    XavierUniform,
    XavierNormal,
    KaimingUniform,
    KaimingNormal,
    Orthogonal,
    Sparse,
    LecunUniform,
    LecunNormal,
    VarianceScaling,
    Identity,
}

/// <summary>The parameters of a scheme, named after PyTorch's arguments; null means PyTorch's default.</summary>
internal sealed record InitParameters
{
    public double? Gain { get; init; }
    public double? A { get; init; }
    public double? B { get; init; }
    public double? Mean { get; init; }
    public double? Std { get; init; }
    public FanMode? Mode { get; init; }
    public NonlinearityKind? Nonlinearity { get; init; }
    public double? Sparsity { get; init; }
    public double? Value { get; init; }
    public int? Groups { get; init; }
    public double? Scale { get; init; }
    public VarianceScalingDistribution? Distribution { get; init; }
}

internal static class InitSchemes
{
    /// <summary>Applies <paramref name="scheme"/> to <paramref name="tensor"/> exactly as the matching torch.nn.init call.</summary>
    public static void Apply(InitScheme scheme, FloatTensor tensor, IRandomSource source, InitParameters p)
    {
        switch (scheme)
        {
            case InitScheme.Uniform: Init.Uniform(tensor, source, p.A ?? 0, p.B ?? 1); break;
            case InitScheme.Normal: Init.Normal(tensor, source, p.Mean ?? 0, p.Std ?? 1); break;
            case InitScheme.TruncNormal: Init.TruncNormal(tensor, source, p.Mean ?? 0, p.Std ?? 1, p.A ?? -2, p.B ?? 2); break;
            case InitScheme.Constant:
                Init.Constant(tensor, (float)(p.Value ?? throw new ArgumentException("constant needs --value.")));
                break;
            case InitScheme.Ones: Init.Ones(tensor); break;
            case InitScheme.Zeros: Init.Zeros(tensor); break;
            case InitScheme.Eye: Init.Eye(tensor); break;
            case InitScheme.Dirac: Init.Dirac(tensor, p.Groups ?? 1); break;
            case InitScheme.XavierUniform: Init.XavierUniform(tensor, source, p.Gain ?? 1); break;
            case InitScheme.XavierNormal: Init.XavierNormal(tensor, source, p.Gain ?? 1); break;
            case InitScheme.KaimingUniform: Init.KaimingUniform(tensor, source, p.Mode ?? FanMode.FanIn, Kaiming(p)); break;
            case InitScheme.KaimingNormal: Init.KaimingNormal(tensor, source, p.Mode ?? FanMode.FanIn, Kaiming(p)); break;
            case InitScheme.Orthogonal: Init.Orthogonal(tensor, source, p.Gain ?? 1); break;
            case InitScheme.Sparse:
                Init.Sparse(tensor, source, p.Sparsity ?? throw new ArgumentException("sparse needs --sparsity."), p.Std ?? 0.01);
                break;
            case InitScheme.LecunUniform: Init.LecunUniform(tensor, source); break;
            case InitScheme.LecunNormal: Init.LecunNormal(tensor, source); break;
            case InitScheme.VarianceScaling:
                Init.VarianceScaling(tensor, source, p.Scale ?? 1, p.Mode ?? FanMode.FanIn, p.Distribution ?? VarianceScalingDistribution.TruncatedNormal);
                break;
            case InitScheme.Identity: Init.Identity(tensor, p.Gain ?? 1); break;
            default: throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Unknown scheme.");
        }
    }

    /// <summary>torch's kaiming_*(a, mode, nonlinearity): <c>a</c> is the leaky-ReLU slope, default 0; default nonlinearity leaky_relu.</summary>
    private static Nonlinearity Kaiming(InitParameters p) =>
        Nonlinearity.Of(p.Nonlinearity ?? NonlinearityKind.LeakyRelu, p.A ?? 0);
}
