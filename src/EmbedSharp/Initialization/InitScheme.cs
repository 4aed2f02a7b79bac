namespace EmbedSharp.Initialization;

/// <summary>
/// The initialisation schemes an <see cref="InitSpec"/> names: every <c>torch.nn.init</c> function, the Keras/Flax
/// extras, and fastText's own input-matrix start. The text name of each (<see cref="InitSpec.NameOf"/>) is PyTorch's
/// function name in kebab case, without the trailing underscore: <c>xavier-uniform</c> for <c>xavier_uniform_</c>.
/// </summary>
public enum InitScheme
{
    /// <summary>U(a, b). torch: <c>uniform_(tensor, a=0, b=1)</c>; see <see cref="Init.Uniform"/>.</summary>
    Uniform,

    /// <summary>N(mean, std²). torch: <c>normal_(tensor, mean=0, std=1)</c>; see <see cref="Init.Normal"/>.</summary>
    Normal,

    /// <summary>N(mean, std²) truncated to [a, b]. torch: <c>trunc_normal_(tensor, mean=0, std=1, a=-2, b=2)</c>; see <see cref="Init.TruncNormal"/>.</summary>
    TruncNormal,

    /// <summary>Every value <c>value</c> (required). torch: <c>constant_(tensor, val)</c>; see <see cref="Init.Constant"/>.</summary>
    Constant,

    /// <summary>Every value 1. torch: <c>ones_</c>.</summary>
    Ones,

    /// <summary>Every value 0. torch: <c>zeros_</c>.</summary>
    Zeros,

    /// <summary>The 2-D identity. torch: <c>eye_</c>.</summary>
    Eye,

    /// <summary>The Dirac delta of convolution weights. torch: <c>dirac_(tensor, groups=1)</c>.</summary>
    Dirac,

    /// <summary>U(−a, a), a = gain·√(6/(fan_in + fan_out)). torch: <c>xavier_uniform_(tensor, gain=1)</c>.</summary>
    XavierUniform,

    /// <summary>N(0, σ²), σ = gain·√(2/(fan_in + fan_out)). torch: <c>xavier_normal_(tensor, gain=1)</c>.</summary>
    XavierNormal,

    /// <summary>U(−b, b), b = gain·√(3/fan). torch: <c>kaiming_uniform_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu')</c>.</summary>
    KaimingUniform,

    /// <summary>N(0, σ²), σ = gain/√fan. torch: <c>kaiming_normal_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu')</c>.</summary>
    KaimingNormal,

    /// <summary>A (semi-)orthogonal matrix times gain. torch: <c>orthogonal_(tensor, gain=1)</c>.</summary>
    Orthogonal,

    /// <summary>N(0, std²) with a fraction <c>sparsity</c> (required) of each column zeroed. torch: <c>sparse_(tensor, sparsity, std=0.01)</c>.</summary>
    Sparse,

    /// <summary>U(−l, l), l = √(3/fan_in). Keras/Flax: <c>lecun_uniform</c>.</summary>
    LecunUniform,

    /// <summary>Truncated normal, σ = √(1/fan_in)/0.8796…. Keras/Flax: <c>lecun_normal</c>.</summary>
    LecunNormal,

    /// <summary>Keras/Flax <c>variance_scaling(scale=1, mode='fan_in', distribution='truncated_normal')</c>.</summary>
    VarianceScaling,

    /// <summary>gain times the 2-D identity. Keras: <c>Identity(gain=1)</c>.</summary>
    Identity,

    /// <summary>
    /// fastText 0.9.2's input-matrix start, <c>DenseMatrix::uniform(1/dim, thread, seed)</c>, bit for bit: U(−1/dim, 1/dim)
    /// from <c>std::minstd_rand</c> in the first <c>thread</c> tenths of the matrix, zero after. Its values depend on
    /// the trainer's thread count and seed rather than on a random source, so only
    /// <see cref="EmbedSharp.FastText.WordVectorTrainer"/> applies it; <see cref="InitSpec.Apply"/> refuses it.
    /// </summary>
    FastText,
}
