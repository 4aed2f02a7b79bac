namespace EmbedSharp.Nn.Positional;

/// <summary>Where the sine and cosine of each frequency go in a sinusoidal positional-encoding row.</summary>
public enum SinusoidalLayout
{
    /// <summary>Interleaved: column 2i holds sin(pos·ω_i), column 2i+1 holds cos(pos·ω_i). Vaswani et al. 2017 as written
    /// in the PyTorch tutorial, word_language_model and the Annotated Transformer (<c>pe[:, 0::2] = sin; pe[:, 1::2] = cos</c>).</summary>
    Interleaved,

    /// <summary>Concatenated halves: columns [0, ⌈d/2⌉) hold sin(pos·ω_i), columns [⌈d/2⌉, d) hold cos(pos·ω_i)
    /// (tensor2tensor's <c>concat([sin, cos])</c> arrangement, with the ω_i of <see cref="Interleaved"/>).</summary>
    Concatenated,
}
