using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Vectors.Alignment;

/// <summary>
/// How the rows of tokens without a vector are filled. The scheme runs once on a fresh (n, D) tensor holding the n
/// initialised rows in vocabulary order, which are then copied into place: with a <see cref="Generator"/> the values
/// equal PyTorch's <c>torch.empty(n, D).normal_(mean, std)</c> (or the other <c>torch.nn.init</c> call) after the same seed.
/// </summary>
/// <remarks>
/// More than a scheme: the scheme part is an <see cref="InitSpec"/> (<see cref="Scheme"/>), and the default,
/// <see cref="PretrainedNormal"/>, also takes its mean and std from the pretrained matrix at alignment time
/// (<see cref="MatchesPretrainedStatistics"/>), which no fixed spec can say. <see cref="Name"/> is the text the coverage
/// report prints.
/// </remarks>
public sealed record OovInit
{
    private OovInit(InitSpec scheme, bool matchesPretrainedStatistics, string name)
    {
        Scheme = scheme;
        MatchesPretrainedStatistics = matchesPretrainedStatistics;
        Name = name;
    }

    /// <summary>The scheme. For <see cref="PretrainedNormal"/> it is <c>normal</c>, whose mean and std are then replaced
    /// by the pretrained matrix's.</summary>
    public InitSpec Scheme { get; }

    /// <summary>Whether the mean and std of <see cref="Scheme"/> come from the pretrained matrix (<see cref="PretrainedNormal"/>).</summary>
    public bool MatchesPretrainedStatistics { get; }

    /// <summary>A short description for reports.</summary>
    public string Name { get; }

    /// <summary>N(mean, std²) with the mean and (unbiased, as <c>torch.std</c>) standard deviation of every value of the
    /// pretrained matrix, computed in float64. The default.</summary>
    public static OovInit PretrainedNormal { get; } = new(InitSpec.Normal(), true, "normal(pretrained mean, pretrained std)");

    /// <summary>All zeros (no random draws).</summary>
    public static OovInit Zeros { get; } = new(InitSpec.Zeros, false, "zeros");

    /// <summary>N(mean, std²). torch: <c>normal_</c>.</summary>
    public static OovInit Normal(double mean = 0, double std = 1) => new(InitSpec.Normal(mean, std), false, FormattableString.Invariant($"normal({mean}, {std})"));

    /// <summary>U(a, b). torch: <c>uniform_</c>.</summary>
    public static OovInit Uniform(double a, double b) => new(InitSpec.Uniform(a, b), false, FormattableString.Invariant($"uniform({a}, {b})"));

    /// <summary>Truncated normal. torch: <c>trunc_normal_</c>.</summary>
    public static OovInit TruncNormal(double mean = 0, double std = 1, double a = -2, double b = 2) =>
        new(InitSpec.TruncNormal(mean, std, a, b), false, FormattableString.Invariant($"trunc_normal({mean}, {std}, {a}, {b})"));

    /// <summary>Any other scheme applied to the (n, D) block, e.g. <c>OovInit.From(InitSpec.XavierUniform())</c>; its
    /// <see cref="Name"/> is the spec's text.</summary>
    /// <exception cref="NotSupportedException"><see cref="InitScheme.FastText"/>, which only the trainer applies.</exception>
    public static OovInit From(InitSpec scheme)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        if (scheme.Scheme == InitScheme.FastText)
        {
            throw new NotSupportedException("fasttext is the word-vector trainer's own start, not a fill for unknown tokens.");
        }

        return new(scheme, false, scheme.ToString());
    }

    internal void Fill(FloatTensor block, IRandomSource generator, double mean, double std) =>
        (MatchesPretrainedStatistics ? InitSpec.Normal(mean, std) : Scheme).Apply(block, generator);

    /// <inheritdoc />
    public override string ToString() => Name;
}
