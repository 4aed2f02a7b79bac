namespace EmbedSharp.Initialization;

/// <summary>The nonlinearities <c>torch.nn.init.calculate_gain</c> knows.</summary>
public enum NonlinearityKind
{
    /// <summary>Identity; gain 1. torch: 'linear'.</summary>
    Linear,

    /// <summary>1-D convolution; gain 1. torch: 'conv1d'.</summary>
    Conv1d,

    /// <summary>2-D convolution; gain 1. torch: 'conv2d'.</summary>
    Conv2d,

    /// <summary>3-D convolution; gain 1. torch: 'conv3d'.</summary>
    Conv3d,

    /// <summary>1-D transposed convolution; gain 1. torch: 'conv_transpose1d'.</summary>
    ConvTranspose1d,

    /// <summary>2-D transposed convolution; gain 1. torch: 'conv_transpose2d'.</summary>
    ConvTranspose2d,

    /// <summary>3-D transposed convolution; gain 1. torch: 'conv_transpose3d'.</summary>
    ConvTranspose3d,

    /// <summary>Logistic sigmoid; gain 1. torch: 'sigmoid'.</summary>
    Sigmoid,

    /// <summary>Hyperbolic tangent; gain 5/3. torch: 'tanh'.</summary>
    Tanh,

    /// <summary>max(0, x); gain √2. torch: 'relu'.</summary>
    Relu,

    /// <summary>max(0, x) + slope·min(0, x); gain √(2/(1 + slope²)). torch: 'leaky_relu'.</summary>
    LeakyRelu,

    /// <summary>Scaled ELU; gain 3/4 (Klambauer et al. 2017, as PyTorch). torch: 'selu'.</summary>
    Selu,
}

/// <summary>
/// A nonlinearity and its parameter (the negative slope of leaky ReLU), as passed to <c>calculate_gain</c>
/// and the Kaiming initialisers: <c>Nonlinearity.Relu</c>, <c>Nonlinearity.LeakyRelu(0.01)</c>.
/// </summary>
public readonly record struct Nonlinearity
{
    private Nonlinearity(NonlinearityKind kind, double negativeSlope)
    {
        Kind = kind;
        NegativeSlope = negativeSlope;
    }

    /// <summary>Which nonlinearity.</summary>
    public NonlinearityKind Kind { get; }

    /// <summary>The negative slope (only meaningful for <see cref="NonlinearityKind.LeakyRelu"/>).</summary>
    public double NegativeSlope { get; }

    /// <summary>Identity (gain 1).</summary>
    public static Nonlinearity Linear => new(NonlinearityKind.Linear, 0);

    /// <summary>Sigmoid (gain 1).</summary>
    public static Nonlinearity Sigmoid => new(NonlinearityKind.Sigmoid, 0);

    /// <summary>Tanh (gain 5/3).</summary>
    public static Nonlinearity Tanh => new(NonlinearityKind.Tanh, 0);

    /// <summary>ReLU (gain √2).</summary>
    public static Nonlinearity Relu => new(NonlinearityKind.Relu, 0);

    /// <summary>SELU (gain 3/4).</summary>
    public static Nonlinearity Selu => new(NonlinearityKind.Selu, 0);

    /// <summary>Leaky ReLU with the given negative slope (PyTorch's <c>calculate_gain</c> default is 0.01;
    /// the Kaiming initialisers' default <c>a = 0</c> is <c>LeakyRelu(0)</c>).</summary>
    public static Nonlinearity LeakyRelu(double negativeSlope = 0.01)
    {
        if (!double.IsFinite(negativeSlope))
        {
            throw new ArgumentOutOfRangeException(nameof(negativeSlope), $"The negative slope must be finite; got {negativeSlope}.");
        }

        return new(NonlinearityKind.LeakyRelu, negativeSlope);
    }

    /// <summary>Any kind; <paramref name="negativeSlope"/> is used by leaky ReLU only.</summary>
    public static Nonlinearity Of(NonlinearityKind kind, double negativeSlope = 0.01)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), $"Unsupported nonlinearity {kind}.");
        }

        return kind == NonlinearityKind.LeakyRelu ? LeakyRelu(negativeSlope) : new(kind, 0);
    }

    /// <summary>The recommended gain (PyTorch: <c>torch.nn.init.calculate_gain</c>): 1 for linear, convolutions and
    /// sigmoid; 5/3 for tanh; √2 for ReLU; √(2/(1 + slope²)) for leaky ReLU; 3/4 for SELU.</summary>
    public double Gain => Kind switch
    {
        NonlinearityKind.Tanh => 5.0 / 3,
        NonlinearityKind.Relu => Math.Sqrt(2.0),
        NonlinearityKind.LeakyRelu => Math.Sqrt(2.0 / (1 + (NegativeSlope * NegativeSlope))),
        NonlinearityKind.Selu => 3.0 / 4,
        _ => 1.0,
    };
}
