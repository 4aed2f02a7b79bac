namespace EmbedSharp.Initialization;

/// <summary>Which fan scales an initialiser's variance. PyTorch: <c>mode='fan_in'|'fan_out'</c>; Keras/Flax also 'fan_avg'.</summary>
public enum FanMode
{
    /// <summary>fan_in = shape[1]·receptive field: preserves the variance of activations in the forward pass.</summary>
    FanIn,

    /// <summary>fan_out = shape[0]·receptive field: preserves the variance of gradients in the backward pass.</summary>
    FanOut,

    /// <summary>(fan_in + fan_out)/2 (variance scaling only; Glorot's choice).</summary>
    FanAvg,
}

/// <summary>The distribution <see cref="Init.VarianceScaling"/> draws from (Keras <c>distribution=</c>).</summary>
public enum VarianceScalingDistribution
{
    /// <summary>Normal truncated at ±2σ, σ = √(scale/n)/0.87962566103423978 (Keras 'truncated_normal').</summary>
    TruncatedNormal,

    /// <summary>Normal with σ = √(scale/n) (Keras 'untruncated_normal').</summary>
    UntruncatedNormal,

    /// <summary>U(−l, l) with l = √(3·scale/n) (Keras 'uniform').</summary>
    Uniform,
}
