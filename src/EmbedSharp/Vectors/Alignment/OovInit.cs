using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Vectors.Alignment;

/// <summary>
/// How the rows of tokens without a vector are filled. The scheme runs once on a fresh (n, D) tensor holding the n
/// initialised rows in vocabulary order, which are then copied into place: with a <see cref="Generator"/> the values
/// equal PyTorch's <c>torch.empty(n, D).normal_(mean, std)</c> (or the other <c>torch.nn.init</c> call) after the same seed.
/// </summary>
public sealed class OovInit
{
    private readonly Action<FloatTensor, IRandomSource, double, double> _fill;

    private OovInit(string name, Action<FloatTensor, IRandomSource, double, double> fill)
    {
        Name = name;
        _fill = fill;
    }

    /// <summary>A short description for reports.</summary>
    public string Name { get; }

    /// <summary>N(mean, std²) with the mean and (unbiased, as <c>torch.std</c>) standard deviation of every value of the
    /// pretrained matrix, computed in float64. The default.</summary>
    public static OovInit PretrainedNormal { get; } = new("normal(pretrained mean, pretrained std)", (t, g, m, s) => Init.Normal(t, g, m, s));

    /// <summary>All zeros (no random draws).</summary>
    public static OovInit Zeros { get; } = new("zeros", (t, _, _, _) => Init.Zeros(t));

    /// <summary>N(mean, std²). torch: <c>normal_</c>.</summary>
    public static OovInit Normal(double mean = 0, double std = 1) => new(FormattableString.Invariant($"normal({mean}, {std})"), (t, g, _, _) => Init.Normal(t, g, mean, std));

    /// <summary>U(a, b). torch: <c>uniform_</c>.</summary>
    public static OovInit Uniform(double a, double b) => new(FormattableString.Invariant($"uniform({a}, {b})"), (t, g, _, _) => Init.Uniform(t, g, a, b));

    /// <summary>Truncated normal. torch: <c>trunc_normal_</c>.</summary>
    public static OovInit TruncNormal(double mean = 0, double std = 1, double a = -2, double b = 2) =>
        new(FormattableString.Invariant($"trunc_normal({mean}, {std}, {a}, {b})"), (t, g, _, _) => Init.TruncNormal(t, g, mean, std, a, b));

    /// <summary>Any other filler of the (n, D) block, e.g. <c>(t, g) =&gt; Init.XavierUniform(t, g)</c>.</summary>
    public static OovInit Custom(string name, Action<FloatTensor, IRandomSource> fill)
    {
        ArgumentNullException.ThrowIfNull(fill);
        return new(name, (t, g, _, _) => fill(t, g));
    }

    internal bool NeedsStatistics => ReferenceEquals(this, PretrainedNormal);

    internal void Fill(FloatTensor block, IRandomSource generator, double mean, double std) => _fill(block, generator, mean, std);

    /// <inheritdoc />
    public override string ToString() => Name;
}
