using EmbedSharp.Autograd;
using EmbedSharp.Numerics;

namespace EmbedSharp.Nn;

/// <summary>
/// Layer normalisation over the last dimensions: <c>y = (x − mean) / √(var + eps) · weight + bias</c>, mean and
/// (biased) variance over <see cref="NormalizedShape"/>. torch: <c>nn.LayerNorm(normalized_shape, eps,
/// elementwise_affine)</c>, parameters <c>weight</c> (ones) and <c>bias</c> (zeros). Shape: (*, normalizedShape) → same.
/// </summary>
public sealed class LayerNorm : Module, ILayer
{
    private readonly long[] _normalizedShape;

    /// <summary>A layer normalising over the last dimensions of sizes <paramref name="normalizedShape"/>.</summary>
    /// <exception cref="ArgumentException">The shape is empty or has a size below 1, or eps is not positive and finite.</exception>
    public LayerNorm(long[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0 || normalizedShape.Any(s => s < 1))
        {
            throw new ArgumentException($"LayerNorm: normalized_shape {FloatTensor.FormatShape(normalizedShape)} must be non-empty with sizes of at least 1.", nameof(normalizedShape));
        }

        if (!(eps > 0) || double.IsInfinity(eps))
        {
            throw new ArgumentException($"LayerNorm: eps must be positive and finite; it is {eps}.", nameof(eps));
        }

        _normalizedShape = [.. normalizedShape];
        Eps = eps;
        if (elementwiseAffine)
        {
            var weight = new FloatTensor(normalizedShape);
            weight.Fill(1f);
            Weight = RegisterParameter("weight", new Parameter(weight));
            Bias = RegisterParameter("bias", new Parameter(new FloatTensor(normalizedShape)));
        }
    }

    /// <summary>A layer normalising over the last dimension, of size <paramref name="size"/>.</summary>
    public LayerNorm(long size, double eps = 1e-5, bool elementwiseAffine = true)
        : this([size], eps, elementwiseAffine)
    {
    }

    /// <summary>The sizes of the normalised (last) dimensions.</summary>
    public ReadOnlySpan<long> NormalizedShape => _normalizedShape;

    /// <summary>The ε added to the variance.</summary>
    public double Eps { get; }

    /// <summary>γ, or null without elementwise affine. Shape: normalizedShape.</summary>
    public Parameter? Weight { get; }

    /// <summary>β, or null without elementwise affine. Shape: normalizedShape.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public Variable Forward(Variable input) => Ops.LayerNorm(input, _normalizedShape, Weight, Bias, Eps);

    /// <inheritdoc />
    public override string ToString() => $"LayerNorm({FloatTensor.FormatShape(_normalizedShape)}, eps={Eps.ToString(System.Globalization.CultureInfo.InvariantCulture)}, elementwise_affine={(Weight is not null ? "True" : "False")})";
}
