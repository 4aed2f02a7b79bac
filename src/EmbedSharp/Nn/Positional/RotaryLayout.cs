namespace EmbedSharp.Nn.Positional;

/// <summary>Which pairs of a head vector a rotary embedding rotates together by angle pos·θ_i.</summary>
public enum RotaryLayout
{
    /// <summary>Adjacent pairs (x[2i], x[2i+1]): the original RoFormer, GPT-J and LLaMA's complex-number form
    /// (<c>torch.view_as_complex</c> over the last dimension).</summary>
    Interleaved,

    /// <summary>Half-split pairs (x[i], x[i + d/2]): GPT-NeoX and Hugging Face LLaMA
    /// (<c>q * cos + rotate_half(q) * sin</c>).</summary>
    HalfSplit,
}
