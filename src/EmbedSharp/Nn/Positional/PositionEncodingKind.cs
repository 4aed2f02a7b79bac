namespace EmbedSharp.Nn.Positional;

/// <summary>The positional part of a <see cref="TokenAndPositionEmbedding"/>.</summary>
public enum PositionEncodingKind
{
    /// <summary>A fixed sinusoidal table (<see cref="SinusoidalPositionalEncoding"/>, buffer <c>position.pe</c>).</summary>
    Sinusoidal,

    /// <summary>A trained table (<see cref="LearnedPositionalEmbedding"/>, parameter <c>position.weight</c>).</summary>
    Learned,
}
